"""Typed function references against Wasmtime (results, traps, fuel), and
lazy table initialisation keeping its meaning for typed tables."""

from __future__ import annotations

import pytest
import wasmtime
from wasmfuzz import runtime as rt

# Exports take and return numbers only: wasmtime-py 50 aborts the process
# when it is asked the type of a typed reference (oracles.hidden_types).
PROGRAM = '''(module
  (type $ii (func (param i32) (result i32)))
  (type $self (func (param (ref null $self) i32) (result i32)))
  (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
  (func $dbl (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (func $count (type $self) (if (result i32) (i32.eqz (local.get 1)) (then (i32.const 0))
    (else (i32.add (i32.const 1) (call_ref $self (local.get 0) (i32.sub (local.get 1) (i32.const 1))
                                               (local.get 0))))))
  (table $typed 4 (ref null $ii))
  (table $full 3 (ref $ii) (ref.func $dbl))
  (elem (table $typed) (i32.const 1) (ref $ii) (ref.func $inc) (ref.func $dbl))
  (elem declare func $count)
  (func (export "call_ref") (param i32 i32) (result i32)
    (call_ref $ii (local.get 1) (table.get $typed (local.get 0))))
  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect $typed (type $ii) (local.get 1) (local.get 0)))
  (func (export "full") (param i32 i32) (result i32)
    (call_ref $ii (local.get 1) (table.get $full (local.get 0))))
  (func (export "is_null") (param i32) (result i32)
    (block $null (return (drop (br_on_null $null (table.get $typed (local.get 0)))) (i32.const 0)))
    (i32.const 1))
  (func (export "non_null") (param i32) (result i32)
    (call_ref $ii (i32.const 10)
      (block $some (result (ref $ii))
        (br_on_non_null $some (table.get $typed (local.get 0)))
        (return (i32.const -1)))))
  (func (export "as_non_null") (param i32) (result i32)
    (call_ref $ii (i32.const 3) (ref.as_non_null (table.get $typed (local.get 0)))))
  (func (export "recursive") (param i32) (result i32)
    (call_ref $self (ref.func $count) (local.get 0) (ref.func $count))))'''

CALLS = [("call_ref", (1, 5)), ("call_ref", (2, 5)), ("call_ref", (0, 5)), ("indirect", (2, 7)),
         ("indirect", (0, 7)), ("full", (2, 4)), ("is_null", (0,)), ("is_null", (1,)), ("non_null", (2,)),
         ("non_null", (3,)), ("as_non_null", (1,)), ("as_non_null", (3,)), ("recursive", (30,))]


def run(api, name, args, fuel=None, lazy=None):
    config = api.Config()
    config.consume_fuel = fuel is not None
    if lazy is not None:
        config.table_lazy_init = lazy
    store = api.Store(api.Engine(config))
    if fuel is not None:
        store.set_fuel(fuel)
    exports = api.Instance(store, api.Module(store.engine, PROGRAM), []).exports(store)
    try:
        result = exports[name](store, *args)
    except api.Trap as trap:
        result = trap.trap_code.name
    return result, store.get_fuel() if fuel is not None else None


@pytest.mark.parametrize("name,args", CALLS)
def test_results_traps_and_fuel_match_wasmtime(name, args):
    assert run(rt, name, args, fuel=10**6) == run(wasmtime, name, args, fuel=10**6)


@pytest.mark.parametrize("name,args", CALLS)
def test_lazy_tables_of_typed_references_behave_as_eager_ones(name, args):
    assert run(rt, name, args, lazy=True) == run(rt, name, args, lazy=False)


def test_a_lazily_built_typed_element_is_not_null_and_a_null_one_traps_on_call_ref():
    store = rt.Store()  # lazy tables: the default
    exports = rt.Instance(store, rt.Module(store.engine, PROGRAM), []).exports(store)
    assert [exports["is_null"](store, i) for i in range(4)] == [1, 0, 0, 1]
    with pytest.raises(rt.Trap) as trap:
        exports["call_ref"](store, 0, 1)
    assert trap.value.trap_code == rt.TrapCode.NULL_REFERENCE


def test_function_references_can_be_turned_off():
    config = rt.Config()
    config.wasm_function_references = False
    with pytest.raises(rt.WasmtimeError):
        rt.Module(rt.Engine(config), "(module (type $t (func)) (func (param (ref $t))))")
