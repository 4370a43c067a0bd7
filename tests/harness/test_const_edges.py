"""Smith's constants moved to edge values (``fuzz.const_edges``), and the
main job's draws that bring classic engine bugs within its reach."""

from __future__ import annotations

import random

from wasmfuzz.fuzz import const_edges, edges
from wasmfuzz.fuzz.case import TestCase
from wasmfuzz.fuzz.smith import SmithFailed
from wasmfuzz.fuzz.source import Unstructured
from wasmfuzz.fuzz.targets import differential
from wasmfuzz.runtime.binary import opcodes as ops
from wasmfuzz.runtime.binary.decode import decode_module
from wasmfuzz.runtime.binary.features import ALL
from wasmfuzz.runtime.binary.wat import wat2wasm

CONSTS = {ops.I32_CONST: "i32", ops.I64_CONST: "i64", ops.F32_CONST: "f32", ops.F64_CONST: "f64"}
WAT = """(module (global $fuel (mut i32) (i32.const 100)) (memory 1) (data (i32.const 8) "\\01")
  (func (export "f") (result i64)
    (loop
      (global.set $fuel (i32.sub (global.get $fuel) (i32.const 1)))
      (br_if 0 (i32.ne (global.get $fuel) (i32.const 50))))
    (drop (f32.add (f32.const 1.5) (f32.const 2)))
    (drop (f64.const 3))
    (i64.shl (i64.const 5) (i64.const 3)))
  (func (export "g") (result i32) (i32.div_s (i32.const 7) (i32.const 3))))"""


def _smith_case(data: bytes) -> TestCase | None:
    """The main job's smith module for ``data`` (the share of its inputs that
    other targets' generators make is tested in test_fuzz_targets)."""
    try:
        return differential.smith_case(Unstructured(data))
    except SmithFailed:
        return None


def _consts(wasm: bytes) -> list[tuple[int, int]]:
    return [(ins[0], ins[1]) for body in decode_module(wasm, ALL).code for ins in body.code if ins[0] in CONSTS]


def _bits(op: int, imm: int) -> int:
    """The decoder gives float constants as their bits and integers as signed or unsigned values."""
    return imm & (0xFFFFFFFF if op in (ops.I32_CONST, ops.F32_CONST) else 0xFFFFFFFFFFFFFFFF)


def test_every_constant_but_the_fuel_step_moves_to_an_edge_value():
    wasm = wat2wasm(WAT)
    before = _consts(wasm)
    for seed in range(20):
        out = const_edges.rewrite(wasm, random.Random(seed), 1.0)
        after = _consts(out)
        assert [op for op, _ in after] == [op for op, _ in before]
        assert after[0] == before[0] == (ops.I32_CONST, 1)  # global.get; i32.const 1; i32.sub stays
        for op, imm in after[1:]:
            assert _bits(op, imm) in edges.TABLES[CONSTS[op]]
        assert decode_module(out, ALL).datas[0].data == b"\x01"  # the rest of the module is untouched
    assert const_edges.rewrite(wasm, random.Random(0), 0.0) == wasm


def test_rewritten_smith_modules_stay_valid_on_wasmtime():
    import wasmtime
    rng = random.Random(3)
    changed = 0
    for i in range(30):
        case = _smith_case(rng.randbytes(rng.randint(200, 2000)))
        if case is None:
            continue
        out = const_edges.rewrite(case.wasm, random.Random(i), 0.5)
        changed += out != case.wasm
        config = wasmtime.Config()
        for setting, value in case.spec.settings().items():
            if hasattr(config, setting) and setting not in ("table_lazy_init", "allocation_strategy"):
                setattr(config, setting, value)
        wasmtime.Module(wasmtime.Engine(config), out)  # raises if invalid
    assert changed > 5


def test_nan_payload_constants_arrive_bit_for_bit_on_both_engines():
    import wasmtime
    wasm = wat2wasm('(module (func (export "f") (result i32) (i32.reinterpret_f32 (f32.const 0))))')
    seen = set()
    for seed in range(40):
        out = const_edges.rewrite(wasm, random.Random(seed), 1.0)
        (_, bits), = [c for c in _consts(out) if c[0] == ops.F32_CONST]
        store = wasmtime.Store()
        got = wasmtime.Instance(store, wasmtime.Module(store.engine, out), []).exports(store)["f"](store)
        assert got & 0xFFFFFFFF == bits
        seen.add(bits)
    assert any(b & 0x7F800000 == 0x7F800000 and b & 0x7FFFFF and not b & 0x400000 for b in seen)  # an sNaN


def test_the_main_job_imports_functions_that_move_the_epoch_whenever_epochs_are_on(monkeypatch):
    """Smith is asked for imports whenever epochs are on (smith then makes some
    in about half the modules), a quarter of the time otherwise, and never
    for a SIMD module (wasmtime-py cannot take a v128 import)."""
    from wasmfuzz.fuzz import smith
    asked = []
    monkeypatch.setattr(smith, "smith", lambda seed, options: asked.append(options) or wat2wasm("(module)"))
    rng = random.Random(5)
    imports = {"epochs": [], "simd": [], "neither": []}
    for _ in range(400):
        case = _smith_case(rng.randbytes(rng.randint(200, 2000)))
        kind = "simd" if "simd" in case.spec.features else "epochs" if case.spec.epoch_deadline is not None \
            else "neither"
        imports[kind].append("--max-imports=0" not in asked[-1])
    assert imports["epochs"] and all(imports["epochs"])
    assert imports["simd"] and not any(imports["simd"])
    assert 0.15 < sum(imports["neither"]) / len(imports["neither"]) < 0.35


def test_the_main_job_draws_edge_constants_and_nan_payloads_for_a_share_of_inputs():
    rng = random.Random(8)
    cases = [_smith_case(rng.randbytes(rng.randint(200, 2000))) for _ in range(100)]
    kept = [c.nans_canonical for c in cases if c is not None]
    assert 0.05 < kept.count(False) / len(kept) < 0.4
