"""The oracles: values, allowed differences, the lockstep comparison, reports."""

from __future__ import annotations

import pytest
from wasmfuzz.fuzz.calls import call_plan
from wasmfuzz.oracles import PAIRS, Divergence, ExecutionSpec, allowed, capabilities, compare, supports
from wasmfuzz.oracles.outcome import CRASHED, RETURNED, TRAPPED, Outcome
from wasmfuzz.oracles.pairs import WASMTIME
from wasmfuzz.oracles.values import Value
from wasmfuzz.runtime.binary.wat import wat2wasm
from wasmfuzz.runtime.vm import libcalls

NAN_BITS = (0x7FC00000, 0x7FC00001, 0xFFC00000, 0x7F800001)


def test_value_keeps_float_bits_and_signed_ints_round_trip():
    assert Value.of("f64", -0.0).bits == 0x8000000000000000
    assert Value.of("i32", -1) == Value("i32", 0xFFFFFFFF)
    assert Value("i64", 0xFFFFFFFFFFFFFFFF).to_host() == -1


@pytest.mark.parametrize("a", NAN_BITS)
@pytest.mark.parametrize("b", NAN_BITS)
def test_any_two_nans_are_equal(a, b):
    assert allowed.values_equal(Value("f32", a), Value("f32", b))


def test_zero_signs_differ():
    assert not allowed.values_equal(Value.of("f32", 0.0), Value.of("f32", -0.0))


def test_references_compare_function_index_only_when_both_sides_know_it():
    assert allowed.values_equal(Value("funcref", None, "() -> (i32)", 3), Value("funcref", None, "() -> (i32)"))
    assert not allowed.values_equal(Value("funcref", None, "() -> (i32)", 3), Value("funcref", None, "() -> (i32)", 4))
    assert not allowed.values_equal(Value("funcref", None, "null"), Value("funcref", None, "() -> (i32)"))


def test_stack_exhaustion_poisons_and_a_crash_never_agrees():
    assert allowed.non_deterministic(Outcome(TRAPPED, trap="STACK_OVERFLOW"))
    crash = Outcome(CRASHED, message="TypeError", crash_site="TypeError at x.py:f")
    assert not allowed.outcomes_agree(crash, crash)
    assert not allowed.outcomes_agree(Outcome(TRAPPED, trap="UNREACHABLE"), Outcome(TRAPPED, trap="INTERRUPT"))


def test_disabled_feature_is_unsupported(monkeypatch):
    monkeypatch.setenv("WASMFUZZ_DISABLE", "table_lazy_init")
    capabilities.supports.cache_clear()
    try:
        assert not supports("table_lazy_init")
    finally:
        monkeypatch.delenv("WASMFUZZ_DISABLE")
        capabilities.supports.cache_clear()


def test_unknown_setting_probes_as_unsupported(monkeypatch):
    monkeypatch.setitem(capabilities.PROBES, "teleport", ({"wasm_teleport": True}, ("", ())))
    assert not capabilities.supports.__wrapped__("teleport")


WAT = """(module
  (memory (export "mem") 1)
  (global (export "g") (mut i32) (i32.const 0))
  (table (export "t") 2 funcref)
  (func $f (result i32) (i32.const 7))
  (elem (i32.const 1) $f)
  (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "fill") (param i32) (memory.fill (local.get 0) (i32.const 255) (i32.const 4))
    (global.set 0 (local.get 0))))"""


def test_same_module_agrees_on_every_available_pair():
    verdict = compare(wat2wasm(WAT), ExecutionSpec(), list(PAIRS.values()), call_plan(bytes(range(64)), 3))
    assert WASMTIME.name in verdict.compared and verdict.steps == 6
    assert not verdict.poisoned
    assert set(verdict.compared) | set(verdict.skipped) == set(PAIRS)


def test_wrong_trap_code_is_reported_with_pair_step_and_both_sides(monkeypatch):
    def div_u(a, b):
        if b == 0:
            libcalls.trap(6)
        return a // b
    monkeypatch.setitem(libcalls.LIBCALLS, "_i32_div_u", div_u)
    with pytest.raises(Divergence) as info:
        compare(wat2wasm(WAT), ExecutionSpec(), [WASMTIME], lambda exports: [_call("div", 1, 0)])
    d = info.value
    assert (d.pair, d.aspect, d.reference, d.candidate) == (WASMTIME.name, "outcome", "wasmtime", "wasmfuzz")
    assert d.kind == "trap INTEGER_DIVISION_BY_ZERO vs trap INTEGER_OVERFLOW"
    assert "call 1: div(i32:1, i32:0)" in d.report()


def test_memory_difference_names_the_first_differing_byte(monkeypatch):
    def fill(m, d, val, n):
        m[d:d + n] = bytes([val & 0xFE]) * n
    monkeypatch.setitem(libcalls.LIBCALLS, "_memory_fill", fill)
    with pytest.raises(Divergence) as info:
        compare(wat2wasm(WAT), ExecutionSpec(), [WASMTIME], lambda exports: [_call("fill", 100)])
    assert info.value.aspect == "memory 'mem'" and "at 100:" in info.value.expected


def test_outcome_text():
    assert str(Outcome(RETURNED, (Value("i32", 1),), fuel_consumed=3)) == "returned [i32:1] (fuel consumed 3)"


def _call(name, *ints):
    from wasmfuzz.oracles.compare import Call
    return Call(name, tuple(Value("i32", i) for i in ints))


def test_engine_crashing_while_state_is_read_is_a_divergence(monkeypatch):
    from wasmfuzz.runtime import Table

    def broken_get(self, store, idx):
        raise KeyError(idx)
    monkeypatch.setattr(Table, "get", broken_get)
    with pytest.raises(Divergence) as info:
        compare(wat2wasm(WAT), ExecutionSpec(), [WASMTIME], lambda exports: [])
    assert info.value.aspect == "reading tables" and info.value.kind.startswith("crashed (KeyError")
