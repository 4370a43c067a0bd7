"""benches/interrupts.py runs, and every configuration computes the same results (no timings asserted)."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benches" / "interrupts.py"


def test_interrupts_benchmark_smoke():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--smoke"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for line in ("wasmfuzz: best seconds", "epoch overhead (worst workload)", "fuel overhead / epoch overhead"):
        assert line in proc.stdout
