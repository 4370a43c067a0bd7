"""NaN canonicalization in the harness: a spec setting both engines of a pair
get, under which float results are compared bit for bit, NaNs included."""

from __future__ import annotations

import pytest
from wasmfuzz.fuzz.source import Unstructured
from wasmfuzz.fuzz.toggles import draw_spec
from wasmfuzz.oracles import Divergence, ExecutionSpec, allowed, compare
from wasmfuzz.oracles.compare import Call
from wasmfuzz.oracles.outcome import RETURNED, Outcome
from wasmfuzz.oracles.pairs import LAZY_VS_EAGER, WASMTIME
from wasmfuzz.oracles.values import Value
from wasmfuzz.runtime.binary.values import f32_from_bits
from wasmfuzz.runtime.binary.wat import wat2wasm
from wasmfuzz.runtime.vm import libcalls

WAT = '(module (func (export "min") (param f32) (result f32) (f32.min (local.get 0) (f32.const 1))))'
NAN_CALL = [Call("min", (Value("f32", 0x7FC00000),))]
PAYLOAD_NAN = f32_from_bits(0x7FC00001)


def _returned(bits: int) -> Outcome:
    return Outcome(RETURNED, (Value("f32", bits),))


def test_payloads_differ_freely_unless_both_canonicalize():
    a, b = _returned(0x7FC00000), _returned(0xFFC00001)
    assert allowed.outcomes_agree(a, b)
    assert not allowed.outcomes_agree(a, b, canonical_nans=True)
    assert allowed.outcomes_agree(a, _returned(0x7FC00000), canonical_nans=True)


def test_both_sides_of_every_pair_get_the_setting():
    base = ExecutionSpec(nan_canonicalization=True)
    for pair in (WASMTIME, LAZY_VS_EAGER):
        ref, cand = pair.reference(base), pair.candidate(base)
        assert ref.settings()["cranelift_nan_canonicalization"] is True
        assert cand.settings()["cranelift_nan_canonicalization"] is True
        assert allowed.nans_compared_exactly(ref, cand)
    assert "cranelift_nan_canonicalization" not in ExecutionSpec().settings()
    assert not allowed.nans_compared_exactly(base, ExecutionSpec())
    assert ExecutionSpec.from_dict(base.as_dict()) == base and "canonical-nans" in base.name


def test_toggles_draw_it_at_the_rate_asked():
    drawn = [draw_spec(Unstructured(bytes([i]) * 64), nan_percent=p).nan_canonicalization
             for i in range(256) for p in (0, 100)]
    assert drawn[0::2] == [False] * 256 and drawn[1::2] == [True] * 256


def test_nan_payload_difference_is_allowed_without_canonicalization(monkeypatch):
    monkeypatch.setitem(libcalls.LIBCALLS, "_fmin", lambda a, b: PAYLOAD_NAN)
    verdict = compare(wat2wasm(WAT), ExecutionSpec(), [WASMTIME], lambda exports: NAN_CALL)
    assert verdict.compared == [WASMTIME.name] and verdict.steps == 1


def test_nan_payload_difference_is_reported_with_canonicalization(monkeypatch):
    monkeypatch.setitem(libcalls.LIBCALLS, "_canonical_nan", lambda x: PAYLOAD_NAN if x != x else x)
    with pytest.raises(Divergence) as info:
        compare(wat2wasm(WAT), ExecutionSpec(nan_canonicalization=True), [WASMTIME], lambda exports: NAN_CALL)
    assert info.value.aspect == "outcome"
    assert "0x7fc00000" in info.value.expected and "0x7fc00001" in info.value.actual


def test_canonicalizing_engines_agree_on_nan_bits():
    verdict = compare(wat2wasm(WAT), ExecutionSpec(nan_canonicalization=True), [WASMTIME, LAZY_VS_EAGER],
                      lambda exports: NAN_CALL)
    assert verdict.steps == 1 and not verdict.poisoned
