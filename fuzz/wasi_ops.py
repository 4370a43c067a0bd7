"""WASI programs: sequences of preview1 calls with arguments at their edges.

Each call is one WAT call of a ``wasi_snapshot_preview1`` import, its errno
stored to memory (``RESULTS + 4 * k``), so the oracle compares every errno
and every byte a call wrote. Arguments come from the places where a WASI
layer goes wrong: paths with ``..``, through symlinks (relative, absolute,
dangling, looping, escaping), empty, 255 and 256 bytes long, not UTF-8,
with a NUL, with a trailing slash; descriptors that are stdio, the two
preopens (the writable one most often), what earlier opens returned (loaded
from where they wrote it, as a real program passes it on), closed or
renumbered ones, and nonsense; 64-bit offsets and lengths at 0, 2^63 and
2^64-1. A quarter of the programs are hostile: result pointers misaligned or
past the end of memory, iovec counts up to 2^32-1, flags and rights with
undefined bits. Wasmtime traps on those, ending the program, so the other
programs leave them out and run to their end.

The tree the calls run in is ``oracles.wasi.populate``'s; no call that
reads a clock or the host's randomness is drawn (their answers differ
between any two runs). Where a call writes something host-dependent into
memory (inode numbers and times of a filestat, inode numbers in directory
entries), the program says where (``WasiProgram.volatile``) and the oracle
leaves those bytes out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from wasmfuzz.runtime.wasi.host import FUNCTIONS

from .source import Source, boolean, choice

PAGE = 65536
MAX_CALLS = 24
# Each call writes its results in a slot of its own: a later call never
# overwrites part of an earlier one's, which would leave host-dependent bytes
# (an inode number) outside the places ``volatile`` lists.
STRINGS_AT, PATH_SLOT, IOVS_AT, OUT_AT, BUF_AT, RESULTS = 256, 300, 128, 12288, 28672, 60000
OUT_SLOT = 512  # bytes of memory each call's results may use
PATHS = ("hello.txt", "big", "empty", "dir", "dir/inner.txt", "dir/sub", "dir/../hello.txt", ".", "..", "",
         "/", "../outside", "dir/../../outside", "link", "dirlink", "dirlink/inner.txt", "dangling", "loop",
         "abs", "escape", "new", "new/", "dir/new", "hello.txt/", "dir/", "dirlink/", "\u00e9t\u00e9",
         "\udcff\udcfe", "a\0b", "a" * 255, "a" * 256, "../" * 20 + "tmp", "./././hello.txt", "dir//sub",
         "sub2", "link2", "dir/sub/deep")
PREOPENS = (3, 4)
FDS = (0, 1, 2, 3, 4, 5, 5, 6, 6, 7, 8, 99, 0xFFFFFFFF)
U64_EDGES = (0, 1, 5, 4096, 1 << 31, (1 << 63) - 1, 1 << 63, (1 << 64) - 1)
BAD_POINTERS = (PAGE - 1, PAGE - 4, PAGE, 0xFFFFFFFF, BUF_AT + 1)  # the last misaligned, outside the result slots
RIGHTS = (0x1FFFFFFF, 0, 2, 64, 0x3F, 0x1FFFFFFE, 0x10000000)
BAD_RIGHTS = (0x20000000, (1 << 64) - 1)  # undefined bits: Wasmtime traps
LENGTHS = (0, 1, 5, 100, 4096)
OPENABLE_FDFLAGS = (0, 1, 4, 5)  # none, append, nonblock, both
# What each call's parameters are, for drawing them (none reads a clock or randomness).
SIGNATURES = {
    "args_sizes_get": "out out", "args_get": "out out", "environ_sizes_get": "out out",
    "environ_get": "out out", "sched_yield": "",
    "fd_advise": "fd u64 u64 advice", "fd_allocate": "fd u64 u64", "fd_close": "fd", "fd_datasync": "fd",
    "fd_fdstat_get": "fd out", "fd_fdstat_set_flags": "fd fdflags", "fd_fdstat_set_rights": "fd rights rights",
    "fd_filestat_get": "fd stat", "fd_filestat_set_size": "fd u64", "fd_filestat_set_times": "fd u64 u64 fst",
    "fd_pread": "fd iovs u64 out", "fd_prestat_get": "fd out", "fd_prestat_dir_name": "fd buf",
    "fd_pwrite": "fd iovs u64 out", "fd_read": "fd iovs out", "fd_readdir": "fd dirents",
    "fd_renumber": "fd fd", "fd_seek": "fd u64 whence out", "fd_sync": "fd", "fd_tell": "fd out",
    "fd_write": "fd iovs out", "path_create_directory": "fd path", "path_filestat_get": "fd lookup path stat",
    "path_filestat_set_times": "fd lookup path u64 u64 fst", "path_link": "fd lookup path fd path",
    "path_open": "fd lookup path oflags rights rights fdflags out", "path_readlink": "fd path buf out",
    "path_remove_directory": "fd path", "path_rename": "fd path fd path", "path_symlink": "path fd path",
    "path_unlink_file": "fd path",
}
# Per call, the chance of a reopen instead: open a file, close it, open it
# again (descriptor tables go wrong in what they hand out after a close).
REOPEN_PERCENT = 10
REOPENED = ("hello.txt", "big", "empty", "dir", "dir/inner.txt", "link")
# Calls that open and create are drawn more often: they make the state the others act on.
WEIGHTED = (*SIGNATURES, "path_open", "path_open", "path_open", "fd_write", "fd_read", "path_symlink",
            "path_create_directory", "fd_close", "fd_renumber", "fd_seek")


@dataclass(frozen=True)
class WasiProgram:
    calls: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]  # name, WAT setup, WAT arguments
    volatile: tuple[tuple, ...]  # ("stat", ptr) | ("dirents", buf, buf_len, bufused_ptr)
    exit_code: int | None  # proc_exit at the end, or None

    def wat(self) -> str:
        used = sorted({name for name, _, _ in self.calls} | ({"proc_exit"} if self.exit_code is not None else set()))
        lines = ["(module"]
        for name in used:
            ty = FUNCTIONS[name].type
            results = f' (result {" ".join(map(str, ty.results))})' if ty.results else ""
            lines.append(f'  (import "wasi_snapshot_preview1" "{name}" '
                         f'(func ${name} (param {" ".join(map(str, ty.params))}){results}))')
        lines.append('  (memory (export "memory") 1)')
        for k, path in enumerate(PATHS):
            lines.append(f'  (data (i32.const {_path_at(k)}) "{_escape(path)}")')
        lines.append(f'  (data (i32.const {BUF_AT}) "{_escape("The quick brown fox jumps over the lazy dog. " * 8)}")')
        lines.append('  (func (export "_start")')
        for k, (name, setup, args) in enumerate(self.calls):
            lines += [f"    {s}" for s in setup]
            lines.append(f"    (i32.store (i32.const {RESULTS + 4 * k}) (call ${name} {' '.join(args)}))")
        if self.exit_code is not None:
            lines.append(f"    (call $proc_exit (i32.const {self.exit_code}))")
        lines.append("  ))")
        return "\n".join(lines)

    def volatile_json(self) -> bytes:
        return json.dumps(self.volatile).encode()


def _path_at(k: int) -> int:
    return STRINGS_AT + PATH_SLOT * k


def _escape(text: str) -> str:
    return "".join(f"\\{b:02x}" for b in text.encode("utf-8", "surrogateescape"))


def _i32(v: int) -> str:
    return f"(i32.const {v - (1 << 32) if v >= 1 << 31 else v})"


def _i64(v: int) -> str:
    return f"(i64.const {v - (1 << 64) if v >= 1 << 63 else v})"


def _reopen(path: int, first: int, second: int) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """path_open of an existing file (its fd at ``first``), fd_close of it, path_open again (fd at ``second``):
    three calls, the opens writing in their own slots."""
    def open_at(at: int) -> tuple[str, ...]:
        length = len(PATHS[path].encode())
        return (_i32(PREOPENS[0]), _i32(1), _i32(_path_at(path)), _i32(length), _i32(0), _i64(RIGHTS[0]),
                _i64(RIGHTS[0]), _i32(0), _i32(at))
    return [("path_open", (), open_at(first)), ("fd_close", (), (f"(i32.load (i32.const {first}))",)),
            ("path_open", (), open_at(second))]


def program(src: Source) -> WasiProgram:
    calls, volatile = [], []
    opened: list[int] = []  # where earlier path_open calls write their new descriptor
    # A bad pointer or an out-of-range flag ends the program (Wasmtime traps
    # on it), so only a quarter of the programs carry them; the rest run to
    # their end and reach the states that many calls build up.
    hostile = boolean(src, 25)

    def bad(percent: int) -> bool:
        return hostile and boolean(src, percent)

    count = src.int_in(1, MAX_CALLS)
    while len(calls) < count:
        out = OUT_AT + OUT_SLOT * len(calls)  # this call's results slot
        if len(calls) + 3 <= count and boolean(src, REOPEN_PERCENT):
            calls += _reopen(PATHS.index(choice(src, REOPENED)), out, out + 2 * OUT_SLOT)
            opened += [out, out + 2 * OUT_SLOT]
            continue
        name = choice(src, WEIGHTED)
        setup, args = [], []
        for kind in SIGNATURES[name].split():
            pointer = choice(src, BAD_POINTERS) if bad(5) else out
            if kind == "fd":
                pick = src.int_in(0, 9)
                if pick < 4 and opened:  # what an earlier open returned, as a real program passes it on
                    args.append(f"(i32.load (i32.const {choice(src, opened)}))")
                elif pick < 7:
                    args.append(_i32(PREOPENS[0]))  # the writable preopen: most calls need it to do anything
                else:
                    args.append(_i32(choice(src, FDS)))
            elif kind == "out":
                args.append(_i32(pointer))
                if name == "path_open" and pointer == out:
                    opened.append(out)
                out += 8
            elif kind == "stat":
                args.append(_i32(pointer))
                volatile.append(("stat", pointer))
            elif kind == "path":
                p = src.int_in(0, len(PATHS) - 1)
                length = len(PATHS[p].encode("utf-8", "surrogateescape"))
                length = choice(src, (0xFFFFFFFF, length + 1, 1 << 20)) if bad(4) else length
                args += [_i32(choice(src, BAD_POINTERS) if bad(3) else _path_at(p)), _i32(length)]
            elif kind == "u64":
                args.append(_i64(choice(src, U64_EDGES) if boolean(src, 60) else src.int_in(0, 10_000)))
            elif kind == "iovs":
                count = src.int_in(1, 3)
                for n in range(count):
                    at = IOVS_AT + 8 * n
                    setup.append(f"(i32.store (i32.const {at}) (i32.const {BUF_AT + 512 * n}))")
                    setup.append(f"(i32.store (i32.const {at + 4}) {_i32(choice(src, LENGTHS))})")
                iovs = choice(src, BAD_POINTERS) if bad(4) else IOVS_AT
                args += [_i32(iovs), _i32(choice(src, (0, 0x7FFFFFFF, 0xFFFFFFFF)) if bad(8) else count)]
            elif kind == "buf":
                args += [_i32(pointer), _i32(0xFFFFFFFF if bad(10) else choice(src, (0, 1, 4, 64, OUT_SLOT - 16)))]
            elif kind == "dirents":
                length = choice(src, (0, 23, 24, 100, 300, OUT_SLOT - 16))
                args += [_i32(pointer), _i32(length), _i64(src.int_in(0, 4) if boolean(src, 90) else (1 << 64) - 1),
                         _i32(out + OUT_SLOT - 8)]
                volatile.append(("dirents", pointer, length, out + OUT_SLOT - 8))
            elif kind == "lookup":
                args.append(_i32(2 if bad(10) else choice(src, (0, 1, 1))))
            elif kind == "oflags":
                args.append(_i32(0x10 if bad(5) else src.int_in(0, 15)))
            elif kind == "fdflags":  # mostly flags an open can have (the sync ones are ENOTSUP)
                flags = choice(src, OPENABLE_FDFLAGS) if boolean(src, 75) else src.int_in(0, 31)
                args.append(_i32(0x20 if bad(5) else flags))
            elif kind == "rights":
                args.append(_i64(choice(src, BAD_RIGHTS) if bad(10) else choice(src, RIGHTS)))
            elif kind == "fst":
                args.append(_i32(0x10 if bad(5) else src.int_in(0, 15)))
            elif kind == "whence":
                args.append(_i32(3 if bad(10) else src.int_in(0, 2)))
            elif kind == "advice":
                args.append(_i32(6 if bad(10) else src.int_in(0, 5)))
        calls.append((name, tuple(setup), tuple(args)))
    exit_code = src.int_in(0, 2) if boolean(src, 10) else None
    return WasiProgram(tuple(calls), tuple(volatile), exit_code)


assert OUT_AT + OUT_SLOT * MAX_CALLS <= BUF_AT and STRINGS_AT + PATH_SLOT * len(PATHS) <= OUT_AT
