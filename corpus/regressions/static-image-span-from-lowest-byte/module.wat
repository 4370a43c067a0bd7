(module
  (memory (;0;) 600)
  (data (;0;) (i32.const 33554432) "abcd")
  (data (;1;) (i32.const 33554438) "ef")
)
