"""Shared by the benchmark tests: import a script from benches/, and run its smoke mode."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

BENCHES = Path(__file__).resolve().parents[2] / "benches"


def load_script(name: str):
    """benches/<name>.py as a module (registered in sys.modules, where dataclasses look it up)."""
    path = BENCHES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def smoke_report(name: str, out_dir: Path) -> dict:
    """The JSON report of ``benches/<name>.py --smoke``, which must exit 0."""
    out = out_dir / "smoke.json"
    done = subprocess.run([sys.executable, str(BENCHES / f"{name}.py"), "--smoke", "--json", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text())
