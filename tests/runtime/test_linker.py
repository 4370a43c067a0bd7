"""Linker: name-based linking, shadowing, instances as modules, link errors."""

import pytest
from wasmfuzz.runtime import Func, FuncType, Global, GlobalType, Linker, Module, Store, Trap, ValType, WasmtimeError

i32 = ValType.i32()


def test_define_instance_links_modules_by_name():
    store = Store()
    linker = Linker(store.engine)
    lib = linker.instantiate(store, Module(store.engine, '''(module
      (func (export "twice") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2))))'''))
    linker.define_instance(store, "lib", lib)
    app = Module(store.engine, '''(module (import "lib" "twice" (func $t (param i32) (result i32)))
      (func (export "run") (result i32) (call $t (i32.const 21))))''')
    assert linker.instantiate(store, app).exports(store)["run"](store) == 42


def test_unknown_import_and_type_mismatch_are_link_errors():
    store = Store()
    linker = Linker(store.engine)
    m = Module(store.engine, '(module (import "env" "f" (func (param i32))))')
    with pytest.raises(WasmtimeError, match="unknown import"):
        linker.instantiate(store, m)
    linker.define_func("env", "f", FuncType([], []), lambda: None)
    with pytest.raises(WasmtimeError, match="incompatible import type"):
        linker.instantiate(store, m)


def test_shadowing_is_refused_unless_allowed():
    store = Store()
    linker = Linker(store.engine)
    g = Global(store, GlobalType(i32, False), 1)
    linker.define(store, "env", "g", g)
    with pytest.raises(WasmtimeError, match="defined twice"):
        linker.define(store, "env", "g", g)
    linker.allow_shadowing = True
    linker.define(store, "env", "g", Global(store, GlobalType(i32, False), 2))
    assert linker.get(store, "env", "g").value(store) == 2


def test_unknown_imports_as_traps_and_defaults():
    store = Store()
    m = Module(store.engine, '''(module (import "env" "f" (func $f (result i32)))
      (func (export "run") (result i32) call $f))''')
    traps = Linker(store.engine)
    traps.define_unknown_imports_as_traps(m)
    with pytest.raises(Trap):
        traps.instantiate(store, m).exports(store)["run"](store)
    zeros = Linker(store.engine)
    zeros.define_unknown_imports_as_default_values(m)
    assert zeros.instantiate(store, m).exports(store)["run"](store) == 0


def test_instance_pre_instantiates_repeatedly_with_fresh_state():
    store = Store()
    linker = Linker(store.engine)
    m = Module(store.engine, '''(module (global $n (mut i32) (i32.const 0))
      (func (export "next") (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n)))''')
    pre = linker.instantiate_pre(m)
    a, b = pre.instantiate(store), pre.instantiate(store)
    assert a.exports(store)["next"](store) == 1
    assert a.exports(store)["next"](store) == 2
    assert b.exports(store)["next"](store) == 1


def test_host_function_defined_on_linker_is_usable_from_any_store():
    linker = Linker(Store().engine)
    linker.define_func("env", "add1", FuncType([i32], [i32]), lambda x: x + 1)
    for _ in range(2):
        store = Store(linker.engine)
        m = Module(store.engine, '''(module (import "env" "add1" (func $a (param i32) (result i32)))
          (func (export "run") (result i32) (call $a (i32.const 1))))''')
        assert linker.instantiate(store, m).exports(store)["run"](store) == 2
    assert isinstance(linker.get(store, "env", "add1"), Func)
