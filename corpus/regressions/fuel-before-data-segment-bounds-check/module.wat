(module
  (memory (;0;) 0 2)
  (data (;0;) (i32.const 0) "{")
)
