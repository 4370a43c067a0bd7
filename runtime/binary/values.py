"""How Wasm values live in Python, and the exact conversions between them.

- i32 / i64: unsigned Python ints in range (``0 <= v < 2**32``). The host API
  shows them signed, as wasmtime-py does; conversions are below.
- f64: a Python float; CPython copies doubles bit for bit, and ``-x``,
  ``abs``, ``math.copysign`` touch only the sign, so NaN payloads survive.
- f32: a Python float holding the f32 value exactly. A NaN keeps its 23-bit
  payload in the top payload bits of the double (f32 bit 22, the quiet bit,
  lands on the double's quiet bit), so signalling NaNs survive loads, stores,
  ``neg``/``abs``/``copysign`` and reinterpretation. ``struct``'s ``'f'`` format
  would quiet a signalling NaN, which is why the bit conversions below build
  NaNs by hand.
- funcref / externref: an object, or None for null.

Arithmetic on f32 is done in double precision and rounded once with
``f32_round``: for +, -, *, / and sqrt that gives the correctly rounded f32
result (double has more than 2*24+2 bits of precision).
"""

from __future__ import annotations

import struct

_F32 = struct.Struct("<f")
_U32 = struct.Struct("<I")
_F64 = struct.Struct("<d")
_U64 = struct.Struct("<Q")

_pack_f32 = _F32.pack
_unpack_f32 = _F32.unpack
_pack_u32 = _U32.pack
_unpack_u32 = _U32.unpack
_pack_f64 = _F64.pack
_unpack_f64 = _F64.unpack
_pack_u64 = _U64.pack
_unpack_u64 = _U64.unpack

INF = float("inf")
MASK32 = 0xFFFFFFFF
MASK64 = 0xFFFFFFFFFFFFFFFF
MASK128 = (1 << 128) - 1  # a v128, and the wide-arithmetic pairs


def f64_bits(x: float) -> int:
    """The IEEE-754 bit pattern of an f64 value."""
    return _unpack_u64(_pack_f64(x))[0]


def f64_from_bits(bits: int) -> float:
    """The f64 value with bit pattern ``bits`` (exact, NaN payloads included)."""
    return _unpack_f64(_pack_u64(bits))[0]


def f32_from_bits(bits: int) -> float:
    """The f32 value with bit pattern ``bits``, as this runtime's Python float."""
    if bits & 0x7F800000 == 0x7F800000 and bits & 0x7FFFFF:
        # NaN: widen by hand so a signalling NaN is not quieted.
        return _unpack_f64(_pack_u64(((bits & 0x80000000) << 32) | 0x7FF0000000000000
                                     | ((bits & 0x7FFFFF) << 29)))[0]
    return _unpack_f32(_pack_u32(bits))[0]


def f32_bits(x: float) -> int:
    """The f32 bit pattern of a value in this runtime's f32 representation."""
    if x != x:
        d = _unpack_u64(_pack_f64(x))[0]
        # A double NaN whose payload sits only in the low 29 bits has no f32
        # counterpart; it becomes the quiet NaN, as a C conversion would.
        return ((d >> 32) & 0x80000000) | 0x7F800000 | (((d >> 29) & 0x7FFFFF) or 0x400000)
    return _unpack_u32(_pack_f32(x))[0]


def f32_round(x: float) -> float:
    """Round a double to the nearest f32 (ties to even), overflowing to infinity."""
    try:
        return _unpack_f32(_pack_f32(x))[0]
    except OverflowError:
        return INF if x > 0 else -INF


def to_f32(x: float) -> float:
    """A host float as an f32 value: rounded, or for a NaN, kept (with its f32
    payload) when it already is an f32 NaN in this representation."""
    if x != x:
        return f32_from_bits(f32_bits(x))
    return f32_round(x)


def i32_signed(v: int) -> int:
    return v - 0x100000000 if v & 0x80000000 else v


def i64_signed(v: int) -> int:
    return v - 0x10000000000000000 if v & 0x8000000000000000 else v
