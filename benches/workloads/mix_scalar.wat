;; The same computation as mix_simd.wat, one 32-bit lane at a time: n passes
;; over a 4 KiB buffer, each 16-byte block mixed into four accumulators
;; (xor, add, rotate by a shift pair) and written back. The result is the
;; four accumulators summed as i64.
(module
  (memory 1)
  (func $init
    (local $i i32)
    (loop $fill
      (i32.store (local.get $i) (i32.mul (i32.add (local.get $i) (i32.const 1)) (i32.const 0x9E3779B1)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 4096)))))
  (func (export "run") (param $n i32) (result i64)
    (local $p i32) (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (call $init)
    (block $done
      (loop $pass
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $p (i32.const 0))
        (loop $block
          (local.set $x0 (i32.load offset=0 (local.get $p)))
          (local.set $x1 (i32.load offset=4 (local.get $p)))
          (local.set $x2 (i32.load offset=8 (local.get $p)))
          (local.set $x3 (i32.load offset=12 (local.get $p)))
          (local.set $a0 (i32.add (i32.xor (local.get $a0) (local.get $x0)) (local.get $x0)))
          (local.set $a1 (i32.add (i32.xor (local.get $a1) (local.get $x1)) (local.get $x1)))
          (local.set $a2 (i32.add (i32.xor (local.get $a2) (local.get $x2)) (local.get $x2)))
          (local.set $a3 (i32.add (i32.xor (local.get $a3) (local.get $x3)) (local.get $x3)))
          (local.set $a0 (i32.xor (i32.shl (local.get $a0) (i32.const 5)) (i32.shr_u (local.get $a0) (i32.const 27))))
          (local.set $a1 (i32.xor (i32.shl (local.get $a1) (i32.const 5)) (i32.shr_u (local.get $a1) (i32.const 27))))
          (local.set $a2 (i32.xor (i32.shl (local.get $a2) (i32.const 5)) (i32.shr_u (local.get $a2) (i32.const 27))))
          (local.set $a3 (i32.xor (i32.shl (local.get $a3) (i32.const 5)) (i32.shr_u (local.get $a3) (i32.const 27))))
          (i32.store offset=0 (local.get $p) (i32.add (local.get $x0) (local.get $a0)))
          (i32.store offset=4 (local.get $p) (i32.add (local.get $x1) (local.get $a1)))
          (i32.store offset=8 (local.get $p) (i32.add (local.get $x2) (local.get $a2)))
          (i32.store offset=12 (local.get $p) (i32.add (local.get $x3) (local.get $a3)))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br_if $block (i32.lt_u (local.get $p) (i32.const 4096))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $pass)))
    (i64.add (i64.add (i64.extend_i32_u (local.get $a0)) (i64.extend_i32_u (local.get $a1)))
             (i64.add (i64.extend_i32_u (local.get $a2)) (i64.extend_i32_u (local.get $a3))))))
