"""Linker: name-based linking, shadowing, instances as modules, link errors."""

import pytest
import wasmtime
import wasmfuzz.runtime
from wasmfuzz.runtime import Func, FuncType, Global, GlobalType, Linker, Module, Store, ValType, WasmtimeError

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


UNKNOWN = """(module
  (import "env" "f" (func $f (param i32) (result i64 f32)))
  (import "env" "g" (global $g (mut i64)))
  (import "env" "m" (memory 2))
  (import "env" "t" (table 3 funcref))
  (func (export "run") (result i64 f32) (call $f (i32.const 7)))
  (func (export "state") (result i64 i32 i32)
    (global.get $g) (memory.size) (table.size)))"""


@pytest.mark.parametrize("api", [wasmfuzz.runtime, wasmtime], ids=["wasmfuzz", "wasmtime"])
def test_unknown_imports_as_default_values_define_every_kind(api):
    """Functions return zeros, globals hold zero, memories and tables are
    fresh ones of the imported type, and the linker then holds them."""
    store = api.Store()
    module = api.Module(store.engine, UNKNOWN)
    linker = api.Linker(store.engine)
    linker.define_unknown_imports_as_default_values(store, module)
    exports = linker.instantiate(store, module).exports(store)
    assert exports["run"](store) == [0, 0.0]
    assert exports["state"](store) == [0, 2, 3]
    assert isinstance(linker.get(store, "env", "m"), api.Memory)
    with pytest.raises(TypeError):
        linker.define_unknown_imports_as_default_values(store, "not a module")


@pytest.mark.parametrize("api", [wasmfuzz.runtime, wasmtime], ids=["wasmfuzz", "wasmtime"])
def test_unknown_imports_as_traps_cover_functions_only(api):
    store = api.Store()
    module = api.Module(store.engine, '''(module (import "env" "f" (func $f (result i32)))
      (func (export "run") (result i32) call $f))''')
    linker = api.Linker(store.engine)
    linker.define_unknown_imports_as_traps(module)
    with pytest.raises(api.WasmtimeError):  # an error, not a Trap, in both
        linker.instantiate(store, module).exports(store)["run"](store)
    with_global = api.Linker(store.engine)
    with_global.define_unknown_imports_as_traps(api.Module(store.engine, UNKNOWN))
    with pytest.raises(api.WasmtimeError):  # the global, memory and table stay undefined
        with_global.instantiate(store, api.Module(store.engine, UNKNOWN))


@pytest.mark.parametrize("api", [wasmfuzz.runtime, wasmtime], ids=["wasmfuzz", "wasmtime"])
def test_get_default_without_definitions_is_a_function_doing_nothing(api):
    store = api.Store()
    linker = api.Linker(store.engine)
    assert linker.get_default(store, "foo")(store) is None
    module = api.Module(store.engine, '''(module (global $n (export "n") (mut i32) (i32.const 0))
      (func (export "") (global.set $n (i32.const 5))))''')
    linker.define_module(store, "m", module)
    linker.get_default(store, "m")(store)
    assert linker.get(store, "m", "n").value(store) == 5


COMMAND = """(module (import "h" "log" (func $log (param i32))) (global $n (mut i32) (i32.const 0))
  (func (export "_start") (global.set $n (i32.add (global.get $n) (i32.const 1))) (call $log (global.get $n)))
  (func (export "f") (param i32) (result i32)
    (global.set $n (i32.add (global.get $n) (i32.const 10))) (call $log (global.get $n)) (local.get 0)))"""
REACTOR = """(module (import "h" "log" (func $log (param i32)))
  (func (export "_initialize") (call $log (i32.const 100))) (func (export "g") (call $log (i32.const 5))))"""


@pytest.mark.parametrize("api", [wasmfuzz.runtime, wasmtime], ids=["wasmfuzz", "wasmtime"])
def test_define_module_commands_get_a_fresh_instance_per_call_reactors_are_initialised(api):
    store = api.Store()
    linker = api.Linker(store.engine)
    calls = []
    linker.define_func("h", "log", api.FuncType([api.ValType.i32()], []), calls.append)
    linker.define_module(store, "c", api.Module(store.engine, COMMAND))
    assert calls == []
    assert [linker.get(store, "c", "f")(store, 7) for _ in range(2)] == [7, 7]
    linker.get_default(store, "c")(store)
    linker.define_module(store, "r", api.Module(store.engine, REACTOR))
    linker.get(store, "r", "g")(store)
    assert calls == [10, 10, 1, 100, 5]
    with pytest.raises(api.WasmtimeError):  # both a command and a reactor
        linker.define_module(store, "x", api.Module(store.engine, COMMAND.replace('"f"', '"_initialize"')))
    with pytest.raises(api.WasmtimeError):  # a command exporting a global
        exporting = COMMAND.replace('(global $n', '(global $n (export "n")')
        linker.define_module(store, "y", api.Module(store.engine, exporting))


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
