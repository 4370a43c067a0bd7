"""Lazy and eager tables share the code of every function that has no
inline table read (``backend.share_key``): the fuzzing oracles run both on
every input, and compiling each function once for both was the largest
part of what compilation cost them."""

from __future__ import annotations

import random

from wasmfuzz import runtime
from wasmfuzz.fuzz import targets
from wasmfuzz.runtime.binary.decode import decode_module
from wasmfuzz.runtime.binary.features import ALL
from wasmfuzz.runtime.binary.opcodes import CALL_INDIRECT, RETURN_CALL_INDIRECT
from wasmfuzz.runtime.compile.python.backend import share_key
from wasmfuzz.runtime.compile.python.codegen import CodegenOptions, emit
from wasmfuzz.runtime.binary.wat import wat2wasm

WAT = """(module
  (type $t (func (result i32)))
  (table 2 funcref) (elem (i32.const 0) $a)
  (func $a (result i32) i32.const 7)
  (func (export "direct") (result i32) call $a)
  (func (export "indirect") (result i32) (call_indirect (type $t) (i32.const 0))))"""


def _engine(lazy: bool):
    config = runtime.Config()
    config.table_lazy_init = lazy
    return runtime.Engine(config)


def test_lazy_and_eager_modules_share_only_code_without_inline_table_reads():
    wasm = wat2wasm(WAT)
    eager = runtime.Module(_engine(False), wasm)
    lazy = runtime.Module(_engine(True), wasm, shared_with=eager)
    assert lazy._code is not eager._code
    direct, indirect = 1, 2
    for j in (direct, indirect):  # compiled on the eager side first
        eager._code.function(j)
    assert lazy._code.function(direct).__code__ is eager._code.function(direct).__code__
    assert lazy._code.function(indirect).__code__ is not eager._code.function(indirect).__code__
    for module in (eager, lazy):  # each side runs its own copy, bound to its own module
        store = runtime.Store(module.engine)
        instance = runtime.Instance(store, module, [])
        assert instance.exports(store)["direct"](store) == 7 == instance.exports(store)["indirect"](store)


def test_share_key_drops_lazy_tables_exactly_where_the_generated_code_is_the_same():
    """Over table-heavy smith modules and table programs: a function's code for
    lazy and eager tables is the same source wherever ``share_key`` says it may be shared."""
    rng, shared, kept = random.Random(3), 0, 0
    for target in ("lazy_init", "table_ops") * 8:
        case = targets.make_case(target, rng.randbytes(1500))
        if case is None:
            continue
        info = decode_module(case.wasm, ALL)
        for j in range(info.num_imported_funcs, info.num_imported_funcs + len(info.funcs)):
            lazy, eager = CodegenOptions(lazy_tables=True), CodegenOptions(lazy_tables=False)
            same = emit(info, j, options=lazy).source() == emit(info, j, options=eager).source()
            has_read = any(ins[0] in (CALL_INDIRECT, RETURN_CALL_INDIRECT)
                           for ins in info.code[j - info.num_imported_funcs].code)
            assert (share_key(info, j, lazy) == share_key(info, j, eager)) == (not has_read)
            if not has_read:
                assert same, f"function {j} differs between lazy and eager tables without an inline table read"
                shared += 1
            else:
                kept += not same
    assert shared > 0 and kept > 0
