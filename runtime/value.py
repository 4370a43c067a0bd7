"""``Val``, wasmtime-py's typed value, and the zero value of each type.

The host side sees what wasmtime-py shows: i32/i64 as signed ints, floats as
floats, funcref as ``Func`` (or None), externref as any Python object (None
is null). v128, which wasmtime-py 50 cannot carry (it aborts on such types),
is an unsigned int of 128 bits, lane 0 in the low bits. The conversions to
and from the Wasm side are in ``func``, since a funcref crosses as a ``Func``.
"""

from __future__ import annotations

from .binary.opcodes import EXTERNREF, F32, F64, FUNCREF, I32, I64, V128
from .binary.values import MASK128, i32_signed, i64_signed, to_f32
from .types import ValType


class Val:
    """A typed value, as wasmtime-py's ``Val``."""

    __slots__ = ("_type", "_value")

    def __init__(self, type_: ValType, value):
        self._type = type_
        self._value = value

    @classmethod
    def i32(cls, val: int) -> "Val":
        """Wrapped to 32 bits, as wasmtime-py's C union does; only ints."""
        return cls(ValType.i32(), i32_signed(_int(val) & 0xFFFFFFFF))

    @classmethod
    def i64(cls, val: int) -> "Val":
        return cls(ValType.i64(), i64_signed(_int(val) & 0xFFFFFFFFFFFFFFFF))

    @classmethod
    def f32(cls, val: float) -> "Val":
        """Rounded to single precision; only floats (``Val.f32(1)`` is a
        TypeError in wasmtime-py, so it is here)."""
        return cls(ValType.f32(), to_f32(_float(val)))

    @classmethod
    def f64(cls, val: float) -> "Val":
        return cls(ValType.f64(), _float(val))

    @classmethod
    def v128(cls, val: int) -> "Val":
        """Wrapped to 128 bits (so -1 is all ones); only ints."""
        return cls(ValType.v128(), _int(val) & MASK128)

    @classmethod
    def externref(cls, extern) -> "Val":
        return cls(ValType.externref(), extern)

    @classmethod
    def funcref(cls, f) -> "Val":
        return cls(ValType.funcref(), f)

    @classmethod
    def ref_null(cls, ty: ValType) -> "Val":
        return cls(ty, None)

    @property
    def value(self):
        return self._value

    @property
    def type(self) -> ValType:
        return self._type

    def _as(self, code: int):
        return self._value if self._type.code == code else None

    def as_i32(self):
        return self._as(I32)

    def as_i64(self):
        return self._as(I64)

    def as_f32(self):
        return self._as(F32)

    def as_f64(self):
        return self._as(F64)

    def as_v128(self):
        return self._as(V128)

    def as_externref(self):
        return self._as(EXTERNREF)

    def as_funcref(self):
        return self._as(FUNCREF)

    def __eq__(self, other) -> bool:
        if isinstance(other, Val):
            return self._type == other._type and self._value == other._value
        return self._value == other

    def __repr__(self) -> str:
        return f"Val.{self._type}({self._value!r})"


def default_value(code: int):
    """The zero value of a type, as Wasm stores it."""
    if code in (I32, I64, V128):
        return 0
    if code in (F32, F64):
        return 0.0
    return None


def _int(val) -> int:
    if not isinstance(val, int):
        raise TypeError("expected an integer")
    return val


def _float(val) -> float:
    if not isinstance(val, float):
        raise TypeError("expected a float")
    return val
