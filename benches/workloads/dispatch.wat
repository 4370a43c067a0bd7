;; call_indirect: a loop that calls one of eight small functions through a
;; funcref table, like an interpreter's dispatch or a C++ virtual call. The
;; index is the top 3 bits of a multiplicative hash of the loop counter, so all
;; eight are called in an irregular order.
(module
  (type $op (func (param i64) (result i64)))
  (table funcref (elem $add $xor $mul $rotl $sub $shr $or $neg))
  (func $add (type $op) (i64.add (local.get 0) (i64.const 0x9E3779B97F4A7C15)))
  (func $xor (type $op) (i64.xor (local.get 0) (i64.const 0x5DEECE66D)))
  (func $mul (type $op) (i64.mul (local.get 0) (i64.const 6364136223846793005)))
  (func $rotl (type $op) (i64.rotl (local.get 0) (i64.const 17)))
  (func $sub (type $op) (i64.sub (local.get 0) (i64.const 1442695040888963407)))
  (func $shr (type $op) (i64.xor (local.get 0) (i64.shr_u (local.get 0) (i64.const 31))))
  (func $or (type $op) (i64.add (i64.or (local.get 0) (i64.const 1)) (i64.const 11)))
  (func $neg (type $op) (i64.sub (i64.const 0) (local.get 0)))
  (func (export "run") (param $n i32) (result i64)
    (local $x i64)
    (local.set $x (i64.const 1))
    (block $done
      (loop $step
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $x
          (call_indirect (type $op)
            (local.get $x)
            (i32.shr_u (i32.mul (local.get $n) (i32.const 0x9E3779B9))
                       (i32.const 29))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $step)))
    (local.get $x)))
