"""Module: text and binary input, errors for bad modules, imports/exports, serialize."""

import pytest
from wasmfuzz.runtime import Engine, FuncType, GlobalType, MemoryType, Module, TableType, ValType, WasmtimeError

WAT = """(module
  (import "env" "f" (func (param i32) (result i64)))
  (import "env" "m" (memory 1 2))
  (global (export "g") (mut f32) (f32.const 1))
  (table (export "t") 3 funcref)
  (func (export "run")))"""


def test_text_and_binary_give_the_same_module():
    engine = Engine()
    from_text = Module(engine, WAT)
    from_binary = Module(engine, from_text.serialize()[len(b"wasmfuzz-module-v1\n"):])
    assert [e.name for e in from_binary.exports] == ["g", "t", "run"]
    assert [i.name for i in from_text.imports] == [i.name for i in from_binary.imports]


def test_import_and_export_types():
    m = Module(Engine(), WAT)
    f, mem = m.imports
    assert (f.module, f.name) == ("env", "f")
    assert isinstance(f.type, FuncType)
    assert f.type.params == [ValType.i32()] and f.type.results == [ValType.i64()]
    assert isinstance(mem.type, MemoryType)
    assert (mem.type.limits.min, mem.type.limits.max) == (1, 2)
    g, t, run = m.exports
    assert isinstance(g.type, GlobalType) and g.type.mutable and g.type.content == ValType.f32()
    assert isinstance(t.type, TableType) and t.type.element == ValType.funcref()
    assert run.type.params == [] and run.type.results == []


def test_malformed_module_is_a_wasmtime_error_with_offset():
    with pytest.raises(WasmtimeError, match=r"at offset 0x"):
        Module(Engine(), b"\0asm\x01\0\0\0\x05")


def test_invalid_module_is_a_wasmtime_error():
    with pytest.raises(WasmtimeError, match="type mismatch"):
        Module(Engine(), "(module (func (result i32) (i64.const 1)))")


def test_bad_text_is_a_wasmtime_error():
    with pytest.raises(WasmtimeError):
        Module(Engine(), "(module (func (export)))")


def test_validate_and_from_file(tmp_path):
    engine = Engine()
    Module.validate(engine, Module(engine, "(module)").serialize()[len(b"wasmfuzz-module-v1\n"):])
    with pytest.raises(WasmtimeError):
        Module.validate(engine, b"\0asm\x02\0\0\0")
    path = tmp_path / "m.wat"
    path.write_text('(module (func (export "x")))')
    assert [e.name for e in Module.from_file(engine, path).exports] == ["x"]
    with pytest.raises(WasmtimeError, match="failed to read"):
        Module.from_file(engine, tmp_path / "missing.wasm")


def test_serialize_round_trip_and_rejects_foreign_bytes():
    engine = Engine()
    m = Module(engine, WAT)
    again = Module.deserialize(engine, m.serialize())
    assert [e.name for e in again.exports] == ["g", "t", "run"]
    with pytest.raises(WasmtimeError):
        Module.deserialize(engine, b"not a module")
