(module
  (memory (;0;) 1)
  (memory (;1;) 0)
  (data (;0;) (i32.const 48030) "\02")
)
