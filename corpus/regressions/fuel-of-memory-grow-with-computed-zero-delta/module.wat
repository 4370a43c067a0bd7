(module
  (type (;0;) (func))
  (memory (;0;) 10 10)
  (export "f" (func 0))
  (func (;0;) (type 0)
    i64.const 1
    i64.const 0
    i64.ne
    i32.eqz
    memory.grow
    drop
  )
)
