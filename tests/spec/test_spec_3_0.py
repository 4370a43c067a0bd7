"""The WebAssembly 3.0 spec suite (and the 2.0 suite's SIMD scripts) on wasmfuzz.runtime.

One pytest item per file: every ``simd_*.wast`` of the 2.0 suite, and every
script at the top of the 3.0 suite, run with the proposals a default
``Config`` turns on (``DEFAULTS``: SIMD, relaxed SIMD, memory64,
multi-memory, threads, tail calls, extended-const, wide arithmetic, typed
function references, exception handling, GC). Every command must pass,
none may be skipped. The relaxed files accept each result the proposal
allows (``either``), so they run twice, in Wasmtime's native x86-64 mode
and in its deterministic one (``Config.wasm_relaxed_simd_deterministic``).
Scripts that use tables or function references also run in the eager
table mode, the reference semantics lazy initialisation is checked against.

Commands wasmfuzz is known to fail would be listed in ``KNOWN_FAILURES``
with the reason; there are none.
"""

from __future__ import annotations

import pytest
from test_spec import SUITE, _problems
from wasmfuzz.runtime.binary.features import DEFAULTS, WASM2

from wasmfuzz.cli import wast

SUITE3 = SUITE.parent / "spec-testsuite-3.0"
KNOWN_FAILURES: dict[str, dict[int, str]] = {}
# Scripts whose modules hold tables or function references: run in both table modes.
_TABLE_WORDS = ("table", "elem", "call_indirect", "call_ref", "ref_", "br_on_", "func", "linking", "imports",
                "local_init", "try_table", "throw", "type-", "array_init_elem", "array_new_elem")


def _scripts() -> list:
    found = [("2.0", p.name) for p in sorted(SUITE.glob("simd_*.wast"))]
    found += [("3.0", p.name) for p in sorted(SUITE3.glob("*.wast"))]
    if not found:
        why = f"spec suites not found at {SUITE}"
        return [pytest.param(None, None, None, None, marks=pytest.mark.skip(reason=why))]
    params = []
    for suite, name in found:
        modes = [(False, True)]
        if "relaxed" in name:
            modes.append((True, True))
        if suite == "3.0" and any(word in name for word in _TABLE_WORDS):
            modes.append((False, False))
        params += [pytest.param(suite, name, det, lazy, id=f"{suite}/{name}{'/deterministic' if det else ''}"
                                f"{'' if lazy else '/eager'}") for det, lazy in modes]
    return params


@pytest.mark.parametrize("suite,name,deterministic,lazy", _scripts())
def test_script(suite, name, deterministic, lazy):
    import wasmfuzz.runtime as api

    features = WASM2.with_(simd=True) if suite == "2.0" else DEFAULTS
    path = (SUITE if suite == "2.0" else SUITE3) / name
    report = wast.run_wast(path, api, features, config_options={"wasm_relaxed_simd_deterministic": deterministic,
                                                                 "table_lazy_init": lazy})
    problems = _problems(report, KNOWN_FAILURES.get(f"{suite}/{name}", {}))
    assert not problems, f"{suite}/{name}: {report.summary()}\n" + "\n".join(problems)
