"""The benchmarks run end to end; the execution benchmark refuses wrong answers.

``benches/execution.py --smoke`` (tiny sizes, one repeat) is run as a user runs
it. Times are never checked: at these sizes they mean nothing, and the machines
are noisy. What is checked is that every engine agrees with wasmtime on every
workload, and that an engine which does not is reported, not timed.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from bench_support import load_script
from bench_support import smoke_report as run_smoke

SCRIPT = Path(__file__).resolve().parents[2] / "benches" / "execution.py"
WORKLOADS = {"fib", "xorshift", "sieve", "dispatch", "mandelbrot", "mix_scalar"}
SIMD_WORKLOADS = {"mix_simd"}  # pywasm has no SIMD
GC_WORKLOADS = {"binary_trees"}  # nor GC
NOT_WRITTEN_YET = "ImportError: wasmfuzz.runtime has no"


@pytest.fixture(scope="module")
def bench():
    return load_script("execution")


@pytest.fixture(scope="module")
def smoke_report(tmp_path_factory):
    return run_smoke("execution", tmp_path_factory.mktemp("bench"))


def workloads_run_by(report, engine):
    return {m["workload"] for m in report["measurements"] if m["engine"] == engine and not m["error"]}


def test_smoke_run_reports_no_errors(smoke_report):
    assert [m for m in smoke_report["measurements"] if m["error"]] == []


@pytest.mark.parametrize("engine", ["wasmtime", "pywasm"])
def test_peers_agree_on_every_workload(smoke_report, engine):
    native_only = SIMD_WORKLOADS | GC_WORKLOADS
    assert workloads_run_by(smoke_report, engine) == WORKLOADS | (native_only if engine == "wasmtime" else set())


def test_wasmfuzz_agrees_on_every_workload(smoke_report):
    reason = smoke_report["skipped"].get("wasmfuzz", "")
    if reason.startswith(NOT_WRITTEN_YET):
        pytest.skip(reason)
    assert reason == ""
    assert workloads_run_by(smoke_report, "wasmfuzz") == WORKLOADS | SIMD_WORKLOADS | GC_WORKLOADS
    assert smoke_report["summary"]["simd scalar/vector time"]["wasmfuzz"] > 0


def test_wrong_result_is_an_error_not_a_figure(bench):
    liar = bench.Engine("liar", "0", "fast", lambda wasm: lambda n: 0)
    fib = next(w for w in bench.WORKLOADS if w.name == "fib")
    [measurement] = bench.bench_workload(fib, [liar], "smoke")
    assert "returned 0, wasmtime returned 55" in measurement.error
    assert measurement.mips is None


def test_integers_compare_modulo_2_64_and_floats_bit_for_bit(bench):
    assert bench.same_result(2**64 - 1, -1)
    assert not bench.same_result(0.0, -0.0)
    assert not bench.same_result(1, 1.0)


GROW_SCRIPT = SCRIPT.parent / "memory_grow.py"


def test_memory_growth_benchmark_runs_on_wasmfuzz_and_wasmtime(tmp_path):
    out = tmp_path / "grow.json"
    done = subprocess.run([sys.executable, str(GROW_SCRIPT), "--smoke", "--engines", "wasmfuzz,wasmtime",
                           "--json", str(out)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(out.read_text())
    for engine in ("wasmfuzz", "wasmtime"):
        sizes = [size for size, _ in results[engine]["batches"]]
        assert sizes[-1] == 64 and sizes == sorted(sizes)  # grew, batch by batch, to the end
        assert set(results[engine]["checkpoints"]) == {"16", "32", "64"}
