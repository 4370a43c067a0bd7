"""Running one WASI program on wasmfuzz and on Wasmtime and comparing what each did.

Used by the WASI tests: C programs from ``tests/wasi/programs`` are built here with
Debian's clang, lld and wasi-libc (cached under ``build/wasi-tests`` by a
hash of their sources), and a ``Scenario`` (arguments, environment, stdin,
the files in the preopened directories) runs on both runtimes through
``wasmfuzz.cli.run.execute``, each in its own copy of the files. The
``Outcome``\\ s are equal when the exit status, stdout, stderr and the final
file trees are.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import wasmfuzz.runtime

from wasmfuzz.cli.run import Preopen, RunOptions, execute

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "programs"
BUILD = HERE.parents[1] / "build" / "wasi-tests"
CFLAGS = ["--target=wasm32-wasi", "-O2", "-Wall", "-Werror", "-Wno-unused-result"]
TOOLCHAIN_HINT = "apt-get install clang lld wasi-libc libclang-rt-dev-wasm32"


def toolchain_problem() -> str | None:
    """Why C cannot be built for wasm32-wasi here, or None if it can."""
    if shutil.which("clang") is None or shutil.which("wasm-ld") is None:
        return f"clang and wasm-ld not installed ({TOOLCHAIN_HINT})"
    probe = subprocess.run(["clang", *CFLAGS, "-x", "c", "-", "-o", os.devnull],
                           input=b"#include <stdio.h>\nint main(void){puts(\"\");}\n",
                           capture_output=True)
    if probe.returncode != 0:
        return f"clang cannot build for wasm32-wasi ({TOOLCHAIN_HINT}): " \
               f"{probe.stderr.decode(errors='replace').strip().splitlines()[-1:]}"
    return None


def build(name: str, flags: tuple[str, ...] = ()) -> bytes:
    """The wasm32-wasi module built from ``tests/wasi/programs/<name>.c``, with
    ``flags`` after the usual ones (``-O3 -msimd128`` for SIMD)."""
    source = SOURCES / f"{name}.c"
    cflags = [*CFLAGS, *flags]
    digest = hashlib.sha256(b"\0".join([source.read_bytes(), (SOURCES / "check.h").read_bytes(),
                                        " ".join(cflags).encode()])).hexdigest()[:16]
    out = BUILD / f"{name}-{digest}.wasm"
    if not out.exists():
        BUILD.mkdir(parents=True, exist_ok=True)
        partial = out.with_suffix(f".{os.getpid()}.tmp")
        done = subprocess.run(["clang", *cflags, "-o", str(partial), str(source)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail(f"building {source.name} failed:\n{done.stderr}")
        partial.replace(out)
    return out.read_bytes()


@dataclass
class Scenario:
    """One run of a program: what it is given."""

    args: list[str] = field(default_factory=list)
    env: list[tuple[str, str]] = field(default_factory=list)
    stdin: bytes = b""
    files: dict[str, bytes | str] = field(default_factory=dict)     # in /data: bytes, or "->target" links
    ro_files: dict[str, bytes] = field(default_factory=dict)        # in /ro, read-only
    fuel: int | None = None


@dataclass
class Outcome:
    exit_code: int
    trapped: bool
    stdout: bytes
    stderr: bytes
    tree: dict[str, object]  # the final /data: path -> bytes, ("link", target) or "dir"
    fuel_consumed: int | None = None


def run_program(api, wasm: bytes, scenario: Scenario, workdir: Path, argv0: str = "prog.wasm") -> Outcome:
    """Run on ``api`` (``wasmtime`` or ``wasmfuzz.runtime``) in ``workdir``."""
    data, ro = workdir / "data", workdir / "ro"
    _materialize(data, scenario.files)
    _materialize(ro, scenario.ro_files)
    (workdir / "stdin").write_bytes(scenario.stdin)
    options = RunOptions(argv=[argv0, *scenario.args], env=scenario.env,
                         dirs=[Preopen(str(data), "/data"), Preopen(str(ro), "/ro", mutable=False)],
                         fuel=scenario.fuel, stdin=str(workdir / "stdin"),
                         stdout=str(workdir / "stdout"), stderr=str(workdir / "stderr"))
    result = execute(api, wasm, options)
    return Outcome(result.exit_code, result.trap is not None, (workdir / "stdout").read_bytes(),
                   (workdir / "stderr").read_bytes(), snapshot(data), result.fuel_consumed)


def run_both(wasm: bytes, scenario: Scenario, tmp_path: Path) -> tuple[Outcome, Outcome]:
    """(wasmfuzz's outcome, Wasmtime's outcome)."""
    wasmtime = pytest.importorskip("wasmtime")
    return (run_program(wasmfuzz.runtime, wasm, scenario, tmp_path / "wasmfuzz"),
            run_program(wasmtime, wasm, scenario, tmp_path / "wasmtime"))


def _materialize(root: Path, files: dict) -> None:
    root.mkdir(parents=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str) and content.startswith("->"):
            path.symlink_to(content[2:])
        elif content is None:
            path.mkdir()
        else:
            path.write_bytes(content)


def snapshot(root: Path) -> dict[str, object]:
    tree: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                tree[key] = ("link", os.readlink(path))
            elif path.is_dir():
                tree[key] = "dir"
            else:
                tree[key] = path.read_bytes()
    return tree
