;; Memory loads and stores: the sieve of Eratosthenes over n bytes of linear
;; memory (one byte per number), returning how many primes are below n.
;; Every run rewrites the bytes it reads, so runs are independent.
(module
  (memory 32)  ;; 2 MiB: n up to 2097152
  (func (export "run") (param $n i32) (result i64)
    (local $i i32)
    (local $j i32)
    (local $count i64)
    ;; mark 2..n-1 as candidates
    (local.set $i (i32.const 2))
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (local.get $i) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $fill)))
    ;; strike out the multiples of each prime p from p*p on
    (local.set $i (i32.const 2))
    (block $sieved
      (loop $next_prime
        (br_if $sieved (i32.ge_u (i32.mul (local.get $i) (local.get $i)) (local.get $n)))
        (if (i32.load8_u (local.get $i))
          (then
            (local.set $j (i32.mul (local.get $i) (local.get $i)))
            (block $struck
              (loop $strike
                (br_if $struck (i32.ge_u (local.get $j) (local.get $n)))
                (i32.store8 (local.get $j) (i32.const 0))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $strike)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next_prime)))
    ;; count what is left
    (local.set $i (i32.const 2))
    (block $counted
      (loop $count_one
        (br_if $counted (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $count
          (i64.add (local.get $count) (i64.load8_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $count_one)))
    (local.get $count)))
