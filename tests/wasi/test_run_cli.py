"""``wasmfuzz run``: a WASI program's arguments, environment, directories and
exit status, ``--invoke``, ``--fuel``/``--timeout``, and one-line errors for
modules that cannot run. Every case runs on wasmfuzz and, where the
behaviour is Wasmtime's, also with ``--engine wasmtime`` to show the two agree.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from wasi_wat import ARGS_ENV, CAT, MATH, exits, module
from wasmfuzz.runtime import Config, WasmtimeError

from wasmfuzz import cli

ENGINES = ["wasmfuzz", pytest.param("wasmtime", marks=pytest.mark.skipif(
    pytest.importorskip("wasmtime") is None, reason="wasmtime-py not installed"))]


def supported(switch: str) -> bool:
    try:
        setattr(Config(), switch, True)
    except WasmtimeError:
        return False
    return True


@pytest.fixture
def wat(tmp_path):
    def write(text: str, name: str = "prog.wat") -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)
    return write


def run(capfd, *args: str) -> tuple[int, str, str]:
    status = cli.main(["run", *args])
    out, err = capfd.readouterr()
    return status, out, err


@pytest.mark.parametrize("engine", ENGINES)
def test_arguments_and_environment_reach_the_guest(engine, wat, capfd, monkeypatch):
    monkeypatch.setenv("FROM_HOST", "inherited")
    path = wat(ARGS_ENV)
    status, out, _ = run(capfd, "--engine", engine, "--env", "A=1", "--env", "B=x=y", "--env", "FROM_HOST",
                         "--env", "NOT_SET_ANYWHERE", path, "one", "--two", "thr ee")
    assert status == 0
    assert out == f"{path}\0one\0--two\0thr ee\0A=1\0B=x=y\0FROM_HOST=inherited\0"


@pytest.mark.parametrize("engine", ENGINES)
def test_dir_maps_a_host_directory_to_a_guest_path(engine, wat, capfd, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "hello.txt").write_text("contents\n")
    path = wat(CAT)
    assert run(capfd, "--engine", engine, "--dir", f"{data}::/sandbox", path) == (0, "/sandbox\ncontents\n", "")
    assert run(capfd, "--engine", engine, "--dir", str(data), path) == (0, f"{data}\ncontents\n", "")
    status, out, _ = run(capfd, "--engine", engine, path)
    assert (status, out) == (9, "")  # no preopen at all


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("code", [0, 3, 125])
def test_the_guest_exit_code_is_the_exit_status(engine, code, wat, capfd):
    assert run(capfd, "--engine", engine, wat(exits(code))) == (code, "bye\n", "")


@pytest.mark.parametrize("engine", ["wasmfuzz", "wasmtime"])
def test_stdin_is_inherited(engine, wat):
    echo = wat(module("""
      (func (export "_start")
        (i32.store (i32.const 32) (i32.const 512))
        (i32.store (i32.const 36) (i32.const 64))
        (drop (call $fd_read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40)))
        (drop (call $write (i32.const 1) (i32.const 512) (i32.load (i32.const 40)))))
    """))
    done = subprocess.run([sys.executable, "-m", "wasmfuzz", "run", "--engine", engine, echo],
                          input="piped in", capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (0, "piped in", "")


def test_exit_status_of_the_process(wat):
    done = subprocess.run([sys.executable, "-m", "wasmfuzz", "run", wat(exits(42, "to stderr\\n", fd=2))],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (42, "", "to stderr\n")


@pytest.mark.parametrize("engine", ENGINES)
def test_invoke_converts_arguments_and_prints_results(engine, wat, capfd):
    path = wat(MATH)
    assert run(capfd, "--engine", engine, "--invoke", "add", path, "40", "-2") == (0, "38\n", "")
    assert run(capfd, "--engine", engine, "--invoke", "wide", path, "9007199254740993") == \
        (0, "9007199254740993\n-9007199254740993\n", "")
    assert run(capfd, "--engine", engine, "--invoke", "half", path, "0.2") == (0, "0.1\n", "")
    assert run(capfd, "--engine", engine, "--invoke", "third", path, "1") == (0, "0.3333333333333333\n", "")
    assert run(capfd, "--engine", engine, "--invoke", "nothing", path) == (0, "", "")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_trap_prints_the_error_and_exits_134(engine, wat, capfd):
    status, out, err = run(capfd, "--engine", engine, "--invoke", "boom", wat(MATH))
    assert (status, out) == (134, "")
    assert err.startswith("Error: ") and "unreachable" in err


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("args, message", [
    (["--invoke", "add", "{path}", "1"], "takes 2 arguments but 1 were given"),
    (["--invoke", "add", "{path}", "1", "x"], "'x' is not a valid i32"),
    (["--invoke", "missing", "{path}"], "no exported function named `missing`"),
    (["{bad}"], "failed to compile"),
    (["{unlinkable}"], "unknown import"),
    (["{missing}"], "cannot read"),
    (["--dir", "{missing}", "{path}"], "cannot open directory"),
])
def test_a_module_that_cannot_run_is_one_line_and_status_1(engine, args, message, wat, capfd, tmp_path):
    paths = {"path": wat(MATH), "bad": wat("(module (func", "bad.wat"), "missing": str(tmp_path / "nope"),
             "unlinkable": wat('(module (import "env" "f" (func)))', "unlinkable.wat")}
    status, out, err = run(capfd, "--engine", engine, *(a.format(**paths) for a in args))
    assert (status, out) == (1, "")
    assert err.count("\n") == 1 and message in err and err.startswith("wasmfuzz run: ")


def test_fuel_limits_the_guest_or_says_it_is_not_available(wat, capfd):
    status, _, err = run(capfd, "--fuel", "1000", "--invoke", "spin", wat(MATH))
    if supported("consume_fuel"):
        assert status == 134 and "fuel" in err
    else:
        assert status == 1 and "--fuel needs Config.consume_fuel" in err


def test_timeout_interrupts_the_guest_or_says_it_is_not_available(wat, capfd):
    status, _, err = run(capfd, "--timeout", "200ms", "--invoke", "spin", wat(MATH))
    if supported("epoch_interruption"):
        assert status == 134 and "interrupt" in err
    else:
        assert status == 1 and "--timeout needs Config.epoch_interruption" in err


@pytest.mark.skipif(pytest.importorskip("wasmtime") is None, reason="wasmtime-py not installed")
def test_fuel_and_timeout_on_wasmtime(wat, capfd):
    path = wat(MATH)
    status, _, err = run(capfd, "--engine", "wasmtime", "--fuel", "1000", "--invoke", "spin", path)
    assert status == 134 and "all fuel consumed" in err
    status, _, err = run(capfd, "--engine", "wasmtime", "--timeout", "0.2", "--invoke", "spin", path)
    assert status == 134 and "interrupt" in err
