"""Modules that keep NaN payloads (made without smith's NaN canonicalisation):
float values judged by the spec's NaN rules (``allowed.both_nan``), and a
difference elsewhere standing only if it remains with NaN canonicalisation
on both engines (``allowed.nan_bits_may_explain``, ``TestCase.check``)."""

from __future__ import annotations

import pytest
from wasmfuzz.fuzz.case import TestCase
from wasmfuzz.oracles import Divergence, ExecutionSpec, allowed
from wasmfuzz.oracles.pairs import WASMTIME
from wasmfuzz.oracles.values import Value
from wasmfuzz.runtime.binary.wat import wat2wasm

QUIET = (0x7FC00000, 0x7FC00001, 0xFFC00000, 0xFFFFFFFF)


@pytest.mark.parametrize("a", QUIET)
@pytest.mark.parametrize("b", QUIET)
def test_arithmetic_nans_agree_whatever_their_sign_and_payload(a, b):
    assert allowed.values_equal(Value("f32", a), Value("f32", b))


def test_a_signalling_nan_agrees_only_with_its_own_bits_up_to_the_sign():
    snan = Value("f64", 0x7FF0000000000001)
    assert allowed.values_equal(snan, Value("f64", 0xFFF0000000000001))  # copysign from a free sign
    assert not allowed.values_equal(snan, Value("f64", 0x7FF8000000000001))  # quieted: arithmetic touched it
    assert not allowed.values_equal(snan, Value("f64", 0x7FF0000000000002))
    assert not allowed.values_equal(Value("f32", 0x7FA00000), Value("f32", 0x7FC00000))


# Wasmtime (x86-64) keeps the first NaN operand's payload, wasmfuzz the second's: both are the spec's.
ADD_OF_TWO_NANS = "(f32.add (f32.const nan:0x400001) (f32.const nan:0x400002))"


def _case(body: str, result: str, nans_canonical: bool) -> TestCase:
    wasm = wat2wasm(f'(module (func (export "f") (result {result}) {body}))')
    return TestCase(wasm, ExecutionSpec(), (WASMTIME.name,), nans_canonical=nans_canonical)


def test_free_nan_bits_moved_into_an_integer_are_not_a_finding_in_a_module_that_keeps_payloads():
    laundered = f"(i32.reinterpret_f32 {ADD_OF_TWO_NANS})"
    with pytest.raises(Divergence):  # a smith-canonicalised module never makes such a NaN: a finding
        _case(laundered, "i32", nans_canonical=True).check()
    verdict = _case(laundered, "i32", nans_canonical=False).check()
    assert "NaNs keep their free bits" in verdict.poisoned[WASMTIME.name]


def test_a_difference_that_remains_with_canonical_nans_is_still_a_finding():
    from wasmfuzz.runtime.vm.libcalls import LIBCALLS
    with pytest.MonkeyPatch.context() as mp:
        right = LIBCALLS["_i32_rem_s"]
        mp.setitem(LIBCALLS, "_i32_rem_s", lambda a, b: right(a, b) ^ 1)
        with pytest.raises(Divergence):
            _case(f"(i32.rem_s (i32.reinterpret_f32 {ADD_OF_TWO_NANS}) (i32.const 7))", "i32",
                  nans_canonical=False).check()


def test_float_results_are_judged_by_the_nan_rule_alone():
    assert _case(ADD_OF_TWO_NANS, "f32", nans_canonical=False).check().poisoned == {}
    d = Divergence("p", "a", "b", "call 1", "outcome", "returned [f32:nan(0x7fa00000)]",
                   "returned [f32:nan(0x7fe00000)]")
    assert not allowed.nan_bits_may_explain(d)
    assert allowed.nan_bits_may_explain(Divergence("p", "a", "b", "call 1", "memory 'm'", "at 0: 01", "at 0: 02"))
    assert not allowed.nan_bits_may_explain(Divergence("p", "a", "b", "call 1", "outcome", "returned []",
                                                       "crashed: IndexError", "crashed (IndexError at x)"))


def test_the_setting_is_saved_with_the_case():
    case = _case(ADD_OF_TWO_NANS, "f32", nans_canonical=False)
    assert TestCase.from_json(case.to_json(), case.wasm) == case
    assert TestCase.from_json(case.with_wasm(case.wasm).to_json(), case.wasm).nans_canonical is False
    assert "nans_canonical" not in _case(ADD_OF_TWO_NANS, "f32", nans_canonical=True).to_json()
