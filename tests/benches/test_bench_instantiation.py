"""The instantiation benchmark runs end to end and refuses instances that do not work.

``benches/instantiation.py --smoke`` (smaller large modules, one iteration per
setup) is run as a user runs it. Times are never checked: at one iteration
they mean nothing, and the machines are noisy. What is checked is that every
setup (wasmfuzz lazy/eager x on-demand/pooling x Instance/InstancePre, and
wasmtime-py) made a working instance of every input, one whose call through
the table and whose data bytes are what the generator says and what
wasmtime-py answers, also beside other threads; that every target got a
verdict; and that a broken instance is reported, not timed.
"""

from pathlib import Path

import pytest
from bench_support import load_script
from bench_support import smoke_report as run_smoke

SCRIPT = Path(__file__).resolve().parents[2] / "benches" / "instantiation.py"
TARGETS = {"lazy >= 10x faster than eager", "lazy within 2x, 30,000 vs 1,000 functions",
           "pooling faster than on-demand", "lazy within 10x of wasmtime-py"}


@pytest.fixture(scope="module")
def bench():
    return load_script("instantiation")


@pytest.fixture(scope="module")
def smoke_report(tmp_path_factory):
    return run_smoke("instantiation", tmp_path_factory.mktemp("bench"))


def measured(report, threads):
    return {(m["input"], m["setup"]) for m in report["measurements"] if m["threads"] == threads and not m["error"]}


def test_smoke_run_reports_no_errors(smoke_report):
    assert [m for m in smoke_report["measurements"] if m["error"]] == []


def test_every_setup_makes_a_working_instance_of_every_input(smoke_report, bench):
    inputs = [i.name for i in bench.INPUTS["smoke"]]
    assert measured(smoke_report, 1) == {(i, s.name) for i in inputs for s in bench.SETUPS}


def test_instance_pre_setups_also_run_beside_background_threads(smoke_report, bench):
    inputs = [i.name for i in bench.INPUTS["smoke"]]
    pre = [s.name for s in bench.SETUPS if s.api == "InstancePre"]
    for threads in range(2, smoke_report["max_threads"] + 1):
        assert measured(smoke_report, threads) == {(i, s) for i in inputs for s in pre}


def test_every_target_gets_a_verdict(smoke_report):
    assert set(smoke_report["targets"]) == TARGETS
    assert set(smoke_report["targets"].values()) <= {"met", "NOT met"}


def test_wrong_answer_is_an_error_not_a_figure(bench):
    small = bench.Input("small", 4, 4, 64)
    other = bench.Input("small", 5, 4, 64)  # table slot 1 holds function 4 instead of 3
    setup = bench.Setup("wasmfuzz", "lazy", "on-demand", "Instance")
    ready, [measurement], _ = bench.prepare_all(small, other.wasm(), [setup])
    assert ready == {}
    assert measurement.error.startswith("WrongAnswer: call(1, 7) returned 46, expected 38, the generator")
    assert measurement.median is None


def test_a_fresh_store_per_iteration_never_exhausts_the_small_pool(bench):
    setup = bench.Setup("wasmfuzz", "lazy", "pooling", "InstancePre")
    prepared = bench.prepare(setup, bench.compile_input(setup, bench.Input("small", 4, 4, 64).wasm()))
    for _ in range(3 * bench.pool_config().total_core_instances):
        prepared.iteration()


def test_percentiles_are_nearest_rank(bench):
    values = [float(v) for v in range(11)]
    assert bench.percentile(values, 0.1) == 1.0
    assert bench.percentile(values, 0.9) == 9.0
    assert bench.percentile([5.0], 0.9) == 5.0
