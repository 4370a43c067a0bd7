"""Func: calling exports with Python values, results, host functions, Caller."""

import math
import struct

import pytest
from wasmfuzz.runtime import (Func, FuncType, Instance, Linker, Module, Store, Trap, TrapCode, Val, ValType,
                              WasmtimeError)

i32, i64, f32, f64 = ValType.i32(), ValType.i64(), ValType.f32(), ValType.f64()


def instance(wat, imports=()):
    store = Store()
    return store, Instance(store, Module(store.engine, wat), list(imports)).exports(store)


def test_ints_cross_as_signed_values_and_accept_unsigned():
    store, ex = instance('(module (func (export "id") (param i32 i64) (result i32 i64) local.get 0 local.get 1))')
    assert ex["id"](store, -1, -2) == [-1, -2]
    assert ex["id"](store, 0xFFFFFFFF, 2**64 - 1) == [-1, -1]
    assert ex["id"](store, Val.i32(7), Val.i64(8)) == [7, 8]


def test_result_shapes_none_single_list():
    store, ex = instance('''(module
      (func (export "none"))
      (func (export "one") (result f64) f64.const 1.5)
      (func (export "two") (result i32 f32) i32.const 1 f32.const 2))''')
    assert ex["none"](store) is None
    assert ex["one"](store) == 1.5
    assert ex["two"](store) == [1, 2.0]


def test_f32_results_are_rounded_and_nan_payloads_kept():
    store, ex = instance('''(module
      (func (export "add") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
      (func (export "bits") (param f32) (result i32) (i32.reinterpret_f32 (local.get 0))))''')
    def f32(x):
        return struct.unpack("<f", struct.pack("<f", x))[0]

    assert ex["add"](store, 0.1, 0.2) == f32(f32(0.1) + f32(0.2)) != 0.1 + 0.2
    assert ex["add"](store, 3e38, 3e38) == math.inf
    assert ex["bits"](store, -0.0) == -0x80000000


def test_wrong_argument_count_and_type():
    store, ex = instance('(module (func (export "f") (param i32)))')
    with pytest.raises(WasmtimeError, match="too few parameters provided: given 0, expected 1"):
        ex["f"](store)
    with pytest.raises(WasmtimeError, match="too many"):
        ex["f"](store, 1, 2)
    with pytest.raises(TypeError):
        ex["f"](store, "x")


def test_host_function_receives_signed_values_and_returns_results():
    seen = []
    store = Store()

    def host(a, b):
        seen.append((a, b))
        return a + int(b)

    h = Func(store, FuncType([i32, f64], [i32]), host)
    m = Module(store.engine, '''(module (import "" "h" (func $h (param i32 f64) (result i32)))
      (func (export "call") (result i32) (call $h (i32.const -5) (f64.const 2.5))))''')
    ex = Instance(store, m, [h]).exports(store)
    assert ex["call"](store) == -3
    assert seen == [(-5, 2.5)]
    assert h(store, 1, 1.0) == 2  # host functions are callable directly too


def test_host_exception_reaches_the_caller_unchanged():
    store = Store()

    class Boom(Exception):
        pass

    def host():
        raise Boom("from host")

    h = Func(store, FuncType([], []), host)
    ex = Instance(store, Module(store.engine, '(module (import "" "h" (func)) (func (export "f") call 0))'),
                  [h]).exports(store)
    with pytest.raises(Boom, match="from host"):
        ex["f"](store)


def test_host_index_error_is_not_mistaken_for_a_memory_trap():
    store = Store()
    h = Func(store, FuncType([], []), lambda: [][1])
    ex = Instance(store, Module(store.engine, '(module (import "" "h" (func)) (func (export "f") call 0))'),
                  [h]).exports(store)
    with pytest.raises(IndexError):
        ex["f"](store)


def test_host_trap_propagates_as_trap():
    store = Store()

    def host():
        raise Trap("custom")

    h = Func(store, FuncType([], []), host)
    ex = Instance(store, Module(store.engine, '(module (import "" "h" (func)) (func (export "f") call 0))'),
                  [h]).exports(store)
    with pytest.raises(Trap, match="custom"):
        ex["f"](store)


