"""Every cap in ``smith.CAPS`` is passed by a small share of inputs, smith
really makes modules past each one, and a past-cap module reaches the
oracles (issue 17: sparse data after 1 MiB was never generated)."""

from __future__ import annotations

import random

import pytest

from wasmfuzz.fuzz import smith
from wasmfuzz.fuzz.case import TestCase
from wasmfuzz.fuzz.source import Unstructured
from wasmfuzz.oracles import Divergence
from wasmfuzz.oracles.pairs import WASMTIME
from wasmfuzz.oracles.spec import ExecutionSpec
from wasmfuzz.runtime.binary.decode import decode_module
from wasmfuzz.runtime.binary.opcodes import BLOCK, END, IF, LOOP
from wasmfuzz.runtime.compile import init_plan

SPEC = ExecutionSpec("wasmfuzz", frozenset({"multi_memory"}), None, False, None, None)


def _options(src) -> dict[str, int]:
    """Every numeric smith option the generators draw for one input (tables
    and imports on, so that every cap is drawn)."""
    opts = smith.proposals(SPEC, src) + smith.swarm(src, tables=False) + \
        smith.differential_restrictions(src, imports=True)
    out = {}
    for opt in opts:
        name, _, value = opt.lstrip("-").partition("=")
        if value.isdigit():
            out[name] = int(value)
    return out


def test_every_cap_is_passed_by_a_small_share_of_inputs():
    rng = random.Random(17)
    draws = 4000
    past = {name: 0 for name in smith.CAPS}
    for _ in range(draws):
        opts = _options(Unstructured(bytes(rng.getrandbits(8) for _ in range(200))))
        for name, cap in smith.CAPS.items():
            assert name in opts, f"{name} is in CAPS but never drawn"
            past[name] += opts[name] > cap.usual[1]
    for name, n in past.items():
        share = 100 * n / draws
        assert 0.5 <= share <= 2 * smith.PAST_CAP_PERCENT, f"{name}: {share:.2f}% of inputs go past it"


def test_an_exhausted_input_stays_under_every_cap():
    opts = _options(Unstructured(b""))
    assert all(opts[name] <= cap.usual[1] for name, cap in smith.CAPS.items())


def _nesting(code) -> int:
    depth = deepest = 0
    for instr in code:
        if instr[0] in (BLOCK, LOOP, IF):
            depth += 1
            deepest = max(deepest, depth)
        elif instr[0] == END:
            depth -= 1
    return deepest


def _measures(wasm: bytes) -> dict[str, int]:
    info = decode_module(wasm, _features())
    mems = info.memory_sigs()
    data_at = [init_plan._const_offset(d.offset) or 0 for d in info.datas if d.mode == "active"]
    return {
        "memory pages": max((m.max or m.min for m in mems), default=0),
        "data above 1 MiB": sum(1 for o in data_at if o >= 0x100000),
        "funcs": len(info.funcs),
        "instructions": max((len(b.code) for b in info.code), default=0),
        "nesting": max((_nesting(b.code) for b in info.code), default=0),
        "globals": len(info.globals),
        "data segments": len(info.datas),
        "element segments": len(info.elems),
        "table elements": max((t.sig.max or t.sig.min for t in info.tables), default=0),
    }


def _features():
    from wasmfuzz import runtime
    config = runtime.Config()
    config.wasm_multi_memory = True
    return runtime.Engine(config).features


# What each cap bounds, as read back from the module, and the usual bound.
_USUAL = {"memory pages": 10, "funcs": 30, "instructions": 100 + 2, "nesting": 10 + 1, "globals": 10 + 1,
          "data segments": 8, "element segments": 4, "table elements": 1000}
# Not here: items per element segment. Smith keeps segments short whatever
# --max-elements says, and panics on --min-elements ("max >= min"), so that
# cap is raised but a module past it is rare (see smith.CAPS).


def test_smith_makes_modules_past_every_cap(monkeypatch):
    """With every input past every cap, the modules really are bigger than
    the usual caps allow, and some carry data far above 1 MiB. (Instruction
    and nesting counts allow for the prologue --ensure-termination adds.)"""
    monkeypatch.setattr(smith, "PAST_CAP_PERCENT", 100)
    rng = random.Random(1)
    seen = {name: 0 for name in [*_USUAL, "data above 1 MiB"]}
    for _ in range(40):
        try:
            wasm = smith.module(Unstructured(bytes(rng.getrandbits(8) for _ in range(20000))), SPEC)
        except smith.SmithFailed:
            continue
        m = _measures(wasm)
        for name, bound in _USUAL.items():
            seen[name] = max(seen[name], m[name] - bound)
        seen["data above 1 MiB"] += m["data above 1 MiB"]
    assert all(v > 0 for v in seen.values()), seen


SPARSE = """(module
  (memory (export "mem") 17 17)
  (data (i32.const 0x100000) "x")
  (func (export "peek") (result i32) (i32.load8_u (i32.const 0x100000))))"""


def _sparse_case(fuel: int) -> TestCase:
    from wasmfuzz.runtime.binary.wat import wat2wasm
    return TestCase(wat2wasm(SPARSE), SPEC.with_(features=frozenset(), fuel=fuel), (WASMTIME.name,))


def test_sparse_data_after_a_stack_reaches_the_oracles():
    verdict = _sparse_case(fuel=0).check()
    assert WASMTIME.name in verdict.compared


def test_the_oracles_see_the_old_sparse_image_decision(monkeypatch):
    """Planted: the image decision of before issue 17 (no image for data
    after 1 MiB, so every byte is charged at instantiation) is a divergence
    on the past-cap shape with budgets under its charge of 3: instantiation
    runs out of fuel on wasmfuzz only. (Fuel is set again before each call,
    so what instantiation charged is seen only when it runs out.)"""
    monkeypatch.setattr(init_plan, "_static_images", lambda info, dense: None)
    for fuel in (0, 2):
        with pytest.raises(Divergence):
            _sparse_case(fuel).check()


def test_past_every_cap_at_once_smith_still_accepts_the_options(monkeypatch):
    """No option is given twice (smith refuses that) and smith never panics
    (RuntimeError) however many caps are passed; it may decline a seed."""
    monkeypatch.setattr(smith, "PAST_CAP_PERCENT", 100)
    rng = random.Random(5)
    for k in range(12):
        src = Unstructured(bytes(rng.getrandbits(8) for _ in range(200)))
        opts = smith.proposals(SPEC, src) + smith.swarm(src, tables=k % 2 == 0) + \
            smith.differential_restrictions(src, imports=k % 3 == 0)
        names = [o.split("=")[0] for o in opts if o.startswith("--")]
        assert len(names) == len(set(names)), sorted(names)
        try:
            smith.smith(bytes(rng.getrandbits(8) for _ in range(8000)), opts)
        except smith.SmithFailed:
            pass
