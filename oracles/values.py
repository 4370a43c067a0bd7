"""Wasm values as the oracles see them: engine-neutral and bit-exact.

Both engines hand back Python ints (signed), floats and function objects;
``Value`` turns them into one form: ints unsigned, floats as their IEEE
bit pattern (so -0.0 and NaN payloads are visible), references as null or
a description of the function. Equality with the allowed differences
(NaNs, references an engine cannot name) is in ``allowed``, not here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from wasmfuzz.runtime.vm.gc import AnyExtern

NUMBERS = ("i32", "i64", "f32", "f64")  # the number types, by the names Value uses
MASKS = {"i32": 0xFFFFFFFF, "i64": 0xFFFFFFFFFFFFFFFF}
FLOAT_FORMATS = {"f32": ("<f", "<I"), "f64": ("<d", "<Q")}
NAN_BITS = {"f32": (0x7F800000, 0x007FFFFF), "f64": (0x7FF0000000000000, 0x000FFFFFFFFFFFFF)}


@dataclass(frozen=True)
class Value:
    type: str  # i32 i64 f32 f64 funcref externref
    bits: int | None = None  # numbers: unsigned int or IEEE bits; refs: None
    ref: str | None = None  # refs: "null", the function's type, "ref" or "internal" (an externalized GC reference)
    ident: int | None = None  # refs: the function's index, when the engine can tell

    @classmethod
    def of(cls, type_: str, v) -> "Value":
        """The value an engine returned, of Wasm type ``type_``."""
        if type_ in MASKS:
            return cls(type_, int(v) & MASKS[type_])
        if type_ in FLOAT_FORMATS:
            return cls(type_, float_bits(type_, v))
        return cls(type_, None, "null" if v is None else "internal" if type(v) is AnyExtern else "ref")

    def to_host(self):
        """The Python value to pass to an engine for this argument."""
        if self.type in MASKS:
            top = (MASKS[self.type] >> 1) + 1
            return self.bits - (top << 1) if self.bits >= top else self.bits
        if self.type in FLOAT_FORMATS:
            fmt, ifmt = FLOAT_FORMATS[self.type]
            return struct.unpack(fmt, struct.pack(ifmt, self.bits))[0]
        return None

    @property
    def is_nan(self) -> bool:
        if self.type not in NAN_BITS:
            return False
        exp, frac = NAN_BITS[self.type]
        return self.bits & exp == exp and self.bits & frac != 0

    @property
    def is_quiet_nan(self) -> bool:
        """A NaN with its quiet bit (the payload's top bit) set: an arithmetic NaN."""
        return self.is_nan and bool(self.bits & (NAN_BITS[self.type][1] + 1) >> 1)

    def __str__(self) -> str:
        if self.type in MASKS:
            return f"{self.type}:{self.bits}"
        if self.type in FLOAT_FORMATS:
            return f"{self.type}:{self.to_host()!r}(0x{self.bits:x})"
        ident = f"#{self.ident}" if self.ident is not None else ""
        return f"{self.type}:{self.ref}{ident}"


def float_bits(type_: str, v: float) -> int:
    fmt, ifmt = FLOAT_FORMATS[type_]
    return struct.unpack(ifmt, struct.pack(fmt, v))[0]
