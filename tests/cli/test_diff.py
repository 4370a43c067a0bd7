"""``wasmfuzz diff``: a WASI program on wasmfuzz and on Wasmtime, compared,
and the first cause of a difference located.

Differences are planted in wasmfuzz by monkeypatching, as
``tests/harness/planted_bugs.py`` does: a WASI function answering another
errno, an instruction computing a wrong value, an instruction charged twice,
and the instantiation fuel charge fixed in b0fcba7. Each must be reported
at the right place: the WASI call, the function and loop whose check point
is the first stop with a different state (offsets taken from the decoder of
the test's own module, not from our output), or instantiation. The same
programs unplanted must agree.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import wasmfuzz.runtime

from wasmfuzz import cli
from wasmfuzz.oracles import program as programs
from wasmfuzz.oracles import rewrite
from wasmfuzz.runtime.binary import opcodes
from wasmfuzz.runtime.binary.decode import decode_module
from wasmfuzz.runtime.binary.wat import wat2wasm
from wasmfuzz.runtime.compile import init_plan
from wasmfuzz.runtime.compile.python import meter
from wasmfuzz.runtime.vm.libcalls import LIBCALLS
from wasmfuzz.runtime.wasi import host as wasi_host

WASI_IMPORTS = """
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
"""

# Writes "hello\n" to stdout, creates out.txt in the first preopen (fd 3)
# holding "data", closes it, and exits with fd_close's errno.
FILES = f"""(module {WASI_IMPORTS}
  (memory (export "memory") 1)
  (data (i32.const 16) "hello\\n")
  (data (i32.const 32) "out.txt")
  (data (i32.const 48) "data")
  (func (export "_start") (local $fd i32)
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 32) (i32.const 7) (i32.const 1)
                           (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 12)))
    (local.set $fd (i32.load (i32.const 12)))
    (i32.store (i32.const 0) (i32.const 48)) (i32.store (i32.const 4) (i32.const 4))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (call $fd_close (local.get $fd)))))
