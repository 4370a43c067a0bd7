(module
  (memory (;0;) 300)
  (data (;0;) (i32.const 0) "a")
  (data (;1;) (i32.const 16777214) "b")
)
