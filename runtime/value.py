"""``Val`` and the conversions between host values and Wasm values.

The host side sees what wasmtime-py shows: i32/i64 as signed ints, floats as
floats, funcref as ``Func`` (or None), externref as any Python object (None
is null). Inside, ints are unsigned and f32 follows ``values``' encoding.
Host arguments may be plain Python values or ``Val``; ints are accepted
signed or unsigned.
"""

from __future__ import annotations

from .errors import WasmtimeError
from .opcodes import EXTERNREF, F32, F64, FUNCREF, I32, I64, TYPE_NAMES
from .types import ValType
from .values import i32_signed, i64_signed, to_f32


class Val:
    """A typed value, as wasmtime-py's ``Val``."""

    __slots__ = ("_type", "_value")

    def __init__(self, type_: ValType, value):
        self._type = type_
        self._value = value

    @classmethod
    def i32(cls, v: int) -> "Val":
        return cls(ValType.i32(), i32_signed(int(v) & 0xFFFFFFFF))

    @classmethod
    def i64(cls, v: int) -> "Val":
        return cls(ValType.i64(), i64_signed(int(v) & 0xFFFFFFFFFFFFFFFF))

    @classmethod
    def f32(cls, v: float) -> "Val":
        return cls(ValType.f32(), to_f32(float(v)))

    @classmethod
    def f64(cls, v: float) -> "Val":
        return cls(ValType.f64(), float(v))

    @classmethod
    def externref(cls, v) -> "Val":
        return cls(ValType.externref(), v)

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


def to_wasm(code: int, v, store=None):
    """A host value (plain or ``Val``) as the Wasm value of type ``code``."""
    kind = type(v)
    if kind is int:  # the common cases first: this runs for every argument of every call
        if code == I32:
            return v & 0xFFFFFFFF
        if code == I64:
            return v & 0xFFFFFFFFFFFFFFFF
    elif kind is float:
        if code == F64:
            return v
        if code == F32:
            return to_f32(v)
    if isinstance(v, Val):
        if v._type.code != code:
            raise TypeError(f"expected a {TYPE_NAMES[code]} value, got {v._type}")
        v = v._value
    if code == I32 or code == I64:
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"don't know how to convert {v!r} to {TYPE_NAMES[code]}")
        return v & (0xFFFFFFFF if code == I32 else 0xFFFFFFFFFFFFFFFF)
    if code == F32 or code == F64:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError(f"don't know how to convert {v!r} to {TYPE_NAMES[code]}")
        return to_f32(float(v)) if code == F32 else float(v)
    if code == FUNCREF:
        if v is None:
            return None
        from .func import Func
        if isinstance(v, Func):
            return v._ref
        raise TypeError(f"don't know how to convert {v!r} to funcref")
    if code == EXTERNREF:
        return v
    raise WasmtimeError(f"values of type {TYPE_NAMES.get(code, hex(code))} are not supported")


def from_wasm(code: int, v, store=None):
    """A Wasm value of type ``code`` as the host sees it."""
    if code == I32:
        v = int(v)
        return v - 0x100000000 if v & 0x80000000 else v
    if code == I64:
        v = int(v)
        return v - 0x10000000000000000 if v & 0x8000000000000000 else v
    if code == FUNCREF:
        if v is None:
            return None
        from .func import Func
        return Func._from_ref(store, v)
    return v


def check_type(code: int, v) -> bool:
    """Whether a Wasm-side value fits type ``code`` (used for host-returned refs)."""
    if code == FUNCREF:
        from .funcref import FuncRef
        return v is None or isinstance(v, FuncRef)
    return True


def default_value(code: int):
    """The zero value of a type, as Wasm stores it."""
    if code in (I32, I64):
        return 0
    if code in (F32, F64):
        return 0.0
    return None


def valtype_of(v: ValType | int) -> int:
    return v.code if isinstance(v, ValType) else v
