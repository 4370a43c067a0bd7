"""Tail calls (``return_call``, ``return_call_indirect``): constant Python
stack, the same results, fuel and backtraces as Wasmtime."""

from __future__ import annotations

import pytest
import wasmtime
from wasmfuzz import runtime as rt

EVEN_ODD = '''(module
  (type $t (func (param i64) (result i32)))
  (import "host" "done" (func $done (param i64) (result i32)))
  (table 2 funcref) (elem (i32.const 0) $even $odd)
  (func $even (export "even") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0)) (then (return_call $done (i64.const 1)))
      (else (return_call $odd (i64.sub (local.get 0) (i64.const 1))))))
  (func $odd (export "odd") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 0))
      (else (return_call_indirect (type $t) (i64.sub (local.get 0) (i64.const 1)) (i32.const 0)))))
  (func $plain (export "plain") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 1))
      (else (call $plain (i64.sub (local.get 0) (i64.const 1)))))))'''


def instance(api, wat: str, fuel: int | None = None):
    config = api.Config()
    config.consume_fuel = fuel is not None
    store = api.Store(api.Engine(config))
    if fuel is not None:
        store.set_fuel(fuel)
    done = api.Func(store, api.FuncType([api.ValType.i64()], [api.ValType.i32()]), lambda v: 7)
    return store, api.Instance(store, api.Module(store.engine, wat), [done]).exports(store)


def test_mutual_tail_recursion_runs_in_constant_stack_where_plain_calls_exhaust_it():
    store, exports = instance(rt, EVEN_ODD)
    assert exports["even"](store, 1_000_000) == 7  # direct and indirect tail calls, a host function last
    assert exports["odd"](store, 1_000_001) == 7
    assert exports["even"](store, 3) == 0
    with pytest.raises(rt.Trap) as trap:
        exports["plain"](store, 1_000_000)
    assert trap.value.trap_code == rt.TrapCode.STACK_OVERFLOW


@pytest.mark.parametrize("n", [0, 1, 2, 57, 1000])
def test_results_and_fuel_match_wasmtime(n):
    ours, theirs = instance(rt, EVEN_ODD, 10**9), instance(wasmtime, EVEN_ODD, 10**9)
    for name in ("even", "odd"):
        assert ours[1][name](ours[0], n) == theirs[1][name](theirs[0], n)
        assert ours[0].get_fuel() == theirs[0].get_fuel()


def test_a_tail_call_across_instances_stays_in_constant_stack():
    store = rt.Store()
    first = rt.Instance(store, rt.Module(store.engine, EVEN_ODD), [
        rt.Func(store, rt.FuncType([rt.ValType.i64()], [rt.ValType.i32()]), lambda v: 9)]).exports(store)
    other = rt.Module(store.engine, '''(module (import "m" "odd" (func $odd (param i64) (result i32)))
      (func (export "go") (param i64) (result i32) (return_call $odd (local.get 0))))''')
    go = rt.Instance(store, other, [first["odd"]]).exports(store)["go"]
    assert go(store, 1_000_001) == 9


def test_a_function_that_tail_called_away_leaves_no_frame_as_in_wasmtime():
    wat = '''(module (func $c (unreachable)) (func $b (return_call $c)) (func $a (export "a") (call $b) (nop)))'''
    frames = []
    for api in (rt, wasmtime):
        store = api.Store()
        with pytest.raises(api.Trap) as trap:
            api.Instance(store, api.Module(store.engine, wat), []).exports(store)["a"](store)
        frames.append([(f.func_index, f.func_offset) for f in trap.value.frames])
    assert frames[0] == frames[1] == [(0, 1), (2, 1)]


def test_tail_calls_are_on_by_default_and_can_be_turned_off():
    wat = "(module (func $f (return_call $f)))"
    rt.Module(rt.Engine(), wat)
    config = rt.Config()
    config.wasm_tail_call = False
    with pytest.raises(rt.WasmtimeError):
        rt.Module(rt.Engine(config), wat)
