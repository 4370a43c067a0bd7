"""WASI calls made directly from Wasm with edge-case arguments answer as on Wasmtime.

C programs cannot pass what libc never would: flag bits WASI does not
define, enum values out of range, pointers outside memory or misaligned,
paths that are not UTF-8. Each case here is one call from a small WAT
module to a preview1 function, run on wasmfuzz and on wasmtime-py in a
fresh copy of the same directory tree (preopened as fd 3, and read-only as
fd 4). The errno, the first bytes of memory (where results are written) and
whether the call failed with an error instead (a trap-like
``WasmtimeError``, as wiggle raises for bad pointers and bad arguments) must
match.
"""

from __future__ import annotations

import os
import stat
import struct

import pytest
import wasmfuzz.runtime
from wasmfuzz.runtime.wasi.host import FUNCTIONS
from wasmfuzz.runtime.wasi.inode import inode

wasmtime = pytest.importorskip("wasmtime")

# Strings in memory, by name: (offset, length). Results are written at 8 (and 512 for filestats).
STRINGS = {"f.txt": 100, "sub": 120, "link": 140, "new": 160, "sub/": 200, "f.txt/": 210, "new/": 220,
           "link/": 230, "sub2/": 240, "g": 250, "x": 260, "sub/.": 270, "sub/..": 280, "g/": 290,
           "../f.txt": 300, "/etc": 320, "\\ff\\fe": 340, "a\\00b": 350, "big": 360, "abs": 370,
           "old": 380, "sock": 390, "sub/a\\00b": 400, "a\\00b/x": 410, "../a\\00b": 420,
           "dirlink/": 430, "dangling/": 440, "loop/": 450, "dangling": 460}
NOT_UTF8, WITH_NUL = "\\ff\\fe", "a\\00b"  # as WAT string literals
NUL_IN_LAST, NUL_IN_DIR, NUL_ABOVE = "sub/a\\00b", "a\\00b/x", "../a\\00b"
HEADER = "\n".join(
    f'(import "wasi_snapshot_preview1" "{name}" (func ${name} (param {" ".join(map(str, f.type.params))})'
    + (f' (result {" ".join(map(str, f.type.results))})' if f.type.results else "") + "))"
    for name, f in FUNCTIONS.items())
DATA = " ".join(f'(data (i32.const {offset}) "{text}")' for text, offset in STRINGS.items())


def s(text: str) -> str:
    """The (pointer, length) arguments for one of STRINGS."""
    length = len(text.encode().decode("unicode_escape").encode("latin-1"))
    return f"(i32.const {STRINGS[text]}) (i32.const {length})"


def i(*values) -> str:
    return " ".join(f"(i32.const {v})" for v in values)


def j(*values) -> str:
    return " ".join(f"(i64.const {v})" for v in values)


def iov(buf: int, length: int, at: int = 0) -> str:
    """Store one iovec at ``at``."""
    return f"(i32.store (i32.const {at}) (i32.const {buf})) (i32.store (i32.const {at + 4}) (i32.const {length}))"


def open_(path: str, oflags=0, rights=2, fdflags=0, dirflags=1, fd=3) -> str:
    return f"(call $path_open {i(fd, dirflags)} {s(path)} {i(oflags)} {j(rights, 0)} {i(fdflags, 8)})"


