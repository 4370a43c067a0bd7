"""The official WASI test suite (preview 1) on wasmfuzz.runtime and on wasmtime-py.

The suite (github.com/WebAssembly/wasi-testsuite, its prebuilt
``tests/<language>/testsuite/wasm32-wasip1/`` directories) is data beside the
project, never copied into it: its location is ``$WASMFUZZ_WASI_TESTSUITE``,
else ``../shared/wasi-testsuite`` next to this checkout. Each ``NAME.wasm``
there is a test; ``NAME.json``, when present, says what it gets and what it
must do (the repository's ``doc/specification.md``): ``args``, ``env`` (the
whole environment), ``dirs`` (directories next to the test, preopened under
their own names) or ``root`` (one such directory preopened as ``/``, where
the Rust tests look for their scratch directory), and the expected
``exit_code`` (default 0), ``stdout`` and ``stderr`` (checked when given).

Every test is one item per engine, both run by ``wasmfuzz.cli.run.execute``
(the API the two share: WasiConfig with argv, env, preopens and stdio in
files, ``Linker.define_wasi``, ``_start``, ``ExitTrap`` for the exit code), in
a fresh writable copy of the directories it preopens, so nothing is ever
written into the suite. stdin is an empty file.

A test wasmtime-py itself fails is listed in ``WASMTIME_FAILURES`` with the
reason, and expected to fail (strictly: it is noticed when it starts to
pass). wasmfuzz must pass wherever wasmtime-py does, and its items also
require the same exit code, stdout and stderr as wasmtime-py's run of the
same test, whatever the JSON says (stdout is left out for the tests listed
in ``VARYING_STDOUT``, whose output is random on Wasmtime too).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
import wasmfuzz.runtime

from wasmfuzz.cli.run import Preopen, RunOptions, execute

SUITE = Path(os.environ.get("WASMFUZZ_WASI_TESTSUITE")
             or Path(__file__).resolve().parents[3] / "shared" / "wasi-testsuite")
LANGUAGES = ("assemblyscript", "c", "rust")

# {"language/name": "why wasmtime-py fails it"}
WASMTIME_FAILURES: dict[str, str] = {}

# {"language/name": "why its stdout differs between runs"}: wasmfuzz's stdout is not compared with wasmtime-py's.
VARYING_STDOUT = {
    "rust/poll_oneoff_stdio": "it prints a Rust HashMap, iterated in an order seeded from random_get "
                              "(two runs of wasmtime-py differ too)",
}


class ExpectationNotMet(AssertionError):
    """The run did not do what the test's JSON says (the only failure a listed test may have)."""


@dataclass(frozen=True)
class SuiteTest:
    """One test of the suite: its module and what its JSON asks for."""

    language: str
    name: str
    folder: Path
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    dirs: tuple[tuple[str, str], ...] = ()   # (directory next to the test, name the guest sees)
    exit_code: int = 0
    stdout: str | None = None
    stderr: str | None = None

    @property
    def id(self) -> str:
        return f"{self.language}/{self.name}"

    @classmethod
    def load(cls, language: str, wasm: Path) -> SuiteTest:
        spec_file = wasm.with_suffix(".json")
        spec = json.loads(spec_file.read_text()) if spec_file.exists() else {}
        dirs = [(d, d) for d in spec.get("dirs", [])]
        if "root" in spec:
            dirs.append((spec["root"], "/"))
        return cls(language, wasm.stem, wasm.parent, tuple(spec.get("args", [])),
                   tuple(spec.get("env", {}).items()), tuple(dirs), spec.get("exit_code", 0),
                   spec.get("stdout"), spec.get("stderr"))


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: bytes
    stderr: bytes
    trap: str | None


