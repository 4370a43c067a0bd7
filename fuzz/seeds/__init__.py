"""Seed modules with real programs' shapes, built from the C sources beside this file.

wasm-smith's modules are random at every level; a module that clang and
wasm-ld made from C has the shapes real programs have and smith rarely
draws: a ``__stack_pointer`` global over a shadow stack with the data above
it (``--stack-first``), data segments (pointers among them) and zeroed bss,
a function table reached through ``call_indirect``, ``switch`` statements
compiled to ``br_table``, recursion, loops over memory, 64-bit arithmetic
and division, sign extension, floats, and ``memcpy``/``memset`` as
``memory.copy``/``memory.fill`` (bulk memory). The ``mutate`` target feeds
them to ``wasm-tools mutate``.

The programs export compute functions that take and return numbers, clamp
their own loop counts and index only their own arrays, so the oracles'
call plan (every export, with edge-value arguments) runs each one quickly
and without WASI: they are linked with ``-nostdlib`` and import nothing.
The clamps are for speed, not shape: running the calls was most of the
mutate target's time, so physics steps 8 particles (was 16), sort holds
32 records (was 48) and the CRC covers at most 256 bytes (was 512): a
replayed mutate campaign ran 96 -> 109 inputs a second.

Each source is built at three optimisation levels (-O0 keeps every local in
the stack frame, -O2 and -Os keep them in Wasm locals and inline differently)
and two stack sizes (``STACK_SIZES``): -O2 with the 1 MiB stack Rust links
with, so its data sit past 1 MiB in a 17-page memory (the layout that showed
issue 17's fuel difference), the others with the linker's default 64 KiB, as
C toolchains link, in a 2- or 3-page memory. The oracles compare every
memory after every call: in the mutate target, memcmp of 1.1 MiB memories
was a sixth of the time, and most of it went on untouched stack pages. All
built with Debian's clang and wasm-ld (``apt-get install clang lld``), once, into a
cache keyed by a hash of the source and the flags (``$WASMFUZZ_SEED_CACHE``,
default ``build/seeds`` in a source checkout, else ``~/.cache/wasmfuzz/seeds``).
No module is committed: without the toolchain ``build_all`` raises
``ToolchainMissing`` and the caller falls back to other seeds.
"""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = tuple(sorted(HERE.glob("*.c")))
OPT_LEVELS = ("-O0", "-O2", "-Os")
CFLAGS = ("--target=wasm32-wasi", "-Wall", "-Werror", "-nostdlib",
          "-mbulk-memory", "-msign-ext", "-mnontrapping-fptoint", "-mmutable-globals")
LDFLAGS = ("-Wl,--no-entry", "-Wl,--stack-first", "-Wl,--export-table")
STACK_SIZES = {"-O2": 1 << 20}  # the others: wasm-ld's default (64 KiB)
TOOLCHAIN_HINT = "apt-get install clang lld"
BUILD_TIMEOUT = 60  # seconds per module: clang on a page of C takes well under one


class ToolchainMissing(Exception):
    """The C seeds cannot be built here (the message says why and what to install)."""


def cache_dir() -> Path:
    override = os.environ.get("WASMFUZZ_SEED_CACHE")
    if override:
        return Path(override)
    checkout = HERE.parents[1]
    if (checkout / "pyproject.toml").exists():
        return checkout / "build" / "seeds"
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "wasmfuzz" / "seeds"


def build(source: Path, opt: str) -> bytes:
    """The module clang builds from ``source`` at ``opt``, from the cache when it is there."""
    stack = STACK_SIZES.get(opt)
    flags = [*CFLAGS, opt, *LDFLAGS, *([f"-Wl,-z,stack-size={stack}"] if stack else [])]
    digest = hashlib.sha256(b"\0".join([source.read_bytes(), " ".join(flags).encode()])).hexdigest()[:16]
    out = cache_dir() / f"{source.stem}{opt}-{digest}.wasm"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_suffix(f".{os.getpid()}.tmp")  # concurrent fuzzers: each renames a whole file
        try:
            done = subprocess.run(["clang", *flags, "-o", str(partial), str(source)],
                                  capture_output=True, text=True, timeout=BUILD_TIMEOUT)
        except FileNotFoundError:
            raise ToolchainMissing(f"clang is not installed ({TOOLCHAIN_HINT})") from None
        except subprocess.TimeoutExpired:
            raise ToolchainMissing(f"clang took over {BUILD_TIMEOUT}s on {source.name}") from None
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise ToolchainMissing(f"clang {opt} could not build {source.name} ({TOOLCHAIN_HINT}): {last}")
        partial.replace(out)
    return out.read_bytes()


@functools.cache
def build_all() -> tuple[tuple[str, bytes], ...]:
    """Every seed as ``(name, module)``, e.g. ``("sort-O2", b"\\0asm...")``, built once per
    process (and once per cache); ToolchainMissing when clang cannot build them."""
    return tuple((f"{source.stem}{opt}", build(source, opt)) for source in SOURCES for opt in OPT_LEVELS)