CASES = [
    # arguments Wasmtime's bindings reject before the call: flags, enums, integer ranges
    f"(call $fd_fdstat_set_flags {i(1, 0x20)})",
    f"(call $fd_fdstat_set_flags {i(1, 0x10000)})",
    f"(call $fd_fdstat_set_flags {i(1, -1)})",
    f"(call $fd_fdstat_set_flags {i(99, 0x20)})",
    f"(call $fd_seek {i(3)} {j(0)} {i(3, 8)})",
    f"(call $fd_seek {i(99)} {j(0)} {i(256, 8)})",
    f"(call $fd_advise {i(3)} {j(0, 0)} {i(6)})",
    f"(call $fd_advise {i(3)} {j(-1, 0)} {i(0)})",
    f"(call $clock_time_get {i(4)} {j(0)} {i(8)})",
    f"(call $clock_res_get {i(-1, 8)})",
    f"(call $proc_raise {i(40)})",
    f"(call $proc_raise {i(2)})",
    f"(call $sock_shutdown {i(1, 4)})",
    f"(call $sock_recv {i(1, 0, 0, 4, 8, 12)})",
    f"(call $sock_send {i(1, 0, 0, 1, 8)})",
    f"(call $sock_accept {i(1, 0x20, 8)})",
    open_("f.txt", dirflags=2),
    open_("f.txt", oflags=16),
    open_("f.txt", rights=1 << 31),
    open_("f.txt", rights=-1),
    open_("f.txt", fdflags=32),
    f"(call $path_filestat_get {i(3, 2)} {s('f.txt')} {i(512)})",
    f"(call $fd_filestat_set_times {i(3)} {j(0, 0)} {i(16)})",
    f"(call $fd_filestat_set_times {i(3)} {j(0, 0)} {i(3)})",
    f"(call $fd_fdstat_set_rights {i(3)} {j(-1, 0)})",
    # pointers and lengths: out of bounds or misaligned fail the call
    f"(call $fd_write {i(1, 65530, 1, 8)})",
    f"{iov(65000, 1000)} (call $fd_write {i(1, 0, 1, 8)})",
    f"(call $fd_write {i(1, 2, 1, 8)})",
    f"(call $fd_write {i(1, 0, 0, -8)})",
    f"(call $fd_write {i(1, -8, 1, 8)})",
    f"(call $fd_write {i(9, 0, 1, 8)})",
    f"{iov(65000, 1000)} (call $fd_read {i(0, 0, 1, 8)})",
    f"{iov(0, 0)} {iov(64, 4, 8)} (call $fd_write {i(1, 0, 2, 16)})",
    f"(call $args_sizes_get {i(-4, 0)})",
    f"(call $args_sizes_get {i(1, 8)})",
    f"(call $environ_get {i(65535, 0)})",
    f"(call $clock_time_get {i(1)} {j(0)} {i(12)})",
    f"(call $clock_res_get {i(0, 65534)})",
    f"(call $random_get {i(65530, 10)})",
    f"(call $random_get {i(65530, 0)})",
    f"(call $fd_prestat_get {i(3, 2)})",
    f"(call $fd_prestat_get {i(3, 8)})",
    f"(call $fd_prestat_dir_name {i(3, 65534, 10)})",
    f"(call $fd_prestat_dir_name {i(3, 8, 1)})",
    f"(call $fd_fdstat_get {i(1, 4)})",
    f"(call $path_filestat_get {i(3, 0)} {s('f.txt')} {i(65500)})",
    f"(call $path_filestat_get {i(3, 0)} {s('f.txt')} {i(513)})",
    f"(call $path_filestat_get {i(3, 0, 65535, 10, 512)})",
    f"(call $path_filestat_get {i(7, 0)} {s('f.txt')} {i(512)})",
    f"(call $path_filestat_get {i(0, 0)} {s('f.txt')} {i(512)})",
    f"(call $fd_readdir {i(3, 65520, 100)} {j(0)} {i(8)})",  # (an entry that fits would show an inode)
    f"(call $poll_oneoff {i(65530, 256, 1, 8)})",
    f"(call $poll_oneoff {i(4, 256, 1, 8)})",
    f"(call $poll_oneoff {i(0, 256, 0, 8)})",
    "(i32.store8 (i32.const 8) (i32.const 7)) (call $poll_oneoff (i32.const 0) (i32.const 256) (i32.const 1) "
    "(i32.const 8))",
    "(i32.store (i32.const 16) (i32.const 9)) (call $poll_oneoff (i32.const 0) (i32.const 256) (i32.const 1) "
    "(i32.const 8))",
    # names: not UTF-8, with NUL, escaping, absolute
    open_(NOT_UTF8),
    open_(WITH_NUL),
    open_("../f.txt"),
    open_("/etc"),
    open_("link", dirflags=0),
    open_("link"),
    f"(call $path_filestat_get {i(3, 0)} {s(WITH_NUL)} {i(512)})",
    # descriptors: kinds and numbers
    f"(call $fd_close {i(-1)})",
    f"(call $fd_close {i(3)})",
    f"(call $fd_fdstat_set_rights {i(1)} {j(0, 0)})",
    f"(call $fd_fdstat_set_rights {i(3)} {j(0, 0)})",
    f"(call $fd_fdstat_set_rights {i(9)} {j(0, 0)})",
    f"(call $fd_renumber {i(1, 9)})",
    f"(call $fd_renumber {i(9, 1)})",
    f"(call $fd_renumber {i(2, 1)})",
    f"(call $fd_renumber {i(1, 1)})",
    f"(call $fd_renumber {i(4, 3)})",
    f"(call $fd_pread {i(0, 0, 0)} {j(0)} {i(8)})",
    f"(call $fd_pwrite {i(1, 0, 0)} {j(0)} {i(8)})",
    f"(call $fd_pread {i(3, 0, 0)} {j(-1)} {i(8)})",
    f"(call $fd_tell {i(3, 8)})",
    f"(call $fd_tell {i(2, 8)})",
    f"(call $fd_allocate {i(1)} {j(0, 1)})",
    f"(call $fd_advise {i(3)} {j(0, 0)} {i(0)})",
    f"(call $fd_sync {i(3)})",
    f"(call $fd_filestat_set_size {i(3)} {j(0)})",
    f"(call $fd_readdir {i(1, 0, 10)} {j(0)} {i(8)})",
    f"(call $fd_readdir {i(3, 100, 0)} {j(0)} {i(8)})",
    f"(call $fd_readdir {i(3, 100, 10)} {j(-1)} {i(8)})",
    f"(call $fd_fdstat_get {i(3, 16)})",
    f"(call $fd_fdstat_get {i(4, 16)})",
    f"(call $fd_fdstat_get {i(0, 16)})",
    f"(call $fd_prestat_dir_name {i(3, 16, 2)})",
    f"(call $fd_prestat_dir_name {i(1, 16, 2)})",
    f"(call $fd_prestat_dir_name {i(9, 16, 2)})",
    open_("f.txt", fdflags=2),
    open_("f.txt", fdflags=8),
    open_("f.txt", fdflags=16),
    open_("new", oflags=1, fdflags=16, fd=4),
    open_("f.txt", fd=1),
    open_("f.txt", oflags=3),
    open_("new", oflags=1, fd=4),
    open_("f.txt", rights=64, fd=4),
    open_("sub", rights=64),
    f"(call $proc_exit {i(125)}) (i32.const 0)",
    f"(call $proc_exit {i(126)}) (i32.const 0)",
    f"(call $proc_exit {i(-1)}) (i32.const 0)",
    "(call $sched_yield)",
]

