(module
  (type (;0;) (func (result i32)))
  (memory (;0;) 0 0)
  (export "f" (func 0))
  (func (;0;) (type 0) (result i32)
    i32.const 2
    memory.grow
  )
)
