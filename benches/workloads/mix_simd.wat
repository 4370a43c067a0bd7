;; The same computation as mix_scalar.wat with v128 operations: each 16-byte
;; block is one load, xor, i32x4.add, two shifts and a store, so the four
;; lanes of mix_scalar's accumulators move together.
(module
  (memory 1)
  (func $init
    (local $i i32)
    (loop $fill
      (i32.store (local.get $i) (i32.mul (i32.add (local.get $i) (i32.const 1)) (i32.const 0x9E3779B1)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 4096)))))
  (func (export "run") (param $n i32) (result i64)
    (local $p i32) (local $a v128) (local $x v128)
    (call $init)
    (block $done
      (loop $pass
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $p (i32.const 0))
        (loop $block
          (local.set $x (v128.load (local.get $p)))
          (local.set $a (i32x4.add (v128.xor (local.get $a) (local.get $x)) (local.get $x)))
          (local.set $a (v128.xor (i32x4.shl (local.get $a) (i32.const 5)) (i32x4.shr_u (local.get $a) (i32.const 27))))
          (v128.store (local.get $p) (i32x4.add (local.get $x) (local.get $a)))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br_if $block (i32.lt_u (local.get $p) (i32.const 4096))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $pass)))
    (i64.add (i64.add (i64.extend_i32_u (i32x4.extract_lane 0 (local.get $a)))
                      (i64.extend_i32_u (i32x4.extract_lane 1 (local.get $a))))
             (i64.add (i64.extend_i32_u (i32x4.extract_lane 2 (local.get $a)))
                      (i64.extend_i32_u (i32x4.extract_lane 3 (local.get $a)))))))