# Reads through streams (stdin, fd_pread) stop at 64 KiB; a file read fills the
# buffer. These run with 5 pages of memory (the others with 1, for bounds).
BIG = 200_000
BIG_READS = [f"{iov(1024, BIG)} (call $fd_read {i(0, 0, 1, 8)})",
             "(drop " + open_("big") + ") " + f"{iov(1024, BIG)} (call $fd_pread {i(5, 0, 1)} {j(0)} {i(8)})",
             "(drop " + open_("big") + ") " + f"{iov(1024, BIG)} (call $fd_read {i(5, 0, 1, 8)})"]

# Offsets and sizes beyond what the host's off_t holds (EINVAL), on f.txt opened read-write as fd 5.
OPENED = "(drop " + open_("f.txt", rights=66) + ") " + iov(512, 10, at=16)
SEEK_FAR = f"(drop (call $fd_seek {i(5)} {j(0x7fffffffffffffff)} {i(0, 24)}))"
for op in [f"(call $fd_pread {i(5, 16, 1)} {j(-1)} {i(24)})",
           f"(call $fd_pread {i(5, 16, 1)} {j(0x7fffffffffffffff)} {i(24)})",
           f"(call $fd_pwrite {i(5, 16, 1)} {j(-1)} {i(24)})",
           f"(call $fd_filestat_set_size {i(5)} {j(-1)})",
           f"(call $fd_advise {i(5)} {j(-1, -1)} {i(0)})",
           f"{SEEK_FAR} (call $fd_read {i(5, 16, 1, 24)})",
           f"{SEEK_FAR} (call $fd_seek {i(5)} {j(10)} {i(1, 24)})",
           f"(call $fd_seek {i(5)} {j(-0x8000000000000000)} {i(1, 24)})",
           f"(call $fd_filestat_set_times {i(5)} {j(-1, -1)} {i(5)})",
           f"(call $path_filestat_set_times {i(3, 0)} {s('f.txt')} {j(-1, -1)} {i(5)})"]:
    CASES.append(OPENED + op)


