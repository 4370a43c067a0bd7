(module
  (memory (;0;) 17)
  (data (;0;) (i32.const 1048576) "x")
)
