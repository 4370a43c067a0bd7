"""The calls made on an instance: every exported function, with drawn arguments.

Arguments follow Wasmtime's ``DiffValue::arbitrary_of_type``: half of them
are the values where engines go wrong (0, -1, the extremes, infinities,
NaN), the rest arbitrary. NaN arguments are canonical, since a NaN payload
passed in may come back out with any payload (see ``oracles.allowed``).
Arguments are drawn from their own bytes (``TestCase.args``), so the plan
still works when ``wasm-tools shrink`` changes the module's exports.
"""

from __future__ import annotations

from typing import Sequence

from wasmfuzz.oracles.compare import Call
from wasmfuzz.oracles.execution import ExportInfo
from wasmfuzz.oracles.values import Value, float_bits

from .source import Source, Unstructured, boolean, choice

_INT_SPECIALS = {"i32": (0, 1, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000),
                 "i64": (0, 1, 0xFFFFFFFFFFFFFFFF, 0x7FFFFFFFFFFFFFFF, 0x8000000000000000)}
_FLOAT_SPECIALS = (0.0, -0.0, 1.0, -1.0, float("inf"), float("-inf"), float("nan"), 2.0 ** 31, -(2.0 ** 63))
_CANONICAL_NAN = {"f32": 0x7FC00000, "f64": 0x7FF8000000000000}
_WIDTH = {"i32": 32, "i64": 64, "f32": 32, "f64": 64}


def arbitrary_value(src: Source, type_: str) -> Value:
    if type_ not in _WIDTH:
        return Value(type_, None, "null")  # reference arguments are null
    if boolean(src):
        if type_ in _INT_SPECIALS:
            return Value(type_, choice(src, _INT_SPECIALS[type_]))
        v = Value(type_, float_bits(type_, choice(src, _FLOAT_SPECIALS)))
    else:
        v = Value(type_, src.int_in(0, (1 << _WIDTH[type_]) - 1))
    return Value(type_, _CANONICAL_NAN[type_]) if v.is_nan else v


def call_plan(args: bytes, invocations: int):
    """A plan for ``oracles.compare``: each exported function ``invocations``
    times, in export order, with arguments drawn from ``args``."""
    def plan(exports: Sequence[ExportInfo]) -> list[Call]:
        src = Unstructured(args)
        return [Call(e.name, tuple(arbitrary_value(src, t) for t in e.params))
                for e in exports if e.kind == "func" for _ in range(invocations)]
    return plan