def subscription(at: int, userdata: int, tag: int, clock=0, timeout=0, flags=0, fd=0) -> str:
    """Store one poll_oneoff subscription at ``at``."""
    body = f"(i64.store (i32.const {at}) (i64.const {userdata})) (i32.store8 (i32.const {at + 8}) (i32.const {tag}))"
    if tag == 0:
        return body + (f" (i32.store (i32.const {at + 16}) (i32.const {clock}))"
                       f" (i64.store (i32.const {at + 24}) (i64.const {timeout}))"
                       f" (i32.store16 (i32.const {at + 40}) (i32.const {flags}))")
    return body + f" (i32.store (i32.const {at + 16}) (i32.const {fd}))"


def poll(count: int) -> str:
    return f"(call $poll_oneoff {i(1024, 2048, count, 8)})"


for subs in [[dict(clock=0)], [dict(clock=0, timeout=1000)], [dict(clock=1)], [dict(clock=2, timeout=1000)],
             [dict(clock=1, timeout=1000, flags=1)], [dict(clock=0, timeout=1000, flags=1)],
             [dict(clock=1, flags=2)], [dict(clock=0), dict(clock=1, timeout=10**9)]]:
    CASES.append(" ".join(subscription(1024 + 48 * k, k + 1, 0, **sub) for k, sub in enumerate(subs))
                 + poll(len(subs)))
CASES += [subscription(1024, 7, 1, fd=0) + poll(1), subscription(1024, 7, 2, fd=1) + poll(1),
          subscription(1024, 7, 1, fd=1) + poll(1), subscription(1024, 7, 2, fd=3) + poll(1)]

# Trailing slashes: what each path call does with "name/".
for path in ["new/", "sub/", "f.txt/", "sub/.", "sub/.."]:
    CASES.append(f"(call $path_create_directory {i(3)} {s(path)})")
for path in ["sub/", "f.txt/", "new/", "link/", "sub/.", "sub/.."]:
    CASES.append(f"(call $path_remove_directory {i(3)} {s(path)})")
for path in ["f.txt/", "link/", "sub/", "new/", "sub/."]:
    CASES.append(f"(call $path_unlink_file {i(3)} {s(path)})")
for src, dst in [("sub/", "sub2/"), ("sub/", "g"), ("sub", "sub2/"), ("f.txt/", "g"), ("f.txt", "g/"),
                 ("link/", "g"), ("sub/.", "g"), ("sub", "sub/..")]:
    CASES.append(f"(call $path_rename {i(3)} {s(src)} {i(3)} {s(dst)})")
for dst in ["new/", "sub/", "f.txt/"]:
    CASES.append(f"(call $path_symlink {s('x')} {i(3)} {s(dst)})")
for src in ["f.txt/", "link/", "link"]:
    CASES.append(f"(call $path_link {i(3, 0)} {s(src)} {i(3)} {s('g')})")
for path in ["link/", "link", "f.txt/", "sub/"]:
    CASES.append(f"(call $path_readlink {i(3)} {s(path)} {i(300, 50, 8)})")
for path in ["link/", "sub/", "f.txt/", "sub/.", "sub/.."]:
    CASES.append(f"(call $path_filestat_get {i(3, 1)} {s(path)} {i(512)})")
for path, oflags in [("new/", 1), ("new/", 3), ("sub/", 0), ("link/", 0), ("f.txt/", 0), ("sub/.", 1)]:
    CASES.append(open_(path, oflags=oflags, dirflags=0))


