"""The ``wasmfuzz`` command: subcommand dispatch, and ``wasmfuzz wast``'s
output format and exit statuses (run on real Wasmtime, so these tests do not
depend on the state of wasmfuzz's own runtime)."""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from wasmfuzz import cli

ROOT = Path(__file__).parents[2]

PASSING = '(module (func (export "f") (result i32) i32.const 1))\n' \
          '(assert_return (invoke "f") (i32.const 1))\n'
FAILING = '(module (func (export "f") (result i32) i32.const 1))\n' \
          '(assert_return (invoke "f") (i32.const 2))\n' \
          '(assert_trap (invoke "f") "unreachable")\n'
TAIL_CALL = '(module (func $f (return_call $f)))\n'
SUMMARY = re.compile(r"^\d+ passed, \d+ failed(, \d+ skipped)?$")


@pytest.fixture
def script(tmp_path):
    def write(text: str, name: str = "script.wast") -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)
    return write


def wast(*args: str) -> int:
    pytest.importorskip("wasmtime")
    return cli.main(["wast", "--engine", "wasmtime", *args])


def test_passing_script_exits_zero_with_file_and_total_lines(script, capsys):
    path = script(PASSING)
    assert wast(path) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{path}: 2 passed, 0 failed, 0 skipped", "2 passed, 0 failed, 0 skipped"]
    assert SUMMARY.match(lines[-1])


def test_failures_are_listed_with_line_and_reason_and_exit_one(script, capsys):
    path = script(FAILING)
    assert wast(path) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"  {path}:2: assert_return failed: invoke 'f': result 0: got 1 (0x1), expected 2 (0x2)"
    assert out[1] == f"  {path}:3: assert_trap failed: invoke 'f': did not trap, expected 'unreachable'"
    assert out[-1] == "1 passed, 2 failed, 0 skipped"


def test_totals_add_up_over_files(script, capsys):
    assert wast(script(PASSING, "a.wast"), script(FAILING, "b.wast")) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "3 passed, 2 failed, 0 skipped"


def test_skipped_commands_are_counted_and_listed_with_verbose(script, capsys):
    path = script(TAIL_CALL)
    assert wast(path) == 0
    assert capsys.readouterr().out.splitlines() == [f"{path}: 0 passed, 0 failed, 1 skipped",
                                                    "0 passed, 0 failed, 1 skipped"]
    assert wast("-v", path) == 0
    assert "needs the tail-call proposal" in capsys.readouterr().out.splitlines()[0]
    assert wast("--enable", "tail_call", path) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 passed, 0 failed, 0 skipped"


def test_missing_file_is_a_one_line_error(script, tmp_path, capsys):
    assert wast(str(tmp_path / "absent.wast"), script(PASSING)) == 2
    captured = capsys.readouterr()
    assert captured.err == f"{tmp_path / 'absent.wast'}: error: no such file\n"
    assert captured.out.splitlines()[-1] == "2 passed, 0 failed, 0 skipped"


def test_script_wasm_tools_rejects_is_a_one_line_error(script, capsys):
    path = script('(module (func)\n')
    assert wast(path) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}: error: wasm-tools json-from-wast failed: ")
    assert err.count("\n") == 1


def test_usage_errors_return_two_without_raising(capsys):
    assert cli.main([]) == 2
    assert cli.main(["no-such-command"]) == 2
    assert cli.main(["wast"]) == 2
    assert "usage:" in capsys.readouterr().err


def test_help_lists_subcommands(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(entry.name in out for entry in cli.SUBCOMMANDS)


def test_subcommands_come_from_the_table_and_import_only_when_chosen(monkeypatch, capsys):
    calls = []
    module = types.ModuleType("fake_subcommand")
    module.add_arguments = lambda parser: parser.add_argument("word")
    module.run = lambda args: calls.append(args.word) or 7
    monkeypatch.setitem(sys.modules, "fake_subcommand", module)
    monkeypatch.setattr(cli, "SUBCOMMANDS", [cli.Subcommand("echo", "fake_subcommand"),
                                             cli.Subcommand("broken", "no.such.module")])
    assert cli.main(["echo", "hello"]) == 7
    assert calls == ["hello"]
    assert cli.main(["broken"]) == 2
    assert capsys.readouterr().err.startswith("wasmfuzz broken: not available: ")


def test_python_dash_m_runs_the_cli(script):
    pytest.importorskip("wasmtime")
    proc = subprocess.run([sys.executable, "-m", "wasmfuzz", "wast", "--engine", "wasmtime",
                           script(PASSING)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "2 passed, 0 failed, 0 skipped"


def test_compile_takes_the_proposals_a_module_needs(script, capsys):
    path = script("(module (memory i64 1) (func (export \"f\") (result i64) (memory.size)))", "m64.wat")
    assert cli.main(["compile", path]) == 0  # memory64 is on by default, as in Wasmtime
    assert "def _make_f0(" in capsys.readouterr().out
    assert cli.main(["compile", path, "--enable", "memory64"]) == 0
    assert "def _make_f0(" in capsys.readouterr().out
    assert cli.main(["compile", path, "--enable", "custom_page_sizes"]) == 0  # off by default, as in Wasmtime
    assert "def _make_f0(" in capsys.readouterr().out


def test_wast_disable_turns_off_a_wasm2_proposal(script, capsys):
    # On wasmfuzz: wasmtime-py's engine aborts the process without reference types.
    path = script('(assert_invalid (module (table 1 funcref) (table 1 funcref)) "multiple tables")\n')
    assert cli.main(["wast", path]) == 1
    assert cli.main(["wast", path, "--disable", "reference_types"]) == 0
