(module
  (memory (;0;) 1)
  (memory (;1;) 2)
  (data (;0;) (memory 0) (i32.const 16) "abcd")
  (data (;1;) (memory 1) (i32.const 70000) "efgh")
  (func (export "read") (result i32) (i32.load 1 (i32.const 70000)))
)
