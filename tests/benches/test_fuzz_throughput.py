"""benches/fuzz_throughput.py runs every way it is meant to, and its time
shares add up (no rate is asserted: at one second a target means nothing)."""

import json
import os
import subprocess
import sys
import time

import pytest
from bench_support import BENCHES, load_script

SCRIPT = BENCHES / "fuzz_throughput.py"


def run(tmp_path, *flags):
    out = tmp_path / "report.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--smoke", "--json", str(out), *flags],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text()), done.stdout


def check_figures(report, targets):
    assert set(report["targets"]) == set(targets)
    for target in targets:
        m = report["targets"][target]["this"]
        assert m["execs"] > 0 and m["rate"] > 0 and m["errors"] == 0
        assert m["untimed"] == []  # every probe found its entry point
        assert abs(sum(m["shares"].values()) - 1) < 0.02 and min(m["shares"].values()) >= 0


def test_under_atheris(tmp_path):
    pytest.importorskip("atheris")
    report, out = run(tmp_path, "--targets", "differential,memory")
    check_figures(report, ["differential", "memory"])
    assert report["mode"] == "under atheris" and "differential" in out
    shares = report["targets"]["differential"]["this"]["shares"]
    assert shares["generation"] > 0 and shares["compilation"] > 0 and shares["comparison"] > 0
    from wasmfuzz.fuzz.targets import GC_THRESHOLD  # each child measured as a campaign runs, to the end
    assert all(report["targets"][t]["this"]["gc_threshold"] == list(GC_THRESHOLD) for t in report["targets"])


def test_without_coverage(tmp_path):
    report, _ = run(tmp_path, "--no-coverage", "--targets", "validate")
    check_figures(report, ["validate"])


def test_unknown_target_is_refused(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--targets", "nonsense"], capture_output=True, text=True)
    assert done.returncode == 2 and "unknown targets" in done.stderr


def test_timers_count_nested_time_once_in_the_inner_phase():
    bench = load_script("fuzz_throughput")
    timers = bench.Timers()
    inner = timers.wrap(lambda: time.sleep(0.05), "compilation")
    outer = timers.wrap(lambda: (time.sleep(0.05), inner()), "execution")
    outer()
    assert 0.045 < timers.totals["compilation"] < 0.09
    assert 0.045 < timers.totals["execution"] < 0.09  # its own time, not the compile inside it


def test_a_child_that_dies_leaves_its_figures_and_why(tmp_path):
    """libFuzzer ends a child at an out-of-memory or a timeout: the figures of
    its last second are kept and the death reported, not the whole run lost."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os, signal, sys, threading\n"
        "if '--child' in sys.argv:\n"
        "    threading.Timer(4.0, lambda: os.kill(os.getpid(), signal.SIGKILL)).start()\n")
    out = tmp_path / "report.json"
    env = {**os.environ, "PYTHONPATH": str(hook)}
    done = subprocess.run([sys.executable, str(SCRIPT), "--no-coverage", "--seconds", "30", "--targets", "memory",
                           "--json", str(out)], capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    m = json.loads(out.read_text())["targets"]["memory"]["this"]
    assert m["execs"] > 0 and 0 < m["seconds"] < 30
    assert len(m["died"]) == 1 and "exit -9" in m["died"][0] and "died:" in done.stdout
