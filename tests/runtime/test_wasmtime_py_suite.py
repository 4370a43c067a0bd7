"""wasmtime-py's own test suite, run against ``wasmfuzz.runtime``.

The README promises that code written for wasmtime-py runs once its import
line is switched; wasmtime-py's tests are the fairest judge of that. The
sdist of the installed ``wasmtime`` version (its tests are only there) is
fetched once with pip into ``build/``, its ``from wasmtime import ...``
lines are rewritten to ``wasmfuzz.runtime``, and every unittest method
becomes one pytest item here, run with the sdist's root as the working
directory, as wasmtime-py's own CI runs them. The same tests also run
unchanged against wasmtime-py itself (items ``[wasmtime-...]``), so one run
gives the pass counts of both.

Not run, each with its reason: the component model's tests (wasmfuzz is a
core-Wasm runtime), the test of wasmtime-py's private ``_slab`` helper (not
API), and tests that need a proposal whose issue is still open.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import subprocess
import sys
import shutil
import tarfile
import unittest
from pathlib import Path

import pytest

VERSION = importlib.metadata.version("wasmtime")
ROOT = Path(__file__).resolve().parents[2] / "build" / f"wasmtime-py-{VERSION}"
# Where each runtime's copy of the tests is: wasmfuzz's has its imports rewritten.
TEST_DIRS = {"wasmfuzz": "tests", "wasmtime": "tests-wasmtime"}

NOT_API = {"test_slab.py": "tests wasmtime-py's private _slab helper, not its API"}
# Tests that need a proposal wasmfuzz does not have yet: (file, test) -> reason.
NEEDS_PROPOSAL = {
    ("test_config.py", "test_smoke"): "turns on the component model and stack switching, which wasmfuzz does not have",
}


def _fetch() -> str:
    """Download and unpack the sdist's tests once; '' when done, else why not."""
    if all((ROOT / d).is_dir() for d in TEST_DIRS.values()):
        return ""
    dist = ROOT.parent / f"wasmtime-py-{VERSION}-sdist"
    proc = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                           f"wasmtime=={VERSION}", "-d", str(dist)], capture_output=True, text=True)
    archives = list(dist.glob("wasmtime-*.tar.gz"))
    if proc.returncode != 0 or not archives:
        return f"could not fetch the wasmtime {VERSION} sdist with pip: {proc.stderr.strip()[-300:]}"
    staging = ROOT.with_name(ROOT.name + ".partial")
    with tarfile.open(archives[0]) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if len(parts) > 2 and parts[1] == "tests" and parts[2] != "component" and member.isfile():
                text = tar.extractfile(member).read().decode()
                for runtime, directory in TEST_DIRS.items():
                    target = staging / directory / Path(*parts[2:])
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(text.replace("from wasmtime import", "from wasmfuzz.runtime import")
                                      if runtime == "wasmfuzz" else text)
    # test_wasi preopens the directory "wasmtime" relative to the sdist's root.
    (staging / "wasmtime").mkdir(parents=True, exist_ok=True)
    if ROOT.exists():  # an older layout of this cache
        shutil.rmtree(ROOT)
    staging.rename(ROOT)
    return ""


def _collect():
    why = _fetch()
    if why:
        return [pytest.param(None, None, None, marks=pytest.mark.skip(reason=why), id="wasmtime-py-suite")]
    items = []
    for runtime, directory in TEST_DIRS.items():
        for path in sorted((ROOT / directory).glob("test_*.py")):
            tree = ast.parse(path.read_text())
            for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
                for fn in (n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")):
                    reason = NOT_API.get(path.name)
                    if runtime == "wasmfuzz":
                        reason = reason or NEEDS_PROPOSAL.get((path.name, fn.name))
                    marks = [pytest.mark.skip(reason=reason)] if reason else []
                    items.append(pytest.param(path, cls.name, fn.name, marks=marks,
                                              id=f"{runtime}-{path.name}::{cls.name}::{fn.name}"))
    return items


def _load(path: Path):
    name = f"wasmtime_py_tests.{path.parent.name.replace('-', '_')}.{path.stem}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return sys.modules[name]


@pytest.mark.parametrize("path, cls, method", _collect())
def test_wasmtime_py(path, cls, method, monkeypatch):
    monkeypatch.chdir(ROOT)
    case = getattr(_load(path), cls)(method)
    result = unittest.TestResult()
    case.run(result)
    problems = result.errors + result.failures
    if result.skipped:
        pytest.skip(result.skipped[0][1])
    assert not problems, "\n".join(trace for _, trace in problems)
    assert result.testsRun == 1


def test_every_api_test_of_the_suite_is_collected():
    """The rewrite reached every file: none still imports wasmtime itself
    (which would test wasmtime-py, not wasmfuzz)."""
    if _fetch():
        pytest.skip("the wasmtime sdist could not be fetched")
    for path in (ROOT / TEST_DIRS["wasmfuzz"]).glob("test_*.py"):
        if path.name in NOT_API:
            continue
        assert "from wasmtime import" not in path.read_text(), path.name
        assert "import wasmtime\n" not in path.read_text(), path.name
