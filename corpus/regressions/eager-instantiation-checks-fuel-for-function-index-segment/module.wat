(module
  (table (;0;) 7 834 funcref)
  (elem (;0;) (table 0) (i32.const 0) func)
)