# Copying out of guest memory: Wasmtime allows 128 MiB a call (paths, iovec
# arrays and the buffer chosen, poll subscriptions at 64 bytes each) and
# answers ENOMEM past it, before reading; path_unlink_file is not counted.
for n in [0xFFFFFF, 0x1000000, 0x7FFFFFFF, -1]:
    CASES += [f"{iov(64, 4)} (call $fd_write {i(1, 0, n, 8)})", f"{iov(64, 4)} (call $fd_write {i(9, 0, n, 8)})",
              f"{iov(64, 4)} (call $fd_read {i(0, 0, n, 8)})", f"(call $fd_write {i(1, 65528, n, 8)})",
              OPENED + f"(call $fd_pread {i(5, 16, n)} {j(0)} {i(24)})"]
for n in [0x8000000, 0x8000001, -1]:
    CASES += [f"(call $path_filestat_get {i(3, 0, 100, n, 512)})", f"(call $path_filestat_get {i(9, 0, 100, n, 512)})",
              f"(call $path_open {i(9, 0, 100, n, 0)} {j(2, 0)} {i(0, 8)})",
              f"(call $path_symlink {s('x')} {i(3, 100, n)})", f"(call $path_unlink_file {i(3, 100, n)})"]
CASES += [f"(call $poll_oneoff {i(0, 256, n, 8)})" for n in (0x200000, 0x200001, 0x7FFFFFFF, -1)]

# Seeking past 2**64-1, from the current position or the end: EINVAL.
SEEK_MAX = f"(drop (call $fd_seek {i(5)} {j(0x7fffffffffffffff)} {i(0, 24)}))"
CASES += [OPENED + SEEK_MAX + f"(drop (call $fd_seek {i(5)} {j(0x7fffffffffffffff)} {i(1, 24)}))"
          + f"(call $fd_seek {i(5)} {j(n)} {i(1, 24)})" for n in (1, 2, -0x8000000000000000)]
CASES += [OPENED + f"(call $fd_seek {i(5)} {j(0x7fffffffffffffff - k)} {i(2, 24)})" for k in (0, 5, 6)]

# What the host must not show or do: an absolute symlink's target (EPERM), a
# hard link through a symlink (always EINVAL in Wasmtime, after permissions).
CASES += [f"(call $path_readlink {i(3)} {s('abs')} {i(300, 50, 8)})",
          *(f"(call $path_link {i(fd, 1)} {s(src)} {i(fd)} {s('g')})"
            for fd in (3, 4) for src in ("f.txt", "link", "x", "abs"))]

def long_dir(length: int) -> str:
    """Store "sub" + "/" * (length - 4) + "." at 4000."""
    return f"(i32.store (i32.const 4000) (i32.const 0x2f627573)) " \
           f"(memory.fill (i32.const 4003) (i32.const 47) (i32.const {length - 4})) " \
           f"(i32.store8 (i32.const {3999 + length}) (i32.const 46))"


# A path handed to the kernel whole (open, stat) of 4096 bytes or more: ENAMETOOLONG.
for length in (4095, 4096, 5000):
    CASES += [f"{long_dir(length)} (call $path_filestat_get {i(3, 0, 4000, length, 512)})",
              f"{long_dir(length)} (call $path_open {i(3, 0, 4000, length, 0)} {j(2, 0)} {i(0, 8)})"]
# A symlink opened as a directory without following: ELOOP, as cap-std finds
# the link before the kernel checks O_DIRECTORY (found by the wasi target).
CASES += [open_("link", oflags=2, dirflags=0), open_("link", oflags=0, dirflags=0)]
# A socket file is a file of unknown type (0); opening it fails with EIO.
CASES += [open_("sock"), f"(call $fd_readdir {i(3, 4096, 4096)} {j(0)} {i(8)})"]

# A NUL byte is EINVAL only when its component reaches a system call (found by
# the wasi target): the last component's after every path of the call is
# walked, so an escaping destination or parent is EPERM first; a directory
# walked through fails at once; a path opened or stat'ed whole, before its length.
CASES += [f"(call $path_rename {i(3)} {s(src)} {i(3)} {s('../f.txt')})" for src in (WITH_NUL, NUL_IN_LAST, NUL_IN_DIR)]
CASES += [f"(call $path_link {i(3, 0)} {s(WITH_NUL)} {i(3)} {s('../f.txt')})",
          f"(call $path_symlink {s(WITH_NUL)} {i(3)} {s('../f.txt')})",
          f"(call $path_symlink {s(WITH_NUL)} {i(3)} {s('f.txt')})",
          f"(call $path_create_directory {i(3)} {s(NUL_ABOVE)})",
          f"(call $path_unlink_file {i(3)} {s(NUL_IN_DIR)})",
          long_dir(5000) + " (i32.store8 (i32.const 4001) (i32.const 0)) "
          + f"(call $path_filestat_get {i(3, 0, 4000, 5000, 512)})"]

