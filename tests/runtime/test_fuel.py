"""Fuel: the same consumption and the same out-of-fuel outcome as Wasmtime.

Each program runs on wasmfuzz and on wasmtime-py at every fuel budget from 0
to a little past what it needs, and at a few large ones. For every budget the
two must agree on the outcome (returned values, OUT_OF_FUEL, or another
trap's code) and, after a normal return, on the fuel left. After any other
trap Wasmtime does not promise how much fuel was written back (costs since
its last save point are lost), so fuel is compared only after normal returns.
"""

from __future__ import annotations

import subprocess

import pytest
import wasmfuzz.runtime as wf
from wasmfuzz.runtime.binary.wat import wasm_tools

wasmtime = pytest.importorskip("wasmtime")


def run(api, wasm: bytes, fuel: int, calls, host=True):
    config = api.Config()
    config.consume_fuel = True
    engine = api.Engine(config)
    store = api.Store(engine)
    store.set_fuel(fuel)
    module = api.Module(engine, wasm)
    imports = []
    box = {}
    for imp in module.imports:
        # One host import shape: "env" "h" (param i32) (result i32), calling back into "reenter".
        def h(x):
            return box["reenter"](store, x) if x > 0 else 7
        imports.append(api.Func(store, imp.type, h))
    try:
        instance = api.Instance(store, module, imports)
    except api.Trap as t:  # a start function can run out of fuel too
        return [("instantiate", t.trap_code.name)]
    ex = instance.exports(store)
    if "reenter" in ex:
        box["reenter"] = ex["reenter"]
    out = []
    for name, args in calls:
        try:
            out.append(("ok", ex[name](store, *args), store.get_fuel()))
        except api.Trap as t:
            out.append(("trap", t.trap_code.name))
    return out


PROGRAMS = {
    "loop": ("""(module (func (export "f") (param i32) (result i32) (local i32)
        (loop $l (local.set 1 (i32.add (local.get 1) (local.get 0)))
          (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
        (local.get 1)))""", [("f", (5,))]),
    "calls": ("""(module
        (func $leaf (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
        (func $mid (param i32) (result i32) (call $leaf (call $leaf (local.get 0))))
        (func (export "f") (param i32) (result i32) (i32.add (call $mid (local.get 0)) (call $leaf (i32.const 1)))))""",
              [("f", (2,)), ("f", (3,))]),
    "indirect_and_br_table": ("""(module (type $t (func (param i32) (result i32)))
        (table 3 funcref) (elem (i32.const 0) $a $b $a)
        (func $a (type $t) (i32.add (local.get 0) (i32.const 1)))
        (func $b (type $t) (block $x (block $y (br_table $x $y $x (local.get 0)))
                                     (return (i32.const 20))) (i32.const 10))
        (func (export "f") (param i32) (result i32)
          (call_indirect (type $t) (local.get 0) (local.get 0))))""", [("f", (0,)), ("f", (1,)), ("f", (2,))]),
    "bulk_memory": ("""(module (memory 1 3) (data $d "0123456789")
        (func (export "f") (param i32) (result i32)
          (memory.fill (i32.const 0) (i32.const 7) (local.get 0))
          (memory.fill (i32.const 100) (i32.const 8) (i32.const 129))
          (memory.fill (i32.const 300) (i32.const 9) (i32.const 128))
          (memory.copy (i32.const 1000) (i32.const 0) (local.get 0))
          (memory.init $d (i32.const 2000) (i32.const 2) (i32.const 5))
          (drop (memory.grow (i32.const 1)))
          (drop (memory.grow (local.get 0)))
          (i32.load8_u (i32.const 1000))))""", [("f", (3,)), ("f", (0,))]),
    "const_through_locals": ("""(module (memory 1)
        (func (export "f") (param i32) (local i32 i32)
          (local.set 1 (i32.const 5))
          (memory.fill (i32.const 0) (i32.const 1) (local.get 1))
          (if (local.get 0) (then (local.set 2 (i32.const 5))) (else (local.set 2 (i32.const 5))))
          (memory.fill (i32.const 0) (i32.const 1) (local.get 2))
          (loop $l (memory.fill (i32.const 0) (i32.const 1) (local.get 1))
            (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))))""", [("f", (2,))]),
    "tables": ("""(module (table $t 2 20 funcref) (elem declare func $g) (func $g)
        (func (export "f") (param i32) (result i32)
          (table.fill $t (i32.const 0) (ref.func $g) (i32.const 2))
          (drop (table.grow $t (ref.null func) (local.get 0)))
          (drop (table.grow $t (ref.null func) (i32.const 100)))
          (table.copy $t $t (i32.const 0) (i32.const 1) (i32.const 1))
          (table.size $t)))""", [("f", (3,))]),
    "failing_grows": ("""(module (memory 1 2) (table 1 10 funcref)
        (func (export "f") (param i32) (result i32)
          (drop (memory.grow (i32.const 5)))
          (drop (memory.grow (local.get 0)))
          (drop (memory.grow (i32.const 200)))
          (drop (table.grow (ref.null func) (i32.const 50)))
          (drop (table.grow (ref.null func) (local.get 0)))
          (table.grow (ref.null func) (i32.const 3))))""", [("f", (50,)), ("f", (1,))]),
    "computed_grow": ("""(module (memory 34)
        (func (export "f") (param i32) (result i32) (memory.grow (i32.shr_u (local.get 0) (i32.const 16)))))""",
                      [("f", (65536,)), ("f", (0,))]),
    "traps": ("""(module (memory 1)
        (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 10) (local.get 0)))
        (func (export "oob") (param i32) (memory.fill (local.get 0) (i32.const 0) (i32.const 200)))
        (func (export "unreachable") (i32.const 1) (drop) unreachable))""",
              [("div", (0,)), ("div", (2,)), ("oob", (65500,)), ("oob", (0,)), ("unreachable", ())]),
    "host_and_reentry": ("""(module (import "env" "h" (func $h (param i32) (result i32)))
        (func (export "reenter") (param i32) (result i32) (call $h (i32.sub (local.get 0) (i32.const 1))))
        (func (export "f") (param i32) (result i32) (i32.add (call $h (local.get 0)) (i32.const 1))))""",
                         [("f", (3,))]),
}


