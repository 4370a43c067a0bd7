"""The harness's commands: fuzz, repro, shrink, check; errors are one line."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from wasmfuzz.fuzz import campaign, findings
from wasmfuzz.fuzz.case import TestCase
from wasmfuzz.oracles import Divergence, ExecutionSpec
from wasmfuzz.oracles.pairs import WASMTIME
from wasmfuzz.runtime.binary.wat import wat2wasm
from wasmfuzz.runtime.vm.libcalls import LIBCALLS

from wasmfuzz.cli import main

ROOT = Path(__file__).resolve().parents[2]
# A bug planted in a child process (the shrink predicate runs in its own): a
# sitecustomize on PYTHONPATH patches the runtime before anything runs.
DIV_U_WRONG_TRAP = textwrap.dedent("""
    from wasmfuzz.runtime.vm import libcalls
    def div_u(a, b):
        if b == 0:
            libcalls.trap(6)
        return a // b
""")
NOISE = "".join(f"""
  (global (export "g{k}") (mut i32) (i32.const {k}))
  (func (export "noise{k}") (param i32) (result i32) (i32.mul (local.get 0) (global.get {k})))""" for k in range(6))
DIV_MODULE = f"""(module {NOISE}
  (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 10) (i32.sub (local.get 0) (local.get 0)))))"""


@pytest.mark.parametrize("argv, message", [
    (["fuzz", "nonsense"], "unknown target"),
    (["fuzz", "memory", "--jobs", "0"], "--jobs must be at least 1"),
    (["fuzz", "memory", "--out", "."], "unknown option --out"),
    (["fuzz", "memory", "-runs=1", "/no/such/dir"], "/no/such/dir: no such directory"),
    (["repro", "/no/such/finding"], "no such file or directory"),
    (["shrink", "/no/such/finding"], "no such file or directory"),
    (["check", "/no/such/corpus"], "not a directory"),
    (["report", "/no/such/findings"], "no campaign here"),
])
def test_bad_input_is_one_line_and_status_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_repro_of_an_input_needs_its_target(tmp_path, capsys):
    stray = tmp_path / "input"
    stray.write_bytes(b"\0" * 10)
    assert main(["repro", str(stray)]) == 2
    assert "--target" in capsys.readouterr().err
    assert main(["repro", str(stray), "--target", "memory"]) == 0
    assert "no divergence" in capsys.readouterr().out


def test_fuzz_without_atheris_runs_random_inputs(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(campaign, "_have_atheris", lambda: False)
    monkeypatch.delenv("WASMFUZZ_FINDINGS", raising=False)
    status = main(["fuzz", "memory", "--runs", "5", "--findings", str(tmp_path)])
    err = capsys.readouterr().err
    assert "no coverage guidance" in err and "memory:" in err and "5 execs" in err
    assert "runtime features fuzzed: " in err
    assert status == (1 if findings.count(tmp_path) else 0)  # random inputs may meet a real runtime bug


def test_fuzz_under_atheris_grows_a_corpus(tmp_path, capsys):
    pytest.importorskip("atheris")
    status = main(["fuzz", "memory", "--runs", "40", "--findings", str(tmp_path), "-seed=1"])
    err = capsys.readouterr().err
    assert "memory:" in err and "cov " in err
    assert status == (1 if findings.count(tmp_path) else 0)
    assert any((tmp_path / "corpus" / "memory").iterdir())  # new coverage was kept
    assert "INITED" in (tmp_path / "memory" / "campaign.log").read_text()


def _planted_finding(tmp_path: Path, monkeypatch) -> Path:
    """A finding made with the division bug planted, in this process and in children."""
    plant = tmp_path / "plant"
    plant.mkdir()
    (plant / "sitecustomize.py").write_text(DIV_U_WRONG_TRAP + 'libcalls.LIBCALLS["_i32_div_u"] = div_u\n')
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(plant), str(ROOT), os.environ.get("PYTHONPATH", "")]))
    namespace: dict = {}
    exec(DIV_U_WRONG_TRAP, namespace)
    monkeypatch.setitem(LIBCALLS, "_i32_div_u", namespace["div_u"])
    case = TestCase(wat2wasm(DIV_MODULE), ExecutionSpec(), (WASMTIME.name,), bytes(16))
    with pytest.raises(Divergence) as info:
        case.check()
    return findings.save(tmp_path / "findings", "differential", case, info.value, b"input")


def test_finding_holds_everything_to_replay_it(tmp_path, monkeypatch, capsys):
    finding = _planted_finding(tmp_path, monkeypatch)
    assert {p.name for p in finding.iterdir()} == {"input.bin", "module.wasm", "module.wat", "case.json",
                                                   "report.txt", "finding.json"}
    assert main(["repro", str(finding)]) == 1
    out = capsys.readouterr().out
    assert "trap INTEGER_DIVISION_BY_ZERO vs trap INTEGER_OVERFLOW" in out


def test_shrink_keeps_the_divergence(tmp_path, monkeypatch, capsys):
    finding = _planted_finding(tmp_path, monkeypatch)
    assert main(["shrink", str(finding), "--attempts", "8"]) == 0
    out = capsys.readouterr().out
    assert "same divergence" in out
    assert len((finding / "shrunk" / "module.wasm").read_bytes()) <= len((finding / "module.wasm").read_bytes())
    assert "INTEGER_OVERFLOW" in (finding / "shrunk" / "report.txt").read_text()


def test_check_fails_on_a_diverging_entry_and_writes_junit(tmp_path, monkeypatch, capsys):
    finding = _planted_finding(tmp_path, monkeypatch)
    corpus = tmp_path / "corpus"
    (corpus / "memory").mkdir(parents=True)
    (corpus / "memory" / "seed").write_bytes(bytes(100))
    os.replace(finding, corpus / "regression")
    junit = tmp_path / "out" / "check.xml"
    assert main(["check", str(corpus), "--junit", str(junit)]) == 1
    out = capsys.readouterr().out
    assert "2 entries checked, 1 failed" in out
    xml = junit.read_text()
    assert 'tests="2"' in xml and "<failure" in xml


def test_input_crashing_the_harness_becomes_a_finding(tmp_path, monkeypatch, capsys):
    pytest.importorskip("atheris")
    plant = tmp_path / "plant"
    plant.mkdir()
    (plant / "sitecustomize.py").write_text(textwrap.dedent("""
        from wasmfuzz.fuzz import source
        def crash(self, data):
            raise RuntimeError("planted harness crash")
        source.Unstructured.__init__ = crash
    """))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(plant), str(ROOT)]))
    assert main(["fuzz", "memory", "--runs", "50", "--findings", str(tmp_path / "f")]) == 1
    assert "libFuzzer stopped at startup" in capsys.readouterr().err
    (report,) = (tmp_path / "f" / "memory" / "crash").glob("*/report.txt")
    assert "RuntimeError: planted harness crash" in report.read_text()


@pytest.mark.parametrize("limit, verdict", [(2048, "under libFuzzer's 2048 MB: not this input alone"),
                                             (1, "over libFuzzer's 1 MB: this input exhausts memory by itself")])
def test_an_out_of_memory_finding_says_what_its_input_takes_alone(tmp_path, limit, verdict):
    """libFuzzer blames whichever input runs when it sees its process's peak
    over the limit; the finding replays the input in a process of its own and
    reports its peak against that limit (read from libFuzzer's message)."""
    details = f"==1== ERROR: libFuzzer: out-of-memory (used: 2073Mb; limit: {limit}Mb)"
    directory = campaign._save_crash(tmp_path, "memory", b"\x01\x02", "oom", details)
    report = (directory / "report.txt").read_text()
    peak = int(re.search(r"replayed alone in a fresh process: peak memory (\d+) MB", report).group(1))
    assert 10 < peak < 2048
    assert verdict in report
    assert not (tmp_path / "memory" / "divergence").exists()  # the replay saves nothing


@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_stops_the_campaign_and_keeps_its_corpus(tmp_path, jobs):
    pytest.importorskip("atheris")
    campaign_proc = subprocess.Popen([sys.executable, "-m", "wasmfuzz", "fuzz", "memory", "--jobs", str(jobs),
                                      "--findings", str(tmp_path)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    log = tmp_path / "memory" / "campaign.log"
    deadline = time.monotonic() + 60
    while not (log.exists() and "INITED" in log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.2)
    campaign_proc.send_signal(signal.SIGINT)
    _, err = campaign_proc.communicate(timeout=60)
    assert campaign_proc.returncode == 130 and "interrupted" in err
    assert (tmp_path / "corpus" / "memory").is_dir()
    assert subprocess.run(["pgrep", "-f", f"artifact_prefix={tmp_path}"], capture_output=True).returncode == 1


def test_jobs_are_processes_fuzzing_one_corpus(tmp_path):
    """--jobs 2: two libFuzzer processes, each with its log and crash folder,
    on the one working corpus; the campaign's executions are theirs added up."""
    pytest.importorskip("atheris")
    assert main(["fuzz", "memory", "--jobs", "2", "--runs", "60", "--findings", str(tmp_path)]) == 0
    logs = [tmp_path / "memory" / name for name in ("campaign.log", "campaign-1.log")]
    assert all("INITED" in log.read_text() for log in logs)
    assert sorted(p.name for p in (tmp_path / "memory" / "crashes").iterdir()) == ["job-0", "job-1"]
    done = [int(re.search(r"Done (\d+) runs", log.read_text()).group(1)) for log in logs]
    last = json.loads((tmp_path / "memory" / "stats.jsonl").read_text().splitlines()[-1])
    assert all(n >= 30 for n in done) and last["execs"] >= sum(done) - 2 and last["corpus"] > 0


def test_target_modules_start_atheris_when_run_as_scripts():
    pytest.importorskip("atheris")
    proc = subprocess.run([sys.executable, "-m", "wasmfuzz.fuzz.targets.memory", "-runs=3"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "Done 3 runs" in proc.stderr


@pytest.mark.parametrize("target", ["validate", "differential"])
def test_the_runtime_is_instrumented_but_its_per_instruction_helpers(target):
    """Under atheris the runtime's code traces its branches for coverage, all
    but atheris_main.UNINSTRUMENTED (the validator's per-instruction loop,
    whose tests the instrumented handlers repeat; the float helpers and value
    conversions generated code calls for every float instruction; the host's
    per-element table reads; the code generator's whole-body scans; the
    epoch's and the store's bookkeeping), and the binary format layer is
    traced only for the target that tests decoding."""
    pytest.importorskip("atheris")
    probe = textwrap.dedent(f"""
        import importlib, types
        from wasmfuzz.fuzz.atheris_main import UNINSTRUMENTED, instrument_runtime
        instrument_runtime({target!r})
        from wasmfuzz.runtime.binary import reader, validate
        from wasmfuzz.runtime.compile.python import codegen
        from wasmfuzz.runtime.table import Table
        from wasmfuzz.runtime.vm import context, libcalls

        def traced(module):
            return sorted(name for name, f in vars(module).items() if isinstance(f, types.FunctionType)
                          and f.__module__ == module.__name__ and "_trace_branch" in f.__code__.co_names)

        print(bool(traced(validate)), bool(traced(reader)), bool(traced(codegen)), bool(traced(libcalls)),
              "_trace_branch" in context.TableInstance.resolve.__code__.co_names,
              "_trace_branch" in Table.get.__code__.co_names,
              *(traced(importlib.import_module(name)) for name in UNINSTRUMENTED))
    """)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    binary = str(target == "validate")
    from wasmfuzz.fuzz.atheris_main import UNINSTRUMENTED
    assert done.stdout.split() == [binary, binary, "True", "True", "True", "False", *["[]"] * len(UNINSTRUMENTED)], \
        done.stderr[-2000:]


def test_a_campaign_started_elsewhere_still_reads_the_checked_in_seeds(tmp_path, monkeypatch):
    from wasmfuzz.fuzz import campaign
    monkeypatch.chdir(tmp_path)
    assert campaign.seed_dir("differential") == campaign.CHECKOUT_CORPUS / "differential"
    assert any(campaign.seed_dir("differential").iterdir())
    (tmp_path / "corpus" / "differential").mkdir(parents=True)  # a corpus of its own where it runs is taken first
    assert campaign.seed_dir("differential") == Path("corpus") / "differential"
    monkeypatch.setattr(campaign, "CHECKOUT_CORPUS", tmp_path / "none")
    assert campaign.seed_dir("memory") is None