def test_access_caller_sees_the_calling_instance_exports():
    store = Store()
    linker = Linker(store.engine)

    def peek(caller, ptr):
        return caller["mem"].read(store, ptr, ptr + 1)[0]

    linker.define_func("env", "peek", FuncType([i32], [i32]), peek, access_caller=True)
    m = Module(store.engine, '''(module (import "env" "peek" (func $p (param i32) (result i32)))
      (memory (export "mem") 1) (data (i32.const 3) "\\2a")
      (func (export "f") (result i32) (call $p (i32.const 3))))''')
    assert linker.instantiate(store, m).exports(store)["f"](store) == 42


def test_func_type_and_funcref_round_trip():
    store, ex = instance('''(module (table (export "t") 1 funcref) (func $f (export "f") (result i32) i32.const 9)
      (elem (i32.const 0) $f)
      (func (export "get") (result funcref) (table.get 0 (i32.const 0))))''')
    ref = ex["get"](store)
    assert isinstance(ref, Func)
    assert ref.type(store).results == [i32]
    assert ref(store) == 9
    assert ref == ex["f"]


def test_deep_recursion_works_and_unbounded_recursion_traps():
    store, ex = instance('''(module (func $r (export "r") (param i32) (result i32)
      (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
        (else (i32.add (i32.const 1) (call $r (i32.sub (local.get 0) (i32.const 1))))))))''')
    assert ex["r"](store, 5000) == 5000
    with pytest.raises(Trap) as info:
        ex["r"](store, 10**7)
    assert info.value.trap_code == TrapCode.STACK_OVERFLOW
    assert "call stack exhausted" in str(info.value)
    assert ex["r"](store, 10) == 10  # the store is usable after exhaustion


@pytest.mark.parametrize("host, args, expected", [
    (lambda a, b: a + b, (-1, 2), 1),  # arguments arrive signed, the result wraps
    (lambda a, b: 2**40 + a, (5, 0), 5),
    (lambda a, b: "no", (1, 2), TypeError),  # a result of the wrong type: the host's error, unchanged
    (lambda a, b: [1, 2], (1, 2), TypeError),
    (lambda a, b: Trap("from the host"), (1, 2), None),  # a returned Trap is a value of the wrong type
    (lambda a, b: (_ for _ in ()).throw(ValueError("boom")), (1, 2), ValueError),
])
def test_plain_host_functions_behave_as_those_given_a_caller(host, args, expected):
    """A host function of numbers only runs on code written for its signature
    (func._plain_host_code); with access_caller it runs on the general code:
    both give the same results and raise the same errors."""
    wat = """(module (import "" "f" (func $f (param i32 i32) (result i32)))
      (func (export "g") (param i32 i32) (result i32) (call $f (local.get 0) (local.get 1))))"""
    outcomes = []
    for access_caller in (False, True):
        call = (lambda caller, *a: host(*a)) if access_caller else host
        store = Store()
        ty = FuncType([ValType.i32(), ValType.i32()], [ValType.i32()])
        f = Func(store, ty, call, access_caller=access_caller)
        g = Instance(store, Module(store.engine, wat), [f]).exports(store)["g"]
        try:
            outcomes.append(("returned", g(store, *args)))
        except Exception as e:
            outcomes.append(("raised", type(e)))
    assert outcomes[0] == outcomes[1]
    if isinstance(expected, int):
        assert outcomes[0] == ("returned", expected)
    elif expected is not None:
        assert outcomes[0] == ("raised", expected)


def test_a_plain_host_function_without_results_must_return_none():
    store = Store()
    f = Func(store, FuncType([], []), lambda: 3)
    g = Instance(store, Module(store.engine, '(module (import "" "f" (func $f)) (func (export "g") (call $f)))'),
                 [f]).exports(store)["g"]
    with pytest.raises(WasmtimeError, match="no results"):
        g(store)
