"""benches/find_bugs.py runs: its smoke mode finds a planted bug and reports it;
bad arguments get a clear error (no timings asserted)."""

import subprocess
import sys

from bench_support import BENCHES, smoke_report


def test_find_bugs_smoke_finds_the_planted_bug(tmp_path):
    report = smoke_report("find_bugs", tmp_path)
    [row] = report["results"]  # the smoke bug's own target is the main job: one row
    assert row["bug"] == "i64.xor masked to 32 bits" and row["target"] == "differential"
    assert row["missed"] == 0 and 1 <= row["execs_median"] <= report["max_execs"]


def test_find_bugs_rejects_unknown_targets_and_bugs():
    for args in (["--targets", "nosuch"], ["--bugs", "no bug has this name"]):
        done = subprocess.run([sys.executable, str(BENCHES / "find_bugs.py"), *args], capture_output=True, text=True)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
