"""Memory, Table and Global from the host side, shared with Wasm."""

import pytest
from wasmfuzz.runtime import (Func, FuncType, Global, GlobalType, Instance, Limits, Memory, MemoryType, Module, Store,
                              Table, TableType, ValType, WasmtimeError)

i32 = ValType.i32()


def test_memory_read_write_grow_shared_with_wasm():
    store = Store()
    mem = Memory(store, MemoryType(Limits(1, 3)))
    m = Module(store.engine, '''(module (import "" "m" (memory 1))
      (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "size") (result i32) memory.size))''')
    ex = Instance(store, m, [mem]).exports(store)
    assert mem.write(store, b"\x05\x06", 10) == 2
    assert ex["load"](store, 11) == 6
    assert (mem.size(store), mem.data_len(store)) == (1, 65536)
    assert ex["grow"](store, 1) == 1
    assert mem.grow(store, 1) == 2
    assert ex["size"](store) == 3
    assert ex["grow"](store, 1) == -1  # beyond the maximum
    with pytest.raises(WasmtimeError):
        mem.grow(store, 1)
    assert mem.read(store, 10, 12) == bytearray(b"\x05\x06")
    with pytest.raises(IndexError):
        mem.write(store, b"xx", 3 * 65536 - 1)


def test_memory_type_reports_current_size():
    store = Store()
    mem = Memory(store, MemoryType(Limits(2, None)))
    assert mem.type(store).limits.min == 2 and mem.type(store).limits.max is None
    assert not mem.type(store).is_64


def test_table_get_set_grow_with_funcrefs():
    store = Store()
    f = Func(store, FuncType([], [i32]), lambda: 7)
    table = Table(store, TableType(ValType.funcref(), Limits(2, 4)), None)
    m = Module(store.engine, '''(module (import "" "t" (table 2 funcref)) (type $t (func (result i32)))
      (func (export "call") (param i32) (result i32) (call_indirect (type $t) (local.get 0))))''')
    ex = Instance(store, m, [table]).exports(store)
    table.set(store, 1, f)
    assert ex["call"](store, 1) == 7
    assert table.get(store, 0) is None
    assert table.get(store, 99) is None
    assert table.grow(store, 2, f) == 2
    assert table.size(store) == 4
    assert ex["call"](store, 3) == 7
    with pytest.raises(WasmtimeError):
        table.grow(store, 1, None)
    with pytest.raises(WasmtimeError):
        table.set(store, 4, None)


def test_externref_table_holds_python_objects():
    store = Store()
    table = Table(store, TableType(ValType.externref(), Limits(1, None)), None)
    token = object()
    table.set(store, 0, token)
    m = Module(store.engine, '''(module (import "" "t" (table 1 externref))
      (func (export "get") (result externref) (table.get 0 (i32.const 0))))''')
    assert Instance(store, m, [table]).exports(store)["get"](store) is token


def test_globals_shared_and_mutability_enforced():
    store = Store()
    g = Global(store, GlobalType(ValType.i64(), True), -1)
    c = Global(store, GlobalType(i32, False), 5)
    m = Module(store.engine, '''(module (import "" "g" (global $g (mut i64))) (import "" "c" (global $c i32))
      (func (export "bump") (global.set $g (i64.add (global.get $g) (i64.extend_i32_u (global.get $c))))))''')
    Instance(store, m, [g, c]).exports(store)["bump"](store)
    assert g.value(store) == 4
    g.set_value(store, 10)
    assert g.value(store) == 10
    with pytest.raises(WasmtimeError, match="immutable"):
        c.set_value(store, 1)
    assert c.type(store).content == i32 and not c.type(store).mutable
