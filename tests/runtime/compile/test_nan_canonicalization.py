"""Config.cranelift_nan_canonicalization, bit for bit against wasmtime-py.

Every float instruction is wrapped in a function taking and returning raw
bits (reinterpret at both ends), so no float crosses the API and the NaN
payloads and signs compared are exactly what the instruction made. Wasmtime
configured the same way is asked for every expected pattern.
"""

import itertools

import pytest
import wasmtime
from wasmfuzz import runtime as wf

F32_INPUTS = (0x7FC00000, 0xFFC00000, 0x7FC00001, 0xFFA00005, 0x7F800001, 0xFF812345, 0x3F800000, 0x80000000,
              0x7F800000, 0xFF800000, 0x00000001)
F64_INPUTS = (0x7FF8000000000000, 0xFFF8000000000000, 0x7FF8000000000001, 0xFFF4000000000123,
              0x7FF0000000000001, 0x3FF0000000000000, 0x8000000000000000, 0x7FF0000000000000,
              0xFFF0000000000000)

BINARY = ("add", "sub", "mul", "div", "min", "max", "copysign")
UNARY = ("sqrt", "ceil", "floor", "trunc", "nearest", "neg", "abs")


def _bits(w: str) -> tuple[str, str]:
    return ("i32", "i32") if w == "f32" else ("i64", "i64")


def _module() -> tuple[str, list[tuple[str, tuple[int, ...]]]]:
    """A module of one function per instruction and the calls to make."""
    funcs, calls = [], []
    for w, inputs in (("f32", F32_INPUTS), ("f64", F64_INPUTS)):
        i, _ = _bits(w)
        for name in BINARY:
            funcs.append(f'(func (export "{w}.{name}") (param {i} {i}) (result {i}) ({i}.reinterpret_{w} '
                         f'({w}.{name} ({w}.reinterpret_{i} (local.get 0)) ({w}.reinterpret_{i} (local.get 1)))))')
            calls += [(f"{w}.{name}", pair) for pair in itertools.product(inputs, repeat=2)]
        for name in UNARY:
            funcs.append(f'(func (export "{w}.{name}") (param {i}) (result {i}) ({i}.reinterpret_{w} '
                         f'({w}.{name} ({w}.reinterpret_{i} (local.get 0)))))')
            calls += [(f"{w}.{name}", (x,)) for x in inputs]
    funcs.append('(func (export "f32.demote_f64") (param i64) (result i32) '
                 '(i32.reinterpret_f32 (f32.demote_f64 (f64.reinterpret_i64 (local.get 0)))))')
    funcs.append('(func (export "f64.promote_f32") (param i32) (result i64) '
                 '(i64.reinterpret_f64 (f64.promote_f32 (f32.reinterpret_i32 (local.get 0)))))')
    # A NaN kept in memory or a local is not an arithmetic result: left alone.
    funcs.append('(memory 1) (func (export "f32.load") (param i32) (result i32) (i32.store (i32.const 0) '
                 '(local.get 0)) (i32.reinterpret_f32 (f32.load (i32.const 0))))')
    calls += [("f32.demote_f64", (x,)) for x in F64_INPUTS]
    calls += [("f64.promote_f32", (x,)) for x in F32_INPUTS]
    calls += [("f32.load", (x,)) for x in F32_INPUTS]
    return "(module " + "\n".join(funcs) + ")", calls


WAT, CALLS = _module()


def _signed(v: int, bits: int) -> int:
    return v - (1 << bits) if v >> (bits - 1) else v


def _results(api, canonicalize: bool) -> dict:
    config = api.Config()
    config.cranelift_nan_canonicalization = canonicalize
    engine = api.Engine(config)
    store = api.Store(engine)
    exports = api.Instance(store, api.Module(engine, WAT), []).exports(store)
    out = {}
    for name, args in CALLS:
        bits = 64 if name.startswith("f64") or name == "f32.demote_f64" else 32
        signed = [_signed(a, bits) for a in args]
        out[name, args] = exports[name](store, *signed) & ((1 << (32 if name.startswith("f32") else 64)) - 1)
    return out


@pytest.fixture(scope="module")
def expected():
    return _results(wasmtime, True)


@pytest.fixture(scope="module")
def ours():
    return _results(wf, True)


@pytest.mark.parametrize("name", sorted({c[0] for c in CALLS}))
def test_bits_match_wasmtime_with_canonicalization(expected, ours, name):
    wrong = {k: (hex(ours[k]), hex(v)) for k, v in expected.items() if k[0] == name and ours[k] != v}
    assert wrong == {}


def test_canonicalization_changes_payloads_it_would_otherwise_keep():
    # Without the setting, wasmfuzz propagates an input NaN's payload (the spec allows any
    # arithmetic NaN); with it, the same call gives the canonical NaN, as Wasmtime's does.
    off = _results(wf, False)
    on = _results(wf, True)
    assert off["f32.add", (0x7FC00001, 0x3F800000)] == 0x7FC00001
    assert on["f32.add", (0x7FC00001, 0x3F800000)] == 0x7FC00000
    assert off["f64.neg", (0x7FF8000000000001,)] == on["f64.neg", (0x7FF8000000000001,)] == 0xFFF8000000000001


def test_setting_is_a_code_generation_option_modules_do_not_share_across():
    plain = wf.Module(wf.Engine(), WAT)
    config = wf.Config()
    config.cranelift_nan_canonicalization = True
    canon = wf.Module(wf.Engine(config), WAT, shared_with=plain)
    results = []
    for module in (plain, canon):
        store = wf.Store(module.engine)
        add = wf.Instance(store, module, []).exports(store)["f32.add"]
        results.append(add(store, 0x7FC00001, 0x3F800000))
    assert results == [0x7FC00001, 0x7FC00000]


def test_non_bool_setting_is_refused():
    with pytest.raises(TypeError):
        wf.Config().cranelift_nan_canonicalization = 1