# A trailing slash on a symlink, where cap-std does not follow it as a lookup
# would (found by the wasi target): a rename's paths go to the kernel with
# their slash (ENOTDIR, where "dirlink/" moved "sub"), mkdir drops it
# (EEXIST, where "dangling/" made "nowhere"), a creating
# open is EISDIR, a link opens "name/" as a directory first (ENOTDIR).
CASES += [f"(call $path_rename {i(3)} {s(src)} {i(3)} {s(dst)})"
          for src, dst in (("dirlink/", "new"), ("dangling/", "new"), ("sub/", "dangling/"), ("sub/", "dirlink/"),
                           ("f.txt", "new/"), ("loop/", "new"))]
CASES += [f"(call $path_create_directory {i(3)} {s(path)})" for path in ("dangling/", "loop/", "dirlink/")]
CASES += [open_(path, oflags=1) for path in ("loop/", "dangling/", "dirlink/")]
CASES += [f"(call $path_link {i(3, 0)} {s(src)} {i(3)} {s(dst)})"
          for src, dst in (("sub/", "link/"), ("f.txt/", "loop/"), ("dangling/", "loop/"), ("dirlink/", "new"))]

# What an opened file allows (found by the wasi target): reading unless only
# writing was asked for, writing when fd_write was asked for or the open
# creates or truncates; fd_fdstat_get reports the same.
for oflags, rights in ((0, 1), (0, 0x4000), (8, 2), (1, 0), (0, 0x1FFFFFFD), (0, 0x400000)):
    opened = f"(drop {open_('f.txt', oflags=oflags, rights=rights)}) {iov(512, 3, at=40)} "
    CASES += [opened + f"(call $fd_fdstat_get {i(5, 16)})", opened + f"(call $fd_read {i(5, 40, 1, 24)})",
              opened + f"(call $fd_write {i(5, 40, 1, 24)})"]

# Found by the wasi target: an exclusive create never follows a symlink
# (EEXIST, where "dangling" created its target); DIRECTORY with CREAT or TRUNC
# is EINVAL before the read-only check; setting no time without following
# does not look the name up (utimensat); fd_advise's offset is the kernel's
# off_t, only a length past 2**63-1 is EINVAL.
CASES += [open_(path, oflags=5, rights=64) for path in ("dangling", "abs", "link")]
CASES += [open_("new", oflags=oflags, fd=4) for oflags in (3, 10)]
CASES += [f"(call $path_filestat_set_times {i(3, follow)} {s(path)} {j(0, 0)} {i(fst)})"
          for follow in (0, 1) for fst in (0, 2) for path in ("x", "new/", "sub/", "f.txt/")]
# ...but a name with a trailing slash is opened as a directory first, before a
# symlink's target with a NUL reaches its system call too.
CASES += [f"(call $path_symlink {s(WITH_NUL)} {i(3)} {s(path)})" for path in ("new/", "sub/", "f.txt/")]
CASES += [OPENED + f"(call $fd_advise {i(5)} {j(offset, length)} {i(0)})"
          for offset, length in ((-1, 0), (-0x8000000000000000, 1), (0, -1))]

# Wasmtime writes a struct field by field: its padding keeps the guest's old
# bytes, and each field is checked on its own (bounds, alignment to its size),
# the fields before a failing one staying written (found by the wasi target).
FILL = "(memory.fill (i32.const 8) (i32.const 0xff) (i32.const 56)) "
CASES += [FILL + f"(call $fd_fdstat_get {i(3, 8)})", FILL + f"(call $fd_prestat_get {i(3, 8)})",
          FILL + f"(call $fd_filestat_get {i(1, 8)})",
          FILL + subscription(1024, 7, 0, clock=1) + f"(call $poll_oneoff {i(1024, 16, 1, 8)})"]
