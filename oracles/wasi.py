"""The WASI oracle: one WASI program on wasmfuzz and on Wasmtime, each in a
fresh scratch tree populated identically, and everything observable compared.

Compared, in this order: how the run ended (returned, exit code, trap code,
or an error such as wiggle's for a bad argument), fuel consumed when
metered, every byte of guest memory (each call's errno is stored there by
the program, and every result a call wrote), stdout and stderr, and the host
tree afterwards (names, types, file sizes and contents, symlink targets),
including the directory the sandbox sits in, so a write that escapes it is
seen. Allowed to differ, each for a reason given where it is masked:
inode numbers and times (``_mask``).

The tree (``populate``) is a preopen ``/sandbox`` (fd 3) holding files,
a directory, and symlinks of every kind, ``/ro`` (fd 4) the same tree's
``dir`` read-only, and a file ``outside`` beside the sandbox that no call
may reach.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import struct
import tempfile
from pathlib import Path

from .divergence import Divergence
from .execution import Engines, engine_api
from .spec import ExecutionSpec

PAIR = "wasmfuzz wasi vs wasmtime wasi"
STDIN = b"line one\nline two\n" * 20
RAM_DIR = "/dev/shm"
SMALL_FILE = 1 << 20  # files compared byte for byte; larger ones by size and digest
CHUNK = 1 << 20
_NONZERO = re.compile(rb"[^\x00]+")


def scratch_parent() -> str | None:
    """Where scratch trees go: the host's file system in memory when it has
    one (Linux's ``/dev/shm``), else the temporary directory. A tree made,
    read and removed on every run costs 1 ms there and 20-40 ms on this
    machine's disk, more than the programs themselves; both engines of a
    comparison see the same file system either way."""
    return RAM_DIR if os.path.isdir(RAM_DIR) and os.access(RAM_DIR, os.W_OK | os.X_OK) else None


def populate(parent: Path) -> Path:
    """The scratch tree under ``parent``; returns the sandbox directory."""
    root = parent / "sandbox"
    (root / "dir" / "sub").mkdir(parents=True)
    (root / "hello.txt").write_bytes(b"hello\n")
    (root / "big").write_bytes(bytes(range(256)) * 16)
    (root / "empty").write_bytes(b"")
    (root / "dir" / "inner.txt").write_bytes(b"inner\n")
    (root / "\u00e9t\u00e9").write_bytes(b"summer")
    for name, target in (("link", "hello.txt"), ("dirlink", "dir"), ("dangling", "nowhere"), ("loop", "loop"),
                         ("abs", "/etc/passwd"), ("escape", "../outside")):
        os.symlink(target, root / name)
    (parent / "outside").write_bytes(b"not yours\n")
    return root


def file_contents(path: Path) -> bytes | tuple:
    """A file's contents as compared: its bytes up to ``SMALL_FILE`` bytes, else
    its size and a digest of where its non-zero bytes are and what they are.
    A program may set a file's size to gigabytes (``fd_filestat_set_size``):
    read whole, that took 4 GB and 10 s an input, and libFuzzer stopped at
    out-of-memory. The file's holes (``SEEK_DATA``/``SEEK_HOLE``) are not read,
    and zeros count the same whether written or left as a hole, so the digest
    says what the file holds, not how the engine's writes laid it out."""
    size = path.stat().st_size
    if size <= SMALL_FILE:
        return path.read_bytes()
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for start, chunk in _data_chunks(f.fileno(), size):
            for run in _NONZERO.finditer(chunk):
                digest.update(struct.pack("<QQ", start + run.start(), run.end() - run.start()) + run.group())
    return ("large file", size, digest.hexdigest())


def _data_chunks(fd: int, size: int):
    """The parts of a file that may hold data, as (offset, bytes) in chunks cut
    at fixed offsets (multiples of ``CHUNK``), so a non-zero run is cut at the
    same places whatever the file's holes; everything if holes cannot be found."""
    pos = 0
    while pos < size:
        try:
            start = os.lseek(fd, pos, os.SEEK_DATA)
            end = os.lseek(fd, start, os.SEEK_HOLE)
        except OSError as e:
            if e.errno == errno.ENXIO:  # nothing but a hole past pos
                return
            start, end = pos, size  # no hole support: the rest, read plainly
        while start < end:
            cut = min(end, (start // CHUNK + 1) * CHUNK)
            yield start, os.pread(fd, cut - start, start)
            start = cut
        pos = max(end, pos + 1)


def snapshot(parent: Path) -> list[tuple]:
    """Every entry under ``parent``: path, type, and contents or link target
    (directory sizes and all times are the host's own, not compared)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(parent):
        for name in sorted(dirnames + filenames):
            p = Path(dirpath) / name
            rel = os.fsdecode(p.relative_to(parent))
            if p.is_symlink():
                out.append((rel, "symlink", os.readlink(p)))
            elif p.is_dir():
                out.append((rel, "dir", ""))
            elif p.is_file():
                out.append((rel, "file", file_contents(p)))
            else:
                out.append((rel, "other", ""))
    return sorted(out)


def run(spec: ExecutionSpec, wasm: bytes, engines: Engines | None = None) -> dict:
    """Run ``_start`` of ``wasm`` as ``spec`` says (its engine's WASI API, its
    configuration and fuel) in a fresh tree; everything observable, unmasked.
    ``engines``: Engines and Modules kept from earlier runs (a campaign's)."""
    api, fuel, engines = engine_api(spec.engine), spec.fuel, engines if engines is not None else Engines()
    with tempfile.TemporaryDirectory(prefix="wasmfuzz-wasi-", dir=scratch_parent()) as tmp:
        tmp = Path(tmp)
        (tmp / "scratch").mkdir()
        root = populate(tmp / "scratch")
        (tmp / "stdin").write_bytes(STDIN)
        engine = engines.engine(spec)
        store = api.Store(engine)
        wasi = api.WasiConfig()
        wasi.argv = ["prog", "arg one", "\u00e9"]
        wasi.env = [["K", "V"], ["EMPTY", ""]]
        wasi.stdin_file = str(tmp / "stdin")
        wasi.stdout_file = str(tmp / "stdout")
        wasi.stderr_file = str(tmp / "stderr")
        wasi.preopen_dir(str(root), "/sandbox")
        wasi.preopen_dir(str(root / "dir"), "/ro", False)
        store.set_wasi(wasi)
        if fuel is not None:
            store.set_fuel(fuel)
        linker = api.Linker(engine)
        linker.define_wasi()
        instance = linker.instantiate(store, engines.module(api, engine, wasm))
        exports = instance.exports(store)
        try:
            exports["_start"](store)
            ended = "returned"
        except api.ExitTrap as e:
            ended = f"exit {e.code}"
        except api.Trap as e:
            ended = f"trap {e.trap_code.name if e.trap_code is not None else None}"
        except api.WasmtimeError:
            ended = "error"  # wiggle's refusal of an argument (text is each engine's own)
        memory = exports["memory"]
        return {"ended": ended,
                "fuel": fuel - store.get_fuel() if fuel is not None and ended == "returned" else None,
                "memory": bytes(memory.read(store, 0, memory.data_len(store))),
                "stdout": (tmp / "stdout").read_bytes(), "stderr": (tmp / "stderr").read_bytes(),
                "tree": snapshot(tmp / "scratch")}


def _mask(memory: bytes, volatile: list) -> bytes:
    """``memory`` with the host-dependent bytes zeroed: a filestat's ``ino``
    (Wasmtime's hash of the host's device and inode: the two trees are
    different host files) and its three times (the trees were made, and
    changed, at different instants); a directory entry's ``d_ino`` likewise."""
    mem = bytearray(memory)

    def zero(start: int, end: int) -> None:
        if 0 <= start and end <= len(mem):
            mem[start:end] = bytes(end - start)

    for v in volatile:
        if v[0] == "stat":
            zero(v[1] + 8, v[1] + 16)
            zero(v[1] + 40, v[1] + 64)
        elif v[0] == "dirents":
            _, buf, length, used_at = v
            if used_at + 4 > len(mem) or buf + length > len(mem):
                continue
            used = min(struct.unpack_from("<I", mem, used_at)[0], length)
            at = 0
            while at + 8 < used:  # the last entry may be cut anywhere, its d_ino too
                zero(buf + at + 8, buf + min(at + 16, used))
                if at + 24 > used:
                    break
                at += 24 + struct.unpack_from("<I", mem, buf + at + 16)[0]
    return bytes(mem)


def check_wasi(wasm: bytes, spec: ExecutionSpec, volatile_json: bytes, engines: Engines | None = None) -> None:
    """Raise Divergence if the program differs on wasmfuzz (configured as
    ``spec`` says) and on Wasmtime (its defaults, and the same fuel)."""
    volatile = json.loads(volatile_json or b"[]")
    theirs = run(ExecutionSpec("wasmtime", fuel=spec.fuel), wasm, engines)
    ours = run(spec, wasm, engines)
    for aspect in ("ended", "fuel", "memory", "stdout", "stderr", "tree"):
        a, b = theirs[aspect], ours[aspect]
        if aspect == "memory":
            a, b = _mask(a, volatile), _mask(b, volatile)
        if a != b:
            expected, actual = _describe(aspect, a, b)
            raise Divergence(PAIR, f"wasmtime[fuel={spec.fuel}]", f"wasmfuzz[fuel={spec.fuel}]", "_start",
                             aspect, expected, actual,
                             kind=f"{theirs['ended']} vs {ours['ended']}" if aspect == "ended" else "")


def _describe(aspect: str, a, b) -> tuple[str, str]:
    """The two sides of a difference, short: memories and outputs from the
    first differing byte, trees by the entries only one side has."""
    if isinstance(a, bytes):
        at = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
        return (f"{len(a)} bytes, from {at:#x}: {a[at:at + 32].hex()}",
                f"{len(b)} bytes, from {at:#x}: {b[at:at + 32].hex()}")
    if aspect == "tree":
        return repr(sorted(set(a) - set(b))[:8]), repr(sorted(set(b) - set(a))[:8])
    return str(a), str(b)

