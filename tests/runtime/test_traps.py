"""Traps: every guest failure is a Trap with wasmtime-py's code and a Wasm backtrace."""

import pytest
from wasmfuzz.runtime import Engine, Instance, Module, Store, Trap, TrapCode

WAT = """(module
  (type $v (func))
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $nop)
  (func $nop)
  (func $needs_i32 (param i32))
  (elem declare func $needs_i32)
  (func (export "unreachable") unreachable)
  (func (export "div0") (result i32) (i32.div_u (i32.const 1) (i32.const 0)))
  (func (export "overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
  (func (export "conv") (result i32) (i32.trunc_f32_s (f32.const nan)))
  (func (export "conv_range") (result i32) (i32.trunc_f64_u (f64.const -1)))
  (func (export "oob_load") (result i64) (i64.load (i32.const 65530)))
  (func (export "oob_store8") (i32.store8 (i32.const 65536) (i32.const 1)))
  (func (export "oob_fill") (memory.fill (i32.const 65535) (i32.const 0) (i32.const 2)))
  (func (export "table_oob") (call_indirect (type $v) (i32.const 2)))
  (func (export "null") (call_indirect (type $v) (i32.const 1)))
  (func (export "sig") (table.set (i32.const 1) (ref.func $needs_i32)) (call_indirect (type $v) (i32.const 1)))
  (func $inner (export "nested") (call $deeper))
  (func $deeper unreachable))"""

CASES = [
    ("unreachable", TrapCode.UNREACHABLE, "wasm `unreachable` instruction executed"),
    ("div0", TrapCode.INTEGER_DIVISION_BY_ZERO, "integer divide by zero"),
    ("overflow", TrapCode.INTEGER_OVERFLOW, "integer overflow"),
    ("conv", TrapCode.BAD_CONVERSION_TO_INTEGER, "invalid conversion to integer"),
    ("conv_range", TrapCode.INTEGER_OVERFLOW, "integer overflow"),
    ("oob_load", TrapCode.MEMORY_OUT_OF_BOUNDS, "out of bounds memory access"),
    ("oob_store8", TrapCode.MEMORY_OUT_OF_BOUNDS, "out of bounds memory access"),
    ("oob_fill", TrapCode.MEMORY_OUT_OF_BOUNDS, "out of bounds memory access"),
    ("table_oob", TrapCode.TABLE_OUT_OF_BOUNDS, "undefined element"),
    ("null", TrapCode.INDIRECT_CALL_TO_NULL, "uninitialized element"),
    ("sig", TrapCode.BAD_SIGNATURE, "indirect call type mismatch"),
]


@pytest.fixture(scope="module")
def exports():
    store = Store()
    return store, Instance(store, Module(Engine(), WAT), []).exports(store)


@pytest.mark.parametrize("name,code,text", CASES, ids=[c[0] for c in CASES])
def test_trap_code_and_message(exports, name, code, text):
    store, ex = exports
    with pytest.raises(Trap) as info:
        ex[name](store)
    assert info.value.trap_code == code
    assert text in info.value.message


def test_memory_fill_out_of_bounds_writes_nothing():
    store = Store()
    ex = Instance(store, Module(store.engine, '''(module (memory (export "m") 1)
      (func (export "fill") (memory.fill (i32.const 65535) (i32.const 7) (i32.const 2))))'''), []).exports(store)
    with pytest.raises(Trap):
        ex["fill"](store)
    assert ex["m"].read(store, 65535, 65536) == bytearray(b"\0")


def test_backtrace_lists_wasm_frames_innermost_first(exports):
    store, ex = exports
    with pytest.raises(Trap) as info:
        ex["nested"](store)
    indices = [f.func_index for f in info.value.frames]
    assert indices[:2] == [14, 13]
    assert "wasm backtrace" in str(info.value)


def test_trap_in_start_function_fails_instantiation():
    store = Store()
    m = Module(store.engine, "(module (func $s unreachable) (start $s))")
    with pytest.raises(Trap) as info:
        Instance(store, m, [])
    assert info.value.trap_code == TrapCode.UNREACHABLE
