"""The SIMD, relaxed SIMD and tail-call scripts of the spec suites on wasmfuzz.runtime.

One pytest item per file: every ``simd_*.wast`` of the 2.0 suite, and every
SIMD, relaxed SIMD and tail-call file at the top of the 3.0 suite
(``simd_*``, ``relaxed_*``, ``*_relaxed_*``, ``return_call.wast``,
``return_call_indirect.wast``; ``return_call_ref`` needs typed function
references), each requiring every command to pass. The
relaxed files accept each result the proposal allows (``either``), so they
run twice, in Wasmtime's native x86-64 mode and in its deterministic one
(``Config.wasm_relaxed_simd_deterministic``). SIMD files in the memory64 and
multi-memory folders run in ``test_spec_proposals``.

Tables play no part in these files, so they run in the default (lazy) mode
only. Commands wasmfuzz is known to fail would be listed in
``KNOWN_FAILURES`` with the reason; there are none.
"""

from __future__ import annotations

import pytest
from test_spec import SUITE, _problems
from wasmfuzz.runtime.binary.features import DEFAULTS, WASM2

from wasmfuzz.cli import wast

SUITE3 = SUITE.parent / "spec-testsuite-3.0"
KNOWN_FAILURES: dict[str, dict[int, str]] = {}


def _is_ours(name: str) -> bool:
    return name.startswith(("simd_", "relaxed_")) or "_relaxed_" in name or \
        name in ("return_call.wast", "return_call_indirect.wast")


def _scripts() -> list:
    found = [("2.0", p.name) for p in sorted(SUITE.glob("simd_*.wast"))]
    found += [("3.0", p.name) for p in sorted(SUITE3.glob("*.wast")) if _is_ours(p.name)]
    if not found:
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"spec test suites not found at {SUITE}"))]
    params = []
    for suite, name in found:
        modes = (False, True) if "relaxed" in name else (False,)
        params += [pytest.param(suite, name, det, id=f"{suite}/{name}{'/deterministic' if det else ''}")
                   for det in modes]
    return params


@pytest.mark.parametrize("suite,name,deterministic", _scripts())
def test_script(suite, name, deterministic):
    import wasmfuzz.runtime as api

    features = WASM2.with_(simd=True) if suite == "2.0" else DEFAULTS
    path = (SUITE if suite == "2.0" else SUITE3) / name
    report = wast.run_wast(path, api, features, config_options={"wasm_relaxed_simd_deterministic": deterministic})
    problems = _problems(report, KNOWN_FAILURES.get(f"{suite}/{name}", {}))
    assert not problems, f"{suite}/{name}: {report.summary()}\n" + "\n".join(problems)