CASES += [FILL + f"(call $fd_fdstat_get {i(3, at)})" for at in (9, 10, 12)]
CASES += [FILL + f"(call $fd_prestat_get {i(3, at)})" for at in (9, 10)]
CASES += ["(memory.fill (i32.const 65472) (i32.const 0xff) (i32.const 64)) " + call
          for call in (f"(call $fd_fdstat_get {i(3, 65528)})", f"(call $fd_prestat_get {i(3, 65535)})",
                       f"(call $fd_filestat_get {i(1, 65528)})")]


def fixture(root) -> None:
    (root / "f.txt").write_text("hello")
    (root / "big").write_bytes(bytes(range(256)) * 1000)
    (root / "sub").mkdir()
    os.symlink("f.txt", root / "link")
    os.symlink("/etc/passwd", root / "abs")
    (root / "old").write_text("1969")
    os.utime(root / "old", ns=(-1, -86_400 * 10**9))  # both before 1970
    os.mknod(root / "sock", 0o600 | stat.S_IFSOCK)
    for name, target in (("dirlink", "sub"), ("dangling", "nowhere"), ("loop", "loop")):
        os.symlink(target, root / name)


def call(api, body: str, root, pages: int = 1) -> tuple:
    wat = f'(module {HEADER} (memory (export "memory") {pages}) {DATA} (func (export "go") (result i32) {body}))'
    engine = api.Engine()
    store = api.Store(engine)
    wasi = api.WasiConfig()
    wasi.stdin_file = str(root / "big")
    wasi.preopen_dir(str(root), "/dir")
    wasi.preopen_dir(str(root), "/ro", False)
    store.set_wasi(wasi)
    linker = api.Linker(engine)
    linker.define_wasi()
    exports = linker.instantiate(store, api.Module(engine, wat)).exports(store)
    try:
        ended = exports["go"](store)
    except api.ExitTrap as e:
        return "exit", e.code
    except api.WasmtimeError:
        ended = "error"  # what the call wrote before it failed stays, and is compared too
    memory = exports["memory"]
    end = memory.data_len(store)
    return (ended, bytes(memory.read(store, 0, 64)), _events(bytes(memory.read(store, 2048, 2048 + 4 * 32))),
            bytes(memory.read(store, end - 64, end)))


def _events(data: bytes) -> list[tuple]:
    """poll_oneoff's events at 2048: (userdata, error, type, nbytes, flags) each."""
    return [struct.unpack_from("<QHBxxxxxQH", data, 32 * k) for k in range(4)]


@pytest.mark.parametrize("body", CASES)
def test_call_answers_as_on_wasmtime(body, tmp_path):
    assert_same(body, tmp_path, pages=1)


@pytest.mark.parametrize("body", BIG_READS)
def test_large_read_answers_as_on_wasmtime(body, tmp_path):
    assert_same(body, tmp_path, pages=5)


def assert_same(body: str, tmp_path, pages: int) -> None:
    outcomes = []
    for api in (wasmfuzz.runtime, wasmtime):
        root = tmp_path / api.__name__
        root.mkdir()
        fixture(root)
        outcomes.append(call(api, body, root, pages))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("path", ["f.txt", "old", "sock", "link", "sub", "abs"])
def test_filestat_answers_as_on_wasmtime(path, tmp_path):
    """A stat's fields as Wasmtime gives them: ``ino`` Wasmtime's hash of the
    host's device and inode (never the host's own number), times before 1970
    as 0, a socket file as type 0 (unknown). Each engine stats its own copy
    of the tree, so ``ino`` and the times of files made now are checked
    against that copy."""
    seen = []
    for api in (wasmfuzz.runtime, wasmtime):
        root = tmp_path / api.__name__
        root.mkdir()
        fixture(root)
        errno, memory, *_ = call(api, f"(call $path_filestat_get {i(3, 0)} {s(path)} {i(8)})", root)
        dev, ino, kind, nlink, size, atim, mtim = struct.unpack_from("<QQBxxxxxxxQQQQ", memory, 8)
        host = os.lstat(root / path)
        assert ino == inode(host) != host.st_ino
        if path != "old":
            atim, mtim = atim == host.st_atime_ns, mtim == host.st_mtime_ns
        seen.append((errno, dev, kind, nlink, size, atim, mtim))
    assert seen[0] == seen[1]


