;; Integer loop: n steps of the xorshift64* generator, summing its outputs, so
;; the work is i64 shifts, xors, multiplies and adds on locals.
(module
  (func (export "run") (param $n i32) (result i64)
    (local $x i64)
    (local $sum i64)
    (local.set $x (i64.const 0x9E3779B97F4A7C15))
    (block $done
      (loop $step
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 12))))
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 25))))
        (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 27))))
        (local.set $sum
          (i64.add (local.get $sum)
                   (i64.mul (local.get $x) (i64.const 0x2545F4914F6CDD1D))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $step)))
    (local.get $sum)))
