"""The calls made on an instance: every exported function, with drawn arguments.

Arguments come from the table of edge values (``edges``) three times in
four, otherwise arbitrary bits, after Wasmtime's
``DiffValue::arbitrary_of_type``. NaN arguments keep their payloads: both
engines receive a float argument through the same Python conversion (a
signalling NaN arrives quiet in both, payload kept), and what comes back
out is compared under ``oracles.allowed``'s NaN rules. Arguments are drawn
from their own bytes (``TestCase.args``), so the plan still works when
``wasm-tools shrink`` changes the module's exports.
"""

from __future__ import annotations

from typing import Sequence

from wasmfuzz.oracles.compare import Call
from wasmfuzz.oracles.execution import ExportInfo
from wasmfuzz.oracles.values import Value

from . import edges
from .source import Source, Unstructured


def arbitrary_value(src: Source, type_: str) -> Value:
    if type_ not in edges.WIDTH:
        return Value(type_, None, "null")  # reference arguments are null
    return Value(type_, edges.value(src, type_))


def call_plan(args: bytes, invocations: int):
    """A plan for ``oracles.compare``: each exported function ``invocations``
    times, in export order, with arguments drawn from ``args``."""
    def plan(exports: Sequence[ExportInfo]) -> list[Call]:
        src = Unstructured(args)
        return [Call(e.name, tuple(arbitrary_value(src, t) for t in e.params))
                for e in exports if e.kind == "func" for _ in range(invocations)]
    return plan