@pytest.mark.parametrize("api", [wasmfuzz.runtime, wasmtime], ids=["wasmfuzz", "wasmtime"])
def test_readdir_inodes_are_wasmtimes_hashes(api, tmp_path):
    """``d_ino`` of every entry is the hash ``filestat`` gives (``.`` and
    ``..`` both the directory's own), on both engines alike."""
    fixture(tmp_path)
    engine = api.Engine()
    store = api.Store(engine)
    wasi = api.WasiConfig()
    wasi.preopen_dir(str(tmp_path), "/dir")
    store.set_wasi(wasi)
    linker = api.Linker(engine)
    linker.define_wasi()
    wat = f'''(module {HEADER} (memory (export "memory") 1)
        (func (export "go") (result i32) (call $fd_readdir {i(3, 4096, 4096)} {j(0)} {i(8)})))'''
    exports = linker.instantiate(store, api.Module(engine, wat)).exports(store)
    assert exports["go"](store) == 0
    memory = exports["memory"]
    used = struct.unpack("<I", bytes(memory.read(store, 8, 12)))[0]
    data = bytes(memory.read(store, 4096, 4096 + used))
    inodes, at = {}, 0
    while at < len(data):
        _next, ino, namlen = struct.unpack_from("<QQI", data, at)
        inodes[data[at + 24:at + 24 + namlen].decode()] = ino
        at += 24 + namlen
    assert inodes["."] == inodes[".."] == inode(os.stat(tmp_path))
    assert {name: inodes[name] for name in ("f.txt", "sock", "abs", "sub", "old")} == \
        {name: inode(os.lstat(tmp_path / name)) for name in ("f.txt", "sock", "abs", "sub", "old")}


def test_a_call_without_memory_export_fails():
    wat = f'(module {HEADER} (func (export "go") (result i32) (call $sched_yield)))'
    for api in (wasmfuzz.runtime, wasmtime):
        store = api.Store()
        store.set_wasi(api.WasiConfig())
        linker = api.Linker(store.engine)
        linker.define_wasi()
        exports = linker.instantiate(store, api.Module(store.engine, wat)).exports(store)
        with pytest.raises(api.WasmtimeError):
            exports["go"](store)


def test_a_store_without_wasi_context_fails_cleanly():
    # (Wasmtime aborts the process here; wasmfuzz raises.)
    wat = f'(module {HEADER} (memory (export "memory") 1) (func (export "go") (result i32) (call $sched_yield)))'
    store = wasmfuzz.runtime.Store()
    linker = wasmfuzz.runtime.Linker(store.engine)
    linker.define_wasi()
    exports = linker.instantiate(store, wasmfuzz.runtime.Module(store.engine, wat)).exports(store)
    with pytest.raises(wasmfuzz.runtime.WasmtimeError, match="set_wasi"):
        exports["go"](store)


@pytest.mark.parametrize("function", ["args_get", "environ_get"])
@pytest.mark.parametrize("buffer", range(65529, 65537))
def test_strings_past_the_end_of_memory_keep_the_pieces_that_fit(function, buffer):
    """args_get and environ_get with their buffer near the end of memory: each
    argument, and each variable's name, "=" and value, is copied whole or fails
    the call, and what was copied before stays (found by the wasi target)."""
    wat = f'(module {HEADER} (memory (export "memory") 1) ' \
          f'(func (export "go") (result i32) (call ${function} {i(0, buffer)})))'
    outcomes = []
    for api in (wasmfuzz.runtime, wasmtime):
        store = api.Store()
        wasi = api.WasiConfig()
        wasi.argv = ["abc", "de"]
        wasi.env = [["KEY", "VAL"], ["E", ""]]
        store.set_wasi(wasi)
        linker = api.Linker(store.engine)
        linker.define_wasi()
        exports = linker.instantiate(store, api.Module(store.engine, wat)).exports(store)
        try:
            ended = exports["go"](store)
        except api.WasmtimeError:
            ended = "error"
        memory = exports["memory"]
        outcomes.append((ended, bytes(memory.read(store, 0, 8)), bytes(memory.read(store, 65520, 65536))))
    assert outcomes[0] == outcomes[1]