def needed_fuel(wasm: bytes, calls) -> int:
    big = 10**9
    results = run(wasmtime, wasm, big, calls)
    assert all(r[0] == "ok" or r[1] != "OUT_OF_FUEL" for r in results)
    last_ok = [r for r in results if r[0] == "ok"]
    return big - last_ok[-1][2] if last_ok else 50


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_fuel_matches_wasmtime_at_every_budget(name):
    wat, calls = PROGRAMS[name]
    wasm = wf.wat2wasm(wat)
    total = needed_fuel(wasm, calls)
    for fuel in [*range(0, total + 3), 10**6, 2**40]:
        assert run(wf, wasm, fuel, calls) == run(wasmtime, wasm, fuel, calls), f"fuel={fuel}"


def smith_module(seed: bytes) -> bytes | None:
    args = [wasm_tools(), "smith", "--ensure-termination", "--min-funcs", "1", "--export-everything", "true",
            "--max-imports", "0", "--simd-enabled", "false", "--relaxed-simd-enabled", "false",
            "--threads-enabled", "false", "--tail-call-enabled", "false", "--gc-enabled", "false",
            "--exceptions-enabled", "false", "--memory64-enabled", "false", "--max-memories", "1",
            "--extended-const-enabled", "false", "--wide-arithmetic-enabled", "false",
            "--custom-page-sizes-enabled", "false", "--max-memory32-bytes", str(10 << 16),
            "--memory-max-size-required", "true", "--max-table-elements", "1000",
            "--table-max-size-required", "true", "--canonicalize-nans", "true"]
    proc = subprocess.run(args, input=seed, capture_output=True)
    return proc.stdout if proc.returncode == 0 else None


def default_calls(api, wasm: bytes):
    module = api.Module(api.Engine(), wasm)
    calls = []
    for e in module.exports:
        if isinstance(e.type, api.FuncType):
            params = [0.0 if str(p) in ("f32", "f64") else (None if "ref" in str(p) else 1) for p in e.type.params]
            calls.append((e.name, tuple(params)))
    return calls


@pytest.mark.parametrize("seed", range(60))
def test_fuel_matches_wasmtime_on_generated_modules(seed):
    import random
    rng = random.Random(seed)
    wasm = smith_module(bytes(rng.getrandbits(8) for _ in range(2000)))
    if wasm is None:
        pytest.skip("wasm-tools smith could not build a module from this seed")
    try:
        calls = default_calls(wasmtime, wasm)
        budgets = [0, 1, 5, 50, 500, 5000, 10**6]
        for fuel in budgets:
            ours = run(wf, wasm, fuel, calls, host=False)
            theirs = run(wasmtime, wasm, fuel, calls, host=False)
            assert ours == theirs, f"fuel={fuel}"
    except wasmtime.WasmtimeError as e:
        pytest.skip(f"wasmtime cannot instantiate this module: {e}")


def test_fuel_api_requires_consume_fuel():
    store = wf.Store()
    with pytest.raises(wf.WasmtimeError, match="fuel is not enabled"):
        store.set_fuel(10)
    with pytest.raises(wf.WasmtimeError, match="fuel is not enabled"):
        store.get_fuel()


def test_a_new_store_has_no_fuel():
    config = wf.Config()
    config.consume_fuel = True
    store = wf.Store(wf.Engine(config))
    assert store.get_fuel() == 0
    f = wf.Instance(store, wf.Module(store.engine, '(module (func (export "f")))'), []).exports(store)["f"]
    with pytest.raises(wf.Trap) as info:
        f(store)
    assert info.value.trap_code == wf.TrapCode.OUT_OF_FUEL
    assert "all fuel consumed by WebAssembly" in str(info.value)