def suite_tests() -> list:
    """One pytest parameter per test of the suite, or a single skipped one when it is absent."""
    if not SUITE.is_dir():
        reason = f"WASI test suite not found at {SUITE} (set WASMFUZZ_WASI_TESTSUITE)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="absent")]
    params = []
    for language in LANGUAGES:
        folder = SUITE / "tests" / language / "testsuite" / "wasm32-wasip1"
        for wasm in sorted(folder.glob("*.wasm")):
            test = SuiteTest.load(language, wasm)
            why = WASMTIME_FAILURES.get(test.id)
            marks = [pytest.mark.xfail(reason=why, strict=True, raises=ExpectationNotMet)] if why else []
            params.append(pytest.param(test, marks=marks, id=test.id))
    return params


def run(api, test: SuiteTest, workdir: Path) -> Outcome:
    """Run ``test`` on ``api`` (``wasmfuzz.runtime`` or ``wasmtime``) with its directories copied into ``workdir``."""
    workdir.mkdir(parents=True)
    preopens = []
    for i, (source, guest) in enumerate(test.dirs):
        copy = workdir / f"dir{i}"
        shutil.copytree(test.folder / source, copy, symlinks=True)
        _make_writable(copy)
        preopens.append(Preopen(str(copy), guest))
    streams = {name: workdir / name for name in ("stdin", "stdout", "stderr")}
    streams["stdin"].write_bytes(b"")
    options = RunOptions(argv=[f"{test.name}.wasm", *test.args], env=list(test.env), dirs=preopens,
                         **{name: str(path) for name, path in streams.items()})
    result = execute(api, (test.folder / f"{test.name}.wasm").read_bytes(), options)
    return Outcome(result.exit_code, streams["stdout"].read_bytes(), streams["stderr"].read_bytes(), result.trap)


def _make_writable(root: Path) -> None:
    """Give the owner write access throughout a copy (the shared suite is read-only; the
    repository's own tree, which the tests expect, is writable)."""
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def check_expectation(test: SuiteTest, outcome: Outcome) -> None:
    """Raise ExpectationNotMet unless ``outcome`` is what the test's JSON asks for."""
    problems = []
    if outcome.exit_code != test.exit_code:
        problems.append(f"exit code {outcome.exit_code}, expected {test.exit_code}")
    for stream in ("stdout", "stderr"):
        expected = getattr(test, stream)
        if expected is not None and getattr(outcome, stream) != expected.encode():
            problems.append(f"{stream} {getattr(outcome, stream)!r}, expected {expected.encode()!r}")
    if problems:
        raise ExpectationNotMet(f"{test.id}: " + "; ".join(problems)
                                + f"\ntrap: {outcome.trap}\nstderr:\n{outcome.stderr.decode(errors='replace')}")


@functools.cache
def wasmtime_outcome(test: SuiteTest, workroot: Path) -> Outcome:
    """wasmtime-py's run of ``test``, made once per session for both items."""
    wasmtime = pytest.importorskip("wasmtime")
    return run(wasmtime, test, workroot / test.language / test.name)


@pytest.fixture(scope="session")
def wasmtime_workroot(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("wasi-testsuite-wasmtime")


@pytest.mark.parametrize("test", suite_tests())
def test_wasmtime_py(test, wasmtime_workroot):
    check_expectation(test, wasmtime_outcome(test, wasmtime_workroot))


@pytest.mark.parametrize("test", suite_tests())
def test_wasmfuzz(test, wasmtime_workroot, tmp_path):
    ours = run(wasmfuzz.runtime, test, tmp_path / "wasmfuzz")
    theirs = wasmtime_outcome(test, wasmtime_workroot)
    compared = ("exit_code", "stderr") if test.id in VARYING_STDOUT else ("exit_code", "stdout", "stderr")
    assert [getattr(ours, f) for f in compared] == [getattr(theirs, f) for f in compared], \
        f"{compared} differ from wasmtime-py's; wasmfuzz trap: {ours.trap}; wasmtime trap: {theirs.trap}"
    check_expectation(test, ours)
