"""The proposal folders of the spec suites on wasmfuzz.runtime.

One pytest item per ``.wast`` file of ``proposals/{memory64,multi-memory,threads}``
of the 2.0 suite and ``proposals/{wide-arithmetic,custom-page-sizes}`` of the 3.0 one,
each requiring no command to fail. A proposal folder is that proposal's fork
of the whole suite, so some of its files (or some modules in a file) need
proposals wasmfuzz does not implement (legacy proposals, stack switching ...): the runner
skips those modules, naming the proposals ``wasm-tools validate`` says they
need (``wast.missing_proposals``), never by a list kept here. A file none of
whose commands could run is reported as a skipped test with those names; a
file with some runnable commands passes when all of them pass, and every
skip in it must name only proposals outside what wasmfuzz implements.

Each folder runs with the features its fork is written against (as in
Wasmtime's ``spec_test_config``): memory64's fork is of the Wasm 3.0 suite,
so every proposal wasmfuzz has is on; the threads fork predates reference
types and multi-memory, and asserts "multiple tables"/"multiple memories"
invalid, so it runs without them.

Commands wasmfuzz is known to fail would be listed, with a reason, in
``KNOWN_FAILURES``; there are none.
"""

from __future__ import annotations

import re

import pytest
from test_spec import SUITE
from wasmfuzz.runtime.binary.features import DEFAULTS, WASM2, Features

from wasmfuzz.cli import wast

PROPOSALS = SUITE / "proposals"
PROPOSALS3 = SUITE.parent / "spec-testsuite-3.0" / "proposals"
ALL_OURS = DEFAULTS  # the 3.0 proposals, threads and wide arithmetic: what Wasmtime runs by default
# A fork of the 2.0 suite asserts invalid what GC made valid (a data offset
# reading a global the module defines), so it runs without GC.
PRE_GC = DEFAULTS.with_(gc=False)
FOLDERS: dict[str, Features] = {
    "memory64": ALL_OURS,
    "multi-memory": PRE_GC,
    "threads": WASM2.with_(threads=True, reference_types=False),
    "wide-arithmetic": DEFAULTS,
    "custom-page-sizes": DEFAULTS.with_(custom_page_sizes=True),
}
ROOTS = {"wide-arithmetic": PROPOSALS3, "custom-page-sizes": PROPOSALS3}  # the others are the 2.0 suite's
# Proposals wasmfuzz implements, by their wasm-tools names: a skip naming one is a bug.
IMPLEMENTED = {"memory64", "multi-memory", "threads", "reference-types", "bulk-memory", "multi-value",
               "sign-extension", "saturating-float-to-int", "mutable-global", "simd", "relaxed-simd",
               "wide-arithmetic", "custom-page-sizes", "extended-const"}

# {"folder/file.wast": {line: "why wasmfuzz fails this command"}}
KNOWN_FAILURES: dict[str, dict[int, str]] = {}

_NAMED = re.compile(r"needs? the ([a-z0-9, -]+?) proposals?, which")
_INHERITED = ("was skipped", "whose module was skipped")


def _scripts() -> list:
    if not PROPOSALS.is_dir():
        reason = f"spec test suite not found at {SUITE} (set WASMFUZZ_SPEC_TESTSUITE)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason))]
    return [f"{folder}/{p.name}" for folder in FOLDERS
            for p in sorted((ROOTS.get(folder, PROPOSALS) / folder).glob("*.wast"))]


def skip_proposals(outcome: wast.Outcome) -> set[str]:
    """The proposals a skipped command's reason names (empty when it only
    follows from an earlier skip); ValueError when it names none."""
    if outcome.reason.endswith(_INHERITED):
        return set()
    match = _NAMED.search(outcome.reason)
    if match is None:
        raise ValueError(f"line {outcome.line}: skip names no proposal: {outcome.reason}")
    return {name.strip() for name in match.group(1).split(",")}


@pytest.mark.parametrize("name", _scripts())
def test_proposal_script(name):
    import wasmfuzz.runtime as api

    folder = name.split("/")[0]
    report = wast.run_wast(ROOTS.get(folder, PROPOSALS) / name, api, FOLDERS[folder])
    known = KNOWN_FAILURES.get(name, {})
    failed = {o.line for o in report.failures()}
    problems = [str(o) for o in report.failures() if o.line not in known]
    problems += [f"line {line}: listed in KNOWN_FAILURES ({why}) but passes"
                 for line, why in known.items() if line not in failed]
    named: set[str] = set()
    for o in report.outcomes:
        if o.status == wast.SKIPPED:
            named |= skip_proposals(o)
    problems += [f"skipped for {p}, which wasmfuzz implements" for p in sorted(named & IMPLEMENTED)]
    assert not problems, f"{name}: {report.summary()}\n" + "\n".join(problems)
    if report.skipped and not report.passed:
        pytest.skip(f"needs {', '.join(sorted(named))}")


def test_skip_reasons_are_read_back():
    o = wast.Outcome(3, "module", wast.SKIPPED, "needs the gc, function-references proposals, which are off")
    assert skip_proposals(o) == {"gc", "function-references"}
    o = wast.Outcome(4, "assert_return", wast.SKIPPED, "invoke 'f': v128 values need the simd proposal, which is off")
    assert skip_proposals(o) == {"simd"}
    assert skip_proposals(wast.Outcome(5, "action", wast.SKIPPED, "invoke 'f': module at line 3 was skipped")) == set()
    with pytest.raises(ValueError):
        skip_proposals(wast.Outcome(6, "module", wast.SKIPPED, "something else"))


def test_missing_proposals_names_what_a_module_needs(tmp_path):
    wat = tmp_path / "m.wat"
    wat.write_text("(module (type (struct (field i32))))")
    wasm = tmp_path / "m.wasm"
    assert wast._wasm_tools("parse", wat, "-o", wasm).returncode == 0
    assert wast.missing_proposals(wasm, PRE_GC) == ("gc",)
    assert wast.missing_proposals(wasm, ALL_OURS) == ()
    wat.write_text("(module (memory i64 1))")
    assert wast._wasm_tools("parse", wat, "-o", wasm).returncode == 0
    assert wast.missing_proposals(wasm, WASM2) == ("memory64",)
    assert wast.missing_proposals(wasm, ALL_OURS) == ()
