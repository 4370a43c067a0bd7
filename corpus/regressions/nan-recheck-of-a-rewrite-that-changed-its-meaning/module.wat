(module
  (type (;0;) (func (param i32) (result i32)))
  (type (;1;) (func (param i32 f64) (result i64)))
  (type (;2;) (func (param f64) (result f64)))
  (table (;0;) 1 1 funcref)
  (memory (;0;) 2)
  (global $__stack_pointer (;0;) (mut i32) i32.const 65536)
  (global (;1;) (mut f32) f32.const 0x0p+0 (;=0;))
  (export "memory" (memory 0))
  (export "physics_init" (func $physics_init))
  (export "physics_step" (func $physics_step))
  (export "physics_poly" (func $physics_poly))
  (export "__indirect_function_table" (table 0))
  (func $physics_init (;0;) (type 0) (param i32) (result i32)
    (local i32 i32 f32)
    local.get 0
    i32.const -1640531535
    i32.mul
    i32.const 1
    i32.add
    local.set 1
    i32.const -384
    local.set 2
    loop ;; label = @1
      local.get 2
      i32.const 66004
      i32.add
      local.get 1
      i32.const 1103515245
      i32.mul
      i32.const 12345
      i32.add
      local.tee 1
      f32.convert_i32_s
      f32.const 0x1.312dp+23 (;=10000000;)
      f32.div
      f32.store
      local.get 2
      i32.const 66016
      i32.add
      local.get 1
      i32.const 1000
      i32.rem_u
      f64.convert_i32_u
      f64.const 0x1.cp+2 (;=7;)
      f64.div
      f64.const 0x1p+0 (;=1;)
      f64.add
      f64.store
      local.get 2
      i32.const 66000
      i32.add
      local.get 1
      i32.const 16
      i32.shr_u
      f32.convert_i32_u
      f32.const 0x1p-16 (;=0.000015258789;)
      f32.mul
      f32.const 0x1.9p+6 (;=100;)
      f32.mul
      f32.store
      local.get 2
      i32.const 66008
      i32.add
      local.get 1
      i32.const 8
      i32.shr_u
      i32.const 200
      i32.rem_u
      i32.const -100
      i32.add
      f32.convert_i32_s
      f32.const 0x1p-2 (;=0.25;)
      f32.mul
      local.tee 3
      f32.store
      local.get 2
      i32.const 66012
      i32.add
      local.get 3
      f32.const -0x1.8p+1 (;=-3;)
      f32.div
      f32.store
      local.get 2
      i32.const 24
      i32.add
      local.tee 2
      br_if 0 (;@1;)
    end
    local.get 0
    i32.const 15
    i32.and
    i32.const 24
    i32.mul
    i32.const 65616
    i32.add
    f32.load
    i32.trunc_sat_f32_s
  )
  (func $physics_step (;1;) (type 1) (param i32 f64) (result i64)
    (local i32 f32 i32 i32 i32 f32 i32 f32 f32 f32 i32)
    block ;; label = @1
      local.get 0
      i32.const 12
      i32.rem_u
      local.tee 2
      br_if 0 (;@1;)
      i64.const 0
      return
    end
    local.get 1
    f32.demote_f64
    f32.const 0x1p-6 (;=0.015625;)
    local.get 1
    f64.const 0x1p+2 (;=4;)
    f64.lt
    select
    f32.const 0x1p-6 (;=0.015625;)
    local.get 1
    f64.const -0x1p+2 (;=-4;)
    f64.gt
    select
    local.set 3
    i32.const 0
    local.set 4
    f64.const 0x0p+0 (;=0;)
    local.set 1
    loop ;; label = @1
      local.get 4
      local.set 5
      i32.const 0
      local.set 0
      loop ;; label = @2
        i64.const 4591976324215476848
        drop
        nop
        local.get 7
        global.set 1
        local.get 0
        i32.const 65628
        i32.add
        local.tee 6
        f32.const -0x1.e848p+19 (;=-1000000;)
        local.get 6
        f32.load
        f32.const 0x0p+0 (;=0;)
        f32.add
        local.get 0
        i32.const 65620
        i32.add
        local.tee 6
        f32.load
        local.tee 7
        local.get 0
        i32.const 65616
        i32.add
        local.tee 8
        f32.load
        local.tee 9
        local.get 9
        f32.mul
        global.get 1
        local.get 7
        f32.mul
        f32.add
        f32.sqrt
        f32.const 0x1p+0 (;=1;)
        f32.add
        local.tee 10
        local.get 10
        local.get 10
        f32.mul
        f32.mul
        local.tee 11
        f32.div
        local.get 3
        f32.mul
        f32.sub
        local.tee 10
        f32.const 0x1.e848p+19 (;=1000000;)
        f32.min
        local.get 10
        f32.const -0x1.e848p+19 (;=-1000000;)
        f32.lt
        select
        local.tee 10
        f32.store
        local.get 0
        i32.const 65624
        i32.add
        local.tee 12
        f32.const -0x1.e848p+19 (;=-1000000;)
        local.get 5
        i32.const 7
        i32.and
        i32.const 2
        i32.shl
        i32.const 65536
        i32.add
        f32.load
        local.get 12
        f32.load
        local.get 9
        local.get 11
        f32.div
        local.get 3
        f32.mul
        f32.sub
        f32.mul
        local.tee 11
        f32.const 0x1.e848p+19 (;=1000000;)
        f32.min
        local.get 11
        f32.const -0x1.e848p+19 (;=-1000000;)
        f32.lt
        select
        local.tee 11
        f32.store
        i64.const -4725618843556758510
        drop
        local.get 6
        i32.const 0
        i32.shr_s
        f32.const -0x1.e848p+19 (;=-1000000;)
        local.get 7
        local.get 10
        local.get 3
        f32.mul
        f32.add
        local.tee 7
        f32.const 0x1.e848p+19 (;=1000000;)
        f32.min
        local.get 7
        f32.const -0x1.e848p+19 (;=-1000000;)
        f32.lt
        select
        f32.store
        local.get 8
        f32.const -0x1.e848p+19 (;=-1000000;)
        local.get 9
        local.get 11
        local.get 3
        f32.mul
        f32.add
        local.tee 7
        f32.const 0x1.e848p+19 (;=1000000;)
        f32.min
        local.get 7
        f32.const -0x1.e848p+19 (;=-1000000;)
        f32.lt
        select
        f32.store
        local.get 0
        i32.const 65632
        i32.add
        f64.load
        f64.const 0x1p-1 (;=0.5;)
        f64.mul
        local.get 11
        local.get 11
        f32.mul
        local.get 10
        local.get 10
        f32.mul
        f32.add
        f64.promote_f32
        f64.mul
        local.get 1
        f64.add
        local.set 1
        local.get 5
        i32.const 1
        i32.add
        local.set 5
        local.get 0
        i32.const 24
        i32.add
        local.tee 0
        i32.const 384
        i32.ne
        br_if 0 (;@2;)
      end
      local.get 4
      i32.const 1
      i32.add
      local.tee 4
      local.get 2
      i32.ne
      br_if 0 (;@1;)
    end
    local.get 1
    i64.trunc_sat_f64_s
  )
  (func $physics_poly (;2;) (type 2) (param f64) (result f64)
    (local f64 f64 i32)
    local.get 0
    local.get 0
    f64.mul
    local.set 1
    f64.const 0x0p+0 (;=0;)
    local.set 2
    i32.const 32
    local.set 3
    loop ;; label = @1
      local.get 2
      local.get 1
      f64.mul
      local.get 3
      i32.const 65568
      i32.add
      f64.load
      f64.add
      local.set 2
      local.get 3
      i32.const -8
      i32.add
      local.tee 3
      i32.const -8
      i32.ne
      br_if 0 (;@1;)
    end
    f64.const 0x1p+0 (;=1;)
    local.get 0
    f64.copysign
    local.get 2
    local.get 0
    f64.floor
    i32.trunc_sat_f64_s
    f64.convert_i32_s
    f64.add
    local.get 0
    f64.const 0x1p-1 (;=0.5;)
    f64.mul
    f64.trunc
    f64.sub
    f64.add
  )
  (data $.rodata (;0;) (i32.const 65536) "w\be\7f?H\e1z?\00\00\80?fff?R\b8~?\00\00@?G\03\80?\00\00\00?\00\00\00\00\00\00\f0?\00\00\00\00\00\00\e0\bfUUUUUU\a5?\17l\c1\16l\c1V\bf\1a\a0\01\1a\a0\01\fa>")
  (@producers
    (processed-by "Debian clang" "14.0.6")
  )
  (@custom "target_features" (after data) "\04+\0bbulk-memory+\0fmutable-globals+\13nontrapping-fptoint+\08sign-ext")
)
