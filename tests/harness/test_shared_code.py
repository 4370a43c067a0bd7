"""Lazy and eager tables share the code of every function that has no
inline table read (``backend.share_key``): the fuzzing oracles run both on
every input, and compiling each function once for both was the largest
part of what compilation cost them. So do NaN canonicalization on and off,
and relaxed SIMD deterministic or not, for a function they do not change."""

from __future__ import annotations

import random

import pytest
from wasmfuzz import runtime
from wasmfuzz.fuzz import targets
from wasmfuzz.runtime.binary.decode import decode_module
from wasmfuzz.runtime.binary.features import ALL
from wasmfuzz.runtime.compile.python.backend import UNUSED_OPTIONS, same_code, share_key
from wasmfuzz.runtime.compile.python.codegen import CodegenOptions, emit
from wasmfuzz.runtime.binary.wat import wat2wasm

WAT = """(module
  (type $t (func (result i32)))
  (table 2 funcref) (elem (i32.const 0) $a)
  (func $a (result i32) i32.const 7)
  (func (export "direct") (result i32) call $a)
  (func (export "indirect") (result i32) (call_indirect (type $t) (i32.const 0))))"""


# a function for each option in UNUSED_OPTIONS whose code it changes (generated modules rarely hold relaxed SIMD)
EVERY_OPTION_MATTERS = """(module
  (type $t (func (result i32)))
  (table 1 funcref)
  (func (export "indirect") (result i32) (call_indirect (type $t) (i32.const 0)))
  (func (export "nan") (param f64) (result f64) (f64.div (local.get 0) (local.get 0)))
  (func (export "relaxed") (param v128) (result v128)
    (f32x4.relaxed_madd (local.get 0) (local.get 0) (local.get 0))))"""


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


@pytest.mark.parametrize("option", sorted(UNUSED_OPTIONS))
def test_share_key_drops_an_option_exactly_where_the_generated_code_is_the_same(option):
    """Over smith modules, table programs and single instructions (floats,
    SIMD and relaxed SIMD among them): a function's code with ``option`` on
    and off is the same source wherever ``share_key`` says it may be shared,
    and the other option sets ``same_code`` names for it are those."""
    rng, shared, kept = random.Random(3), 0, 0
    cases = (targets.make_case(target, rng.randbytes(1500))
             for target in ("lazy_init", "table_ops", "instructions", "differential") * 10)
    for wasm in [wat2wasm(EVERY_OPTION_MATTERS), *(case.wasm for case in cases if case is not None)]:
        info = decode_module(wasm, ALL)
        for j in range(info.num_imported_funcs, info.num_imported_funcs + len(info.funcs)):
            on, off = (CodegenOptions(fuel=True, **{option: value}) for value in (True, False))
            same = emit(info, j, options=on).source() == emit(info, j, options=off).source()
            ops = {ins[0] for ins in info.code[j - info.num_imported_funcs].code}
            matters = any(map(UNUSED_OPTIONS[option], ops))
            assert (share_key(info, j, on) == share_key(info, j, off)) == (not matters)
            assert (off in same_code(on, share_key(info, j, on))) == (not matters)
            if not matters:
                assert same, f"function {j} differs with {option} on and off, without an instruction it changes"
                shared += 1
            else:
                kept += not same
    assert shared > 0 and kept > 0
