"""Evaluation of constant expressions (global initialisers, offsets, element items)."""

from __future__ import annotations

from . import opcodes as op
from .values import f32_from_bits, f64_from_bits

_V128_CONST = op.NAMES["v128.const"]
_MASK = {0x6A: 0xFFFFFFFF, 0x6B: 0xFFFFFFFF, 0x6C: 0xFFFFFFFF,
         0x7C: 0xFFFFFFFFFFFFFFFF, 0x7D: 0xFFFFFFFFFFFFFFFF, 0x7E: 0xFFFFFFFFFFFFFFFF}


def eval_const(expr: tuple, vm) -> object:
    """The value of a validated constant expression in instance ``vm``."""
    stack: list = []
    for ins in expr:
        o = ins[0]
        if o in (op.I32_CONST, op.I64_CONST, _V128_CONST):
            stack.append(ins[1])
        elif o == op.F32_CONST:
            stack.append(f32_from_bits(ins[1]))
        elif o == op.F64_CONST:
            stack.append(f64_from_bits(ins[1]))
        elif o == op.REF_NULL:
            stack.append(None)
        elif o == op.REF_FUNC:
            stack.append(vm.funcref(ins[1]))
        elif o == op.GLOBAL_GET:
            stack.append(vm.globals[ins[1]].value)
        elif o >> 8 == 0xFB:  # GC's allocations, ref.i31, conversions: objects the run time makes
            vm.const_gc(ins, stack)
        elif o in _MASK:
            b = stack.pop()
            a = stack.pop()
            if o in (0x6A, 0x7C):
                r = a + b
            elif o in (0x6B, 0x7D):
                r = a - b
            else:
                r = a * b
            stack.append(r & _MASK[o])
        else:
            raise ValueError(f"not a constant instruction: {op.op_name(o)}")
    return stack[-1]
