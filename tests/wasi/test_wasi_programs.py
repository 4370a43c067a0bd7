"""C programs built for wasm32-wasi behave the same on wasmfuzz as on Wasmtime.

Each program in ``tests/wasi/programs`` exercises one area of WASI preview1 and
prints what every call returned; between them they call every preview1
function. A test runs one program in one scenario on both runtimes and
requires the same exit status, stdout, stderr and files left in the
preopened directory (see ``wasi_support``). The programs are built at test
time with Debian's clang, lld and wasi-libc; without them the tests skip,
saying what to install.
"""

from __future__ import annotations

import pytest
from wasi_support import SOURCES, Scenario, build, run_both, toolchain_problem

_problem = toolchain_problem()
pytestmark = pytest.mark.skipif(_problem is not None, reason=f"no wasm32-wasi C toolchain: {_problem}")

SANDBOX_FILES = {"file.txt": b"f", "sub/x": b"", "out": "->../..", "abs": "->/etc", "loop": "->loop",
                 "inner": "->sub/../file.txt", "escape": "->sub/../../x"}

CASES = {
    "args_env": Scenario(args=["plain", "spaced out", "h\u00e9llo \u2603", "7"],
                         env=[("GREETING", "hi there"), ("EMPTY", ""), ("EQ", "a=b")]),
    "args_env-no-args": Scenario(),
    "stdio": Scenario(stdin=b"first line\nsecond\n" * 40 + b"no newline"),
    "stdio-empty": Scenario(),
    "files": Scenario(files={"input.txt": b"0123456789abcdef\n"}, ro_files={"ro.txt": b"read only\n"}),
    "dirs": Scenario(files={"a.txt": b"aaa", "b.txt": b"bb", "sub/c.txt": b"c", "link": "->a.txt"}),
    "sandbox": Scenario(files=SANDBOX_FILES),
    "clocks_poll": Scenario(files={"file.txt": b"12345"}),
    "failures-exit": Scenario(args=["exit", "125"]),
    "failures-exit-zero": Scenario(args=["exit", "0"]),
    "failures-abort": Scenario(args=["abort"]),
    "failures-oob": Scenario(args=["oob"]),
    "failures-deep-recursion": Scenario(args=["recurse", "2000"]),
    "failures-unbounded-recursion": Scenario(args=["recurse", "100000000"]),
    "failures-bad-pointer": Scenario(args=["badptr"]),
    "failures-exit-out-of-range": Scenario(args=["exit200"]),
    "failures-return": Scenario(),
}


@pytest.mark.parametrize("case", CASES)
def test_program_behaves_as_on_wasmtime(case, tmp_path):
    program = case.split("-")[0]
    ours, theirs = run_both(build(program), CASES[case], tmp_path)
    assert ours.stdout.decode(errors="replace").splitlines() == \
        theirs.stdout.decode(errors="replace").splitlines()
    assert ours.stderr == theirs.stderr
    assert (ours.exit_code, ours.trapped) == (theirs.exit_code, theirs.trapped)
    assert ours.tree == theirs.tree


def test_simd_program_behaves_as_on_wasmtime_with_equal_fuel(tmp_path):
    """``simd.c``: wasm_simd128.h intrinsics over every lane shape and loops
    clang vectorises at -O3 -msimd128: the same output, and the same fuel."""
    wasm = build("simd", ("-O3", "-msimd128"))
    assert wasm.count(b"\xfd") > 100  # it really is vector code
    ours, theirs = run_both(wasm, Scenario(fuel=10**9), tmp_path)
    assert ours.stdout.decode().splitlines() == theirs.stdout.decode().splitlines()
    assert "f32x4.div" in ours.stdout.decode() and ours.exit_code == 0 and not ours.trapped
    assert ours.fuel_consumed == theirs.fuel_consumed > 0


def test_every_preview1_function_is_called_by_some_program():
    from wasmfuzz.runtime.wasi.host import FUNCTIONS
    sources = "".join(path.read_text() for path in SOURCES.glob("*.c"))
    libc_calls = {  # functions the programs reach through libc rather than by name
        "args_get": "argv[", "environ_get": "environ", "fd_close": "close(", "fd_prestat_get": "open(",
        "proc_exit": "exit(", "fd_write": "printf", "fd_read": "read(", "fd_seek": "lseek(",
        "fd_filestat_set_size": "ftruncate(", "path_readlink": "readlink("}
    missing = [name for name in FUNCTIONS
               if f"__wasi_{name}(" not in sources and f"raw_{name}(" not in sources
               and libc_calls.get(name, "\0") not in sources]
    assert not missing


@pytest.mark.parametrize("mode, status", [(["exit", "7"], 7), (["abort"], 134), (["badptr"], 1), ([], 3)])
def test_exit_statuses(mode, status, tmp_path):
    ours, _ = run_both(build("failures"), Scenario(args=mode), tmp_path)
    assert ours.exit_code == status
    assert ours.stdout.startswith(b"mode ")  # output written before the end arrives


def test_sandbox_leaves_the_host_alone(tmp_path):
    ours, _ = run_both(build("sandbox"), Scenario(files=SANDBOX_FILES), tmp_path)
    out = ours.stdout.decode(errors="replace")
    assert "path ../file.txt              follow=0: open errno 63" in out
    assert "path abs/passwd               follow=1: open errno 63" in out
    assert 'open("/data/out/etc/passwd", O_RDONLY)   = -1 errno=63' in out
    assert sorted(p.name for p in (tmp_path / "wasmfuzz").iterdir()) == \
        ["data", "ro", "stderr", "stdin", "stdout"]
