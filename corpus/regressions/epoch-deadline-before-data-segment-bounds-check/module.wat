(module
  (memory (;0;) 10 10)
  (data (;0;) (i32.const -8454144) "")
)
