"""v128 at the API, and what each SIMD instruction costs in fuel.

wasmtime-py 50 has no v128 value and aborts the process when asked a v128
function's type; here a v128 is an unsigned Python int of 128 bits (lane 0
in the low bits) wherever a value crosses: function parameters and results,
host functions, globals, ``Val.v128``. Fuel is checked against Wasmtime for
every SIMD instruction, one single-instruction program each (the
``instructions`` fuzz target's shapes, operands at edge values).
"""

from __future__ import annotations

import random

import pytest
from wasmfuzz.fuzz import instruction_ops
from wasmfuzz.fuzz.case import TestCase
from wasmfuzz.fuzz.source import Unstructured
from wasmfuzz.oracles.pairs import WASMTIME
from wasmfuzz.oracles.spec import ExecutionSpec
from wasmfuzz.runtime import Func, FuncType, Global, GlobalType, Instance, Module, Store, Val, ValType
from wasmfuzz.runtime.binary.wat import wat2wasm

ALL_ONES = (1 << 128) - 1


def test_v128_crosses_functions_host_functions_and_globals():
    store = Store()
    flip = Func(store, FuncType([ValType.v128()], [ValType.v128()]), lambda v: v ^ ALL_ONES)
    module = Module(store.engine, """(module
      (import "" "flip" (func $flip (param v128) (result v128)))
      (global (export "g") (mut v128) (v128.const i32x4 1 2 3 4))
      (func (export "lanes") (param v128) (result i32 v128)
        (i32x4.extract_lane 3 (local.get 0))
        (call $flip (i32x4.add (local.get 0) (global.get 0)))))""")
    exports = Instance(store, module, [flip]).exports(store)
    assert str(exports["lanes"].type(store)) == "FuncType([v128] -> [i32 v128])"
    lane3, flipped = exports["lanes"](store, 7 << 96 | 1)
    assert lane3 == 7 and flipped == ((8 + 3) << 96 | 3 << 64 | 2 << 32 | 2) ^ ALL_ONES
    g = exports["g"]
    assert g.type(store).content == ValType.v128() and g.value(store) == 4 << 96 | 3 << 64 | 2 << 32 | 1
    g.set_value(store, Val.v128(-1))  # wrapped to 128 bits, as Val.i32 wraps
    assert g.value(store) == ALL_ONES
    with pytest.raises(TypeError):
        g.set_value(store, 1.5)
    assert Global(store, GlobalType(ValType.v128(), False), 5).value(store) == 5
    assert Val.v128(3).as_v128() == 3 and Val.v128(3).as_i32() is None


SIMD_NAMES = sorted(instruction_ops.SIMD)


@pytest.mark.parametrize("name", SIMD_NAMES)
def test_fuel_of_every_simd_instruction_matches_wasmtime(name):
    src = Unstructured(random.Random(name).randbytes(400))
    funcs = tuple(instruction_ops.SHAPES[name](instruction_ops._Builder(src, name)) for _ in range(3))
    wasm = wat2wasm(instruction_ops.InstructionProgram(name, funcs).wat())
    spec = ExecutionSpec(features=frozenset({"simd", "relaxed_simd"}), fuel=10_000)
    TestCase(wasm, spec, (WASMTIME.name,), bytes(64)).check()  # Divergence on any result, trap or fuel difference
