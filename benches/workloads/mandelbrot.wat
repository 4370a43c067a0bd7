;; f64 arithmetic: the Mandelbrot set on an n-by-n grid over [-2, 0.5] x
;; [-1.25, 1.25], at most 50 iterations a point. Returns the sum over all points
;; of the iteration count plus |z|^2 where the iteration stopped, so the answer
;; depends on every rounding.
(module
  (func (export "run") (param $n i32) (result f64)
    (local $row i32)
    (local $col i32)
    (local $iter i32)
    (local $cr f64)
    (local $ci f64)
    (local $zr f64)
    (local $zi f64)
    (local $zr2 f64)
    (local $zi2 f64)
    (local $step f64)
    (local $sum f64)
    (local.set $step (f64.div (f64.const 2.5) (f64.convert_i32_u (local.get $n))))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $row) (local.get $n)))
        (local.set $ci
          (f64.sub (f64.mul (f64.convert_i32_u (local.get $row)) (local.get $step))
                   (f64.const 1.25)))
        (local.set $col (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $col) (local.get $n)))
            (local.set $cr
              (f64.sub (f64.mul (f64.convert_i32_u (local.get $col)) (local.get $step))
                       (f64.const 2.0)))
            (local.set $zr (f64.const 0))
            (local.set $zi (f64.const 0))
            (local.set $zr2 (f64.const 0))
            (local.set $zi2 (f64.const 0))
            (local.set $iter (i32.const 0))
            (block $escaped
              (loop $iterate
                (br_if $escaped (i32.ge_u (local.get $iter) (i32.const 50)))
                (br_if $escaped (f64.gt (f64.add (local.get $zr2) (local.get $zi2))
                                        (f64.const 4.0)))
                (local.set $zi
                  (f64.add (f64.mul (f64.mul (f64.const 2.0) (local.get $zr)) (local.get $zi))
                           (local.get $ci)))
                (local.set $zr
                  (f64.add (f64.sub (local.get $zr2) (local.get $zi2)) (local.get $cr)))
                (local.set $zr2 (f64.mul (local.get $zr) (local.get $zr)))
                (local.set $zi2 (f64.mul (local.get $zi) (local.get $zi)))
                (local.set $iter (i32.add (local.get $iter) (i32.const 1)))
                (br $iterate)))
            (local.set $sum
              (f64.add (local.get $sum)
                       (f64.add (f64.convert_i32_u (local.get $iter))
                                (f64.add (local.get $zr2) (local.get $zi2)))))
            (local.set $col (i32.add (local.get $col) (i32.const 1)))
            (br $cols)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows)))
    (local.get $sum)))
