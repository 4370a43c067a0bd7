"""Smith's constants moved to edge values, in the module's bytes.

wasm-smith draws a constant's bits uniformly, so a smith program almost
never divides INT_MIN by -1, shifts by the width, or carries a NaN payload
into an operator; engine bugs live there (``edges``). ``rewrite`` replaces
a share of the ``*.const`` operands in function bodies with values from
``edges.TABLES``, in place: the runtime's decoder gives each instruction's
offset, so the pass is a decoding and one rebuilt code section (about a
millisecond for a smith module, where ``wasm-tools mutate`` costs a process
and does not aim at edges).

The one constant left alone is the step of smith's termination fuel
(``global.get $fuel; i32.const 1; i32.sub``): moved to 0 or a negative
value, the module would never stop. Everything else a constant feeds may
change, traps included: the comparison judges them like any others.
"""

from __future__ import annotations

import random
import struct

from wasmfuzz.oracles.rewrite import CODE_SECTION, sections, uleb
from wasmfuzz.runtime.binary import opcodes as ops
from wasmfuzz.runtime.binary.decode import decode_module
from wasmfuzz.runtime.binary.features import ALL
from wasmfuzz.runtime.errors import WasmtimeError

from .edges import TABLES

_TYPES = {ops.I32_CONST: "i32", ops.I64_CONST: "i64", ops.F32_CONST: "f32", ops.F64_CONST: "f64"}
_I32_SUB = ops.NAMES["i32.sub"]


def rewrite(wasm: bytes, rng: random.Random, share: float) -> bytes:
    """``wasm`` with each rewritable constant, with probability ``share``,
    replaced by an edge value of its type drawn with ``rng``."""
    code = next((s for s in sections(wasm) if s[0] == CODE_SECTION), None)
    if code is None:
        return wasm
    _, section_start, payload_start, section_end = code
    try:  # instructions and their offsets only: smith's modules are valid, and the comparison validates
        bodies = decode_module(wasm, ALL, lazy_bodies=True).code
        for body in bodies:
            body.code  # decoded now: a body that does not decode raises here
    except WasmtimeError:  # a module the runtime cannot decode is compared as it is (both engines refuse it)
        return wasm
    if not bodies:
        return wasm
    out = [wasm[payload_start:bodies[0].offset]]  # the function count
    for body in bodies:
        content = bytearray()
        pos = body.start  # the local declarations, right after the body's size
        for i, ins in enumerate(body.code):
            type_ = _TYPES.get(ins[0])
            if type_ is None or _is_fuel_step(body.code, i) or rng.random() >= share:
                continue
            content += wasm[pos:body.offsets[i]]
            content += bytes([ins[0]]) + _encode(type_, rng.choice(TABLES[type_]))
            pos = body.offsets[i + 1]
        content += wasm[pos:body.offsets[-1] + 1]
        out.append(uleb(len(content)) + bytes(content))
    payload = b"".join(out)
    return wasm[:section_start] + bytes([CODE_SECTION]) + uleb(len(payload)) + payload + wasm[section_end:]


def _is_fuel_step(code: list, i: int) -> bool:
    return 0 < i < len(code) - 1 and code[i - 1][0] == ops.GLOBAL_GET and code[i + 1][0] == _I32_SUB


def _encode(type_: str, bits: int) -> bytes:
    if type_ == "f32":
        return struct.pack("<I", bits)
    if type_ == "f64":
        return struct.pack("<Q", bits)
    width = 32 if type_ == "i32" else 64
    return _sleb(bits - (1 << width) if bits >> (width - 1) else bits)


def _sleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40):
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)
