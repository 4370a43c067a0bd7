;; GC allocation: binary trees of structs, built and walked (after the
;; benchmarks game's binary-trees). For depths 4, 6, ..., n it builds
;; 2^(n - depth + 4) trees of that depth and counts their nodes;
;; run(n) = the total count. Nearly all the work is struct.new, struct.get,
;; ref.is_null and calls; every tree is garbage once counted.
(module
  (type $node (struct (field (ref null $node)) (field (ref null $node))))
  (func $make (param $d i32) (result (ref $node))
    (if (result (ref $node)) (i32.eqz (local.get $d))
      (then (struct.new $node (ref.null $node) (ref.null $node)))
      (else (struct.new $node (call $make (i32.sub (local.get $d) (i32.const 1)))
                              (call $make (i32.sub (local.get $d) (i32.const 1)))))))
  (func $count (param $t (ref $node)) (result i64)
    (local $left (ref null $node))
    (local.set $left (struct.get $node 0 (local.get $t)))
    (if (result i64) (ref.is_null (local.get $left))
      (then (i64.const 1))
      (else (i64.add (i64.const 1)
                     (i64.add (call $count (ref.as_non_null (local.get $left)))
                              (call $count (ref.as_non_null (struct.get $node 1 (local.get $t)))))))))
  (func (export "run") (param $n i32) (result i64)
    (local $sum i64) (local $depth i32) (local $i i32) (local $trees i32)
    (local.set $depth (i32.const 4))
    (block $done
      (loop $depths
        (br_if $done (i32.gt_u (local.get $depth) (local.get $n)))
        (local.set $trees (i32.shl (i32.const 1) (i32.add (i32.sub (local.get $n) (local.get $depth)) (i32.const 4))))
        (local.set $i (i32.const 0))
        (loop $build
          (local.set $sum (i64.add (local.get $sum) (call $count (call $make (local.get $depth)))))
          (br_if $build (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $trees))))
        (local.set $depth (i32.add (local.get $depth) (i32.const 2)))
        (br $depths)))
    (local.get $sum)))
