"""Exception handling (tags, throw, throw_ref, try_table) against Wasmtime:
results, fuel, and what the host sees of an exception nobody catches."""

from __future__ import annotations

import pytest
import wasmtime
from wasmfuzz import runtime as rt

# Exceptions thrown in the same frame, from a callee two frames down, through
# a host function, caught by tag, by catch_all, rethrown with throw_ref, and
# caught in a loop (so the handler re-enters code that throws again).
PROGRAM = '''(module
  (tag $e (export "e") (param i32))
  (tag $f (param i64 i32))
  (import "host" "call" (func $host (param i32) (result i32)))
  (func $throw (export "throw") (param i32) (throw $e (local.get 0)))
  (func $deep (param i32) (call $throw (i32.add (local.get 0) (i32.const 1))))
  (func (export "catch_deep") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (call $deep (local.get 0)))
      (i32.const -1)))
  (func (export "catch_all") (param i32) (result i32)
    (block $h
      (try_table (catch_all $h)
        (if (local.get 0) (then (throw $f (i64.const 5) (local.get 0)))))
      (return (i32.const 0)))
    (i32.const 1))
  (func (export "rethrow") (param i32) (result i32)
    (block $outer (result i32)
      (try_table (catch $e $outer)
        (block $h (result exnref)
          (try_table (catch_all_ref $h) (call $throw (local.get 0)))
          (unreachable))
        (throw_ref))
      (unreachable)))
  (func (export "loop") (param i32) (result i32) (local $sum i32)
    (loop $again
      (block $h (result i32)
        (try_table (catch $e $h) (call $throw (local.get 0)))
        (unreachable))
      (local.set $sum (i32.add (local.get $sum)))
      (br_if $again (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get $sum))
  (func (export "through_host") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (drop (call $host (local.get 0))))
      (i32.const -1))))'''


def instance(api, fuel: int | None = None):
    config = api.Config()
    config.consume_fuel = fuel is not None
    store = api.Store(api.Engine(config))
    if fuel is not None:
        store.set_fuel(fuel)
    module = api.Module(store.engine, PROGRAM)
    exports = {}

    def host(x):
        return exports["throw"](store, x)  # the exception becomes a trap at this host boundary

    host_func = api.Func(store, api.FuncType([api.ValType.i32()], [api.ValType.i32()]), host)
    exports.update(api.Instance(store, module, [host_func]).exports(store))
    return store, exports


CALLS = [("catch_deep", 4), ("catch_all", 0), ("catch_all", 3), ("rethrow", 9), ("loop", 5)]


@pytest.mark.parametrize("name,arg", CALLS)
def test_results_and_fuel_match_wasmtime(name, arg):
    (ours, ours_x), (theirs, theirs_x) = instance(rt, 10**6), instance(wasmtime, 10**6)
    assert ours_x[name](ours, arg) == theirs_x[name](theirs, arg)
    assert ours.get_fuel() == theirs.get_fuel()


@pytest.mark.parametrize("layout", ["structured", "flat"])
def test_both_code_layouts_catch_alike(layout, monkeypatch):
    monkeypatch.setenv("WASMFUZZ_CODEGEN_LAYOUT", layout)
    store, exports = instance(rt)
    assert [exports[name](store, arg) for name, arg in CALLS] == [5, 0, 1, 9, 15]


def test_an_uncaught_exception_is_a_trap_without_a_code_at_the_api():
    for api in (rt, wasmtime):
        store, exports = instance(api)
        with pytest.raises(api.Trap) as trap:
            exports["throw"](store, 1)
        assert trap.value.trap_code is None and "thrown Wasm exception" in str(trap.value)
        # Through a host function it stays a trap: the try_table around the host call cannot catch it.
        with pytest.raises(api.Trap) as trap:
            exports["through_host"](store, 1)
        assert "thrown Wasm exception" in str(trap.value)


def test_an_exception_from_a_start_function_fails_instantiation_as_in_wasmtime():
    wat = '(module (tag $e) (func $s (throw $e)) (start $s))'
    for api in (rt, wasmtime):
        store = api.Store()
        with pytest.raises(api.WasmtimeError, match="thrown Wasm exception"):
            api.Instance(store, api.Module(store.engine, wat), [])


def test_exceptions_cross_instances_and_host_tags_are_imported_by_identity():
    store = rt.Store()
    tag = rt.Tag(store, rt.TagType(rt.FuncType([rt.ValType.i32()], [])))
    thrower = rt.Instance(store, rt.Module(store.engine, '''(module (import "h" "t" (tag $t (param i32)))
      (func (export "go") (param i32) (throw $t (local.get 0))))'''), [tag]).exports(store)["go"]
    catcher = rt.Module(store.engine, '''(module (import "h" "t" (tag $t (param i32)))
      (import "h" "go" (func $go (param i32)))
      (func (export "run") (param i32) (result i32)
        (block $h (result i32) (try_table (catch $t $h) (call $go (local.get 0))) (i32.const -1))))''')
    run = rt.Instance(store, catcher, [tag, thrower]).exports(store)["run"]
    assert run(store, 42) == 42
    other = rt.Tag(store, rt.TagType(rt.FuncType([rt.ValType.i32()], [])))
    assert not other.eq(store, tag)
    with pytest.raises(rt.Trap):  # another tag of the same type is another tag: not caught
        rt.Instance(store, catcher, [other, thrower]).exports(store)["run"](store, 1)


def test_exceptions_can_be_turned_off():
    config = rt.Config()
    config.wasm_exceptions = False
    with pytest.raises(rt.WasmtimeError):
        rt.Module(rt.Engine(config), "(module (tag $e) (func (throw $e)))")
