(module
  (memory (;0;) 3 4 shared)
  (memory (;1;) 8 9)
  (data (;0;) (i32.const 73899) "")
)
