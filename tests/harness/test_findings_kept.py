"""A kind of divergence met often does not hide new ones: past KEEP_PER_KIND
findings of one signature, a finding is still saved when it diverged
somewhere else (instantiation vs a call) or under other configurations."""

from wasmfuzz.fuzz import findings
from wasmfuzz.fuzz.case import TestCase
from wasmfuzz.oracles import Divergence, ExecutionSpec
from wasmfuzz.runtime.binary.wat import wat2wasm


def _divergence(step: str, candidate: str) -> Divergence:
    return Divergence("wasmfuzz vs wasmtime", "wasmtime[fuel=7]", candidate, step, "outcome",
                      "returned []", "trapped OUT_OF_FUEL", "returned vs trap OUT_OF_FUEL")


def test_known_signature_still_saves_a_new_variant(tmp_path):
    saved = []
    for k in range(findings.KEEP_PER_KIND + 2):  # same signature, same variant: only KEEP_PER_KIND kept
        case = TestCase(wat2wasm(f"(module (global i32 (i32.const {k})))"), ExecutionSpec(), ("wasmfuzz vs wasmtime",))
        saved.append(findings.save(tmp_path, "fuel", case, _divergence("instantiation", f"wasmfuzz[fuel={k}]")))
    assert [p is not None for p in saved] == [True] * findings.KEEP_PER_KIND + [False, False]
    case = TestCase(wat2wasm("(module (func))"), ExecutionSpec(), ("wasmfuzz vs wasmtime",))
    during_call = _divergence("call 3: f0()", "wasmfuzz[fuel=9]")
    assert during_call.signature == _divergence("instantiation", "x").signature
    assert findings.save(tmp_path, "fuel", case, during_call) is not None
    other = TestCase(wat2wasm("(module (func) (func))"), ExecutionSpec(), ("wasmfuzz vs wasmtime",))
    assert findings.save(tmp_path, "fuel", other, _divergence("call 1: f1()", "wasmfuzz[fuel=2]")) is None
    assert findings.count(tmp_path, "fuel") == findings.KEEP_PER_KIND + 1
