(module
  (table (;0;) 393 636 externref)
  (elem (;0;) (table 0) (i32.const 0) externref)
)
