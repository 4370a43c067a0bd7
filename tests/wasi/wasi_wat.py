"""Small WASI programs in WAT, for tests that must not depend on a C toolchain.

``ARGS_ENV`` writes its argument buffer, then its environment buffer, to
stdout, NUL-separated as WASI hands them over. ``CAT`` writes the name of
preopen fd 3, a newline, then the contents of ``hello.txt`` found there.
``exits(code, message)`` writes a message and exits with ``code``. ``MATH``
has plain functions for ``--invoke``, one that traps and one that never ends.
"""

from __future__ import annotations

IMPORTS = """
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name"
    (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "hello.txt")
  (data (i32.const 80) "\\n")
  ;; write(fd, ptr, len) through one iovec at address 0
  (func $write (param $fd i32) (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
"""


def module(body: str) -> str:
    return f"(module {IMPORTS} {body})"


ARGS_ENV = module("""
  (func (export "_start")
    (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
    (drop (call $args_get (i32.const 1024) (i32.const 4096)))
    (drop (call $write (i32.const 1) (i32.const 4096) (i32.load (i32.const 20))))
    (drop (call $environ_sizes_get (i32.const 16) (i32.const 20)))
    (drop (call $environ_get (i32.const 2048) (i32.const 8192)))
    (drop (call $write (i32.const 1) (i32.const 8192) (i32.load (i32.const 20)))))
""")

CAT = module("""
  (func (export "_start")
    (local $fd i32)
    (if (call $fd_prestat_get (i32.const 3) (i32.const 16)) (then (call $proc_exit (i32.const 9))))
    (drop (call $fd_prestat_dir_name (i32.const 3) (i32.const 256) (i32.load (i32.const 20))))
    (drop (call $write (i32.const 1) (i32.const 256) (i32.load (i32.const 20))))
    (drop (call $write (i32.const 1) (i32.const 80) (i32.const 1)))
    (if (call $path_open (i32.const 3) (i32.const 1) (i32.const 64) (i32.const 9) (i32.const 0)
                         (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 24))
      (then (call $proc_exit (i32.const 8))))
    (i32.store (i32.const 32) (i32.const 512))
    (i32.store (i32.const 36) (i32.const 1024))
    (drop (call $fd_read (i32.load (i32.const 24)) (i32.const 32) (i32.const 1) (i32.const 40)))
    (drop (call $write (i32.const 1) (i32.const 512) (i32.load (i32.const 40)))))
""")


def exits(code: int, message: str = "bye\\n", fd: int = 1) -> str:
    """Writes ``message`` to ``fd``, then exits with ``code``."""
    return module(f"""
  (data (i32.const 300) "{message}")
  (func (export "_start")
    (drop (call $write (i32.const {fd}) (i32.const 300) (i32.const {len(message.replace(chr(92) + 'n', chr(10)))})))
    (call $proc_exit (i32.const {code})))
""")


MATH = """(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "wide") (param i64) (result i64 i64) (local.get 0) (i64.mul (local.get 0) (i64.const -1)))
  (func (export "half") (param f32) (result f32) (f32.div (local.get 0) (f32.const 2)))
  (func (export "third") (param f64) (result f64) (f64.div (local.get 0) (f64.const 3)))
  (func (export "nothing"))
  (func (export "boom") unreachable)
  (func (export "spin") (loop (br 0))))
"""