"""

# $mix fills 64 words with (i * 7 + 3) rem_s 5 * i, in a loop; _start then
# writes them to stdout.
COMPUTE = f"""(module {WASI_IMPORTS}
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (func $mix (local $i i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (loop $next
      (i32.store offset=256 (i32.shl (local.get $i) (i32.const 2))
        (i32.mul (i32.rem_s (i32.add (i32.mul (local.get $i) (i32.const 7)) (i32.const 3)) (i32.const 5))
                 (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 64)))))
  (func (export "_start")
    (call $mix)
    (i32.store (i32.const 0) (i32.const 256)) (i32.store (i32.const 4) (i32.const 256))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
"""
WRONG_AT = 20 * 7 + 3  # the dividend of iteration 20

# Echoes up to 64 bytes of stdin (fd_read stores the count over the iovec length), then traps.
ECHO_THEN_TRAP = f"""(module {WASI_IMPORTS}
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 64))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 4)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    unreachable))
"""

# Issue 17's instantiation case: Wasmtime makes the segment a static image (no fuel).
SPARSE_DATA = f"""(module {WASI_IMPORTS}
  (memory (export "memory") 17)
  (data (i32.const 0x100000) "x")
  (data (i32.const 16) "hi\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 3))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
"""


@pytest.fixture
def module(tmp_path):
    def write(wat: str, name: str = "prog.wasm") -> tuple[str, bytes]:
        wasm = wat2wasm(wat)
        path = tmp_path / name
        path.write_bytes(wasm)
        return str(path), wasm
    return write


@pytest.fixture
def data_dir(tmp_path):
    root = tmp_path / "data"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"aaa")
    (root / "sub" / "c.txt").write_bytes(b"c")
    return str(root)


def diff(capsys, *args: str) -> tuple[int, str, str]:
    pytest.importorskip("wasmtime")
    status = cli.main(["diff", *args])
    out, err = capsys.readouterr()
    return status, out, err


def loop_offset(wasm: bytes, func_name: str) -> int:
    """The offset of the (only) loop in the named function, from the decoder."""
    info = decode_module(wasm)
    index = next(i for i, name in info.func_names.items() if name == func_name)
    body = info.code[index - info.num_imported_funcs]
    return next(off for ins, off in zip(body.code, body.offsets) if ins[0] == opcodes.LOOP)


# --- agreeing programs ---------------------------------------------------------------------------

def test_agreeing_program_exits_0(capsys, module, data_dir):
    path, _ = module(FILES)
    status, out, err = diff(capsys, "--dir", f"{data_dir}::/data", "--fuel", "100000", path, "arg")
    assert (status, err) == (0, "")
    assert out.startswith("same on both engines: exit 0, stdout 6 bytes")
    assert not (Path(data_dir) / "out.txt").exists()  # each engine wrote in its own copy


def test_stdin_is_given_to_both(capsys, module, tmp_path):
    path, _ = module(ECHO_THEN_TRAP)
    (tmp_path / "in").write_bytes(b"hello")
    status, out, _ = diff(capsys, "--stdin", str(tmp_path / "in"), path)
    assert status == 0
    assert out.startswith("same on both engines: trap UNREACHABLE, stdout 5 bytes")


def test_computing_program_agrees(capsys, module):
    path, _ = module(COMPUTE)
    assert diff(capsys, path)[0] == 0


def test_sparse_data_module_agrees_on_fuel(capsys, module):
    path, _ = module(SPARSE_DATA)
    status, out, _ = diff(capsys, "--fuel", "1000", path)
    assert status == 0, out


# --- planted differences -------------------------------------------------------------------------

def test_wasi_errno_reported_at_the_first_differing_call(capsys, module, data_dir, monkeypatch):
    right = wasi_host.FUNCTIONS["fd_close"]
    monkeypatch.setitem(wasi_host.FUNCTIONS, "fd_close",
                        wasi_host.HostFunction(right.type, lambda caller, fd: 8))  # EBADF, always
    path, _ = module(FILES)
    status, out, _ = diff(capsys, "--dir", f"{data_dir}::/data", path)
    assert status == 1
    assert "ended: wasmtime exit 0, wasmfuzz exit 8" in out
    assert "WASI call 4 differs (3 calls before it agreed)" in out
    assert "wasmtime: fd_close(4) -> 0" in out and "wasmfuzz: fd_close(4) -> 8" in out
    assert "the cause is in the host" in out


def test_wrong_instruction_result_located_by_fuel_bisection(capsys, module, monkeypatch):
    right = LIBCALLS["_i32_rem_s"]
    monkeypatch.setitem(LIBCALLS, "_i32_rem_s", lambda a, b: right(a, b) + (a == WRONG_AT))
    path, wasm = module(COMPUTE)
    status, out, _ = diff(capsys, path)
    assert status == 1
    assert "stdout: wasmtime 256 bytes, wasmfuzz 256 bytes, from byte 80" in out
    assert "all 1 WASI calls agree" in out
    loop = loop_offset(wasm, "mix")
    assert f"wasmtime stopped in function mix (index 4), offset {loop:#x}: loop" in out
    assert f"memory 0: 1 bytes differ, first at {256 + 4 * 20:#x}" in out


def test_extra_fuel_charge_located(capsys, module, monkeypatch):
    right = meter.Meter.charge

    def charge(self, o):
        right(self, o)
        if o == opcodes.NAMES["i32.mul"]:
            right(self, o)  # the bug: charged twice
    monkeypatch.setattr(meter.Meter, "charge", charge)
    path, wasm = module(COMPUTE)
    status, out, _ = diff(capsys, "--fuel", "100000", path)
    assert status == 1
    assert "fuel: wasmtime" in out
    assert "WASI call 1 differs (0 calls before it agreed)" in out
    assert "the Wasm code before it ran differently" in out
    assert f"wasmtime stopped in function mix (index 4), offset {loop_offset(wasm, 'mix'):#x}" in out


def test_instantiation_fuel_difference_reported_before_any_call(capsys, module, monkeypatch):
    right = init_plan._static_images

    def before_b0fcba7(info, dense_image_size):
        # the old rule: a segment ending past 1 MiB and past twice the data folded so far is not imaged
        if any(seg.mode == "active" and init_plan._const_offset(seg.offset) + len(seg.data) > max(1 << 20, 2)
               for seg in info.datas):
            return None
        return right(info, dense_image_size)
    monkeypatch.setattr(init_plan, "_static_images", before_b0fcba7)
    path, _ = module(SPARSE_DATA)
    status, out, _ = diff(capsys, "--fuel", "1000", path)
    assert status == 1
    assert "fuel: wasmtime" in out
    assert "fuel differs already at instantiation, before the first WASI call: wasmtime consumed 0" in out


# --- the C program -------------------------------------------------------------------------------

def c_program(name: str) -> bytes:
    sys.path.insert(0, str(Path(__file__).parents[1] / "wasi"))
    try:
        import wasi_support
    finally:
        sys.path.pop(0)
    problem = wasi_support.toolchain_problem()
    if problem:
        pytest.skip(problem)
    return wasi_support.build(name)


def test_c_program_agrees_and_planted_mkdir_errno_is_found(capsys, tmp_path, data_dir, monkeypatch):
    path = tmp_path / "dirs.wasm"
    path.write_bytes(c_program("dirs"))
    args = ("--dir", f"{data_dir}::/data", "--env", "K=V", str(path))
    status, out, _ = diff(capsys, *args)
    assert status == 0, out
    right = wasi_host.FUNCTIONS["path_create_directory"]
    monkeypatch.setitem(wasi_host.FUNCTIONS, "path_create_directory",
                        wasi_host.HostFunction(right.type, lambda caller, *args: 2))  # EACCES, always
    status, out, _ = diff(capsys, *args)
    assert status == 1
    theirs = next(line for line in out.splitlines() if "wasmtime: path_create_directory(3, " in line)
    ours = next(line for line in out.splitlines() if "wasmfuzz: path_create_directory(3, " in line)
    assert theirs.split(") -> ")[0] == ours.split(") -> ")[0].replace("wasmfuzz", "wasmtime")
    assert ") -> 0 after" in theirs and ") -> 2 after" in ours


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["missing", "malformed", "no _start", "bad fuel", "bad dir", "unknown import"])
def test_bad_input_exits_2_with_one_line(capsys, tmp_path, module, case):
    path, _ = module(FILES)
    args = {"missing": [str(tmp_path / "nope.wasm")],
            "no _start": [module('(module (func (export "main")))', "lib.wasm")[0]],
            "bad fuel": ["--fuel", "lots", path],
            "bad dir": ["--dir", str(tmp_path / "nowhere"), path],
            "unknown import": [module('(module (import "env" "f" (func)) (func (export "_start")))', "i.wasm")[0]],
            }.get(case)
    if case == "malformed":
        (tmp_path / "bad.wasm").write_bytes(b"\0asm\x01\0\0\0\x01\x05\x01\x60")
        args = [str(tmp_path / "bad.wasm")]
    status, out, err = diff(capsys, *args)
    assert status == 2
    assert out == "" and len(err.strip().splitlines()) == 1, err


# --- the observation: logging and rewriting change nothing the program does -----------------------

@pytest.mark.parametrize("engine", ["wasmtime", "wasmfuzz"])
@pytest.mark.parametrize("source", ["FILES", "ECHO_THEN_TRAP"])
def test_logged_run_does_what_a_plain_run_does(engine, source, module, data_dir):
    api = pytest.importorskip("wasmtime") if engine == "wasmtime" else wasmfuzz.runtime
    _, wasm = module(globals()[source])
    program = programs.Program(wasm, ["prog"], dirs=[(data_dir, "/data")], stdin=b"typed")
    plain = programs.run(api, program, fuel=10**6)
    logged = programs.run(api, program, fuel=10**6, instrumented=programs.Instrumented(wasm))
    aspects = ("ended", "stdout", "stderr", "files", "fuel", "instantiation_fuel")
    assert [getattr(logged, a) for a in aspects] == [getattr(plain, a) for a in aspects]
    calls = [(c.name, c.result) for c in logged.calls]
    if source == "FILES":  # proc_exit comes back out of the trampoline as the program's exit
        assert (plain.ended, plain.stdout) == ("exit 0", b"hello\n")
        assert calls == [("fd_write", "0"), ("path_open", "0"), ("fd_write", "0"), ("fd_close", "0"),
                         ("proc_exit", "exit 0")]
        assert [f for f in logged.files if f[0] == "0/out.txt"] == [("0/out.txt", "file", b"data")]
    else:  # the trap after the calls is the program's own, with its frame
        assert (plain.ended, plain.stdout) == ("trap UNREACHABLE", b"typed")
        assert calls == [("fd_read", "0"), ("fd_write", "0")]
        assert logged.stop.func_index == 5
    fuels = [c.fuel for c in logged.calls]
    assert fuels == sorted(fuels) and fuels[0] > 0


# --- the rewrites the observation rests on -------------------------------------------------------

def test_rewrites_keep_indices_and_shift_code_by_the_export_entries(module):
    _, wasm = module(COMPUTE)
    instrumented = programs.Instrumented(wasm)
    info = decode_module(instrumented.wasm)
    assert {imp.module for imp in info.imports} == {programs.LOG_MODULE}
    assert [(i.name, i.kind, i.desc) for i in info.imports] == \
        [(i.name, i.kind, i.desc) for i in decode_module(wasm).imports]
    added = {e.name for e in info.exports} - {e.name for e in decode_module(wasm).exports}
    assert added == {"__wasmfuzz_diff_memory_0", "__wasmfuzz_diff_global_0"}
    shifted = [off - instrumented.shift for off in info.code[0].offsets]
    assert shifted == decode_module(wasm).code[0].offsets
    assert rewrite.code_shift(wasm, wasm) == 0


def test_exports_section_added_in_its_place_when_missing(module):
    wasmtime = pytest.importorskip("wasmtime")
    _, wasm = module('(module (memory 1) (global (mut i32) (i32.const 7)) (func $s) (start $s)'
                     ' (data (i32.const 0) "a"))')
    rewritten = rewrite.append_exports(wasm, [("m", 2, 0), ("g", 3, 0)])
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    exports = wasmtime.Instance(store, wasmtime.Module(engine, rewritten), []).exports(store)
    assert exports["g"].value(store) == 7 and exports["m"].read(store, 0, 1) == b"a"
