"""Public type descriptions, as in wasmtime-py: ValType, FuncType, Limits,
GlobalType, TableType, MemoryType, TagType, ImportType, ExportType.

Each wraps the internal description from ``module_info`` (``FuncSig``,
``TableSig``, ...) so the API and the runtime agree on one representation.
"""

from __future__ import annotations

from .binary.module_info import (EXTERN_FUNC, EXTERN_GLOBAL, EXTERN_MEMORY, EXTERN_TABLE, EXTERN_TAG, FuncSig,
                                 GlobalSig, MemSig, TableSig)
from .binary.opcodes import EXTERNREF, F32, F64, FUNCREF, I32, I64, TYPE_NAMES, V128
from .binary.reftypes import is_ref, type_name
from .errors import WasmtimeError


class ValType:
    """A value type. Use the constructors ``ValType.i32()`` etc.; equal types compare equal."""

    __slots__ = ("code",)
    _cache: dict[int, "ValType"] = {}

    def __init__(self, code: int):
        if code not in TYPE_NAMES and not is_ref(code):  # typed references come only from modules
            raise WasmtimeError(f"unknown value type 0x{code:x}")
        self.code = code

    @classmethod
    def _of(cls, code: int) -> "ValType":
        v = cls._cache.get(code)
        if v is None:
            v = cls._cache[code] = cls(code)
        return v

    @classmethod
    def i32(cls) -> "ValType":
        return cls._of(I32)

    @classmethod
    def i64(cls) -> "ValType":
        return cls._of(I64)

    @classmethod
    def f32(cls) -> "ValType":
        return cls._of(F32)

    @classmethod
    def f64(cls) -> "ValType":
        return cls._of(F64)

    @classmethod
    def v128(cls) -> "ValType":
        return cls._of(V128)

    @classmethod
    def externref(cls) -> "ValType":
        return cls._of(EXTERNREF)

    @classmethod
    def funcref(cls) -> "ValType":
        return cls._of(FUNCREF)

    def __eq__(self, other) -> bool:
        return isinstance(other, ValType) and other.code == self.code

    def __hash__(self) -> int:
        return hash(self.code)

    def __str__(self) -> str:
        return type_name(self.code)

    def __repr__(self) -> str:
        return type_name(self.code)


def _codes(types) -> tuple[int, ...]:
    out = []
    for t in types:
        if not isinstance(t, ValType):
            raise TypeError(f"expected ValType, got {type(t).__name__}")
        out.append(t.code)
    return tuple(out)


class FuncType:
    """A function type: ``FuncType([ValType.i32()], [ValType.i64()])``."""

    __slots__ = ("_sig",)

    def __init__(self, params, results):
        self._sig = FuncSig(_codes(params), _codes(results))

    @classmethod
    def _from_sig(cls, sig: FuncSig) -> "FuncType":
        ft = cls.__new__(cls)
        ft._sig = sig
        return ft

    @property
    def params(self) -> list[ValType]:
        return [ValType._of(c) for c in self._sig.params]

    @property
    def results(self) -> list[ValType]:
        return [ValType._of(c) for c in self._sig.results]

    def __eq__(self, other) -> bool:
        return isinstance(other, FuncType) and other._sig == self._sig

    def __hash__(self) -> int:
        return hash(self._sig)

    def __repr__(self) -> str:
        return f"FuncType({self._sig})"


class Limits:
    """Size limits of a table or memory (``max`` may be None)."""

    __slots__ = ("min", "max")

    def __init__(self, min: int, max: int | None):
        self.min = min
        self.max = max

    def __eq__(self, other) -> bool:
        return isinstance(other, Limits) and (self.min, self.max) == (other.min, other.max)

    def __repr__(self) -> str:
        return f"Limits({self.min}, {self.max})"


class GlobalType:
    __slots__ = ("_sig",)

    def __init__(self, valtype: ValType, mutable: bool):
        if not isinstance(valtype, ValType):
            raise TypeError("expected ValType")
        self._sig = GlobalSig(valtype.code, bool(mutable))

    @classmethod
    def _from_sig(cls, sig: GlobalSig) -> "GlobalType":
        gt = cls.__new__(cls)
        gt._sig = sig
        return gt

    @property
    def content(self) -> ValType:
        return ValType._of(self._sig.type)

    @property
    def mutable(self) -> bool:
        return self._sig.mutable

    def __repr__(self) -> str:
        return f"GlobalType({self.content}, mutable={self.mutable})"


class TableType:
    __slots__ = ("_sig",)

    def __init__(self, valtype: ValType, limits: Limits, is_64: bool = False):
        if not isinstance(valtype, ValType) or valtype.code not in (FUNCREF, EXTERNREF):
            raise WasmtimeError("table element type must be a reference type")
        self._sig = TableSig(valtype.code, limits.min, limits.max, is_64)

    @classmethod
    def _from_sig(cls, sig: TableSig) -> "TableType":
        tt = cls.__new__(cls)
        tt._sig = sig
        return tt

    @property
    def element(self) -> ValType:
        return ValType._of(self._sig.elem)

    @property
    def limits(self) -> Limits:
        return Limits(self._sig.min, self._sig.max)

    @property
    def is_64(self) -> bool:
        return self._sig.is64

    def __repr__(self) -> str:
        return f"TableType({self.element}, {self.limits})"


class MemoryType:
    __slots__ = ("_sig",)

    def __init__(self, limits: Limits, is_64: bool = False, shared: bool = False, page_size_log2: int = 16):
        if not isinstance(limits, Limits):
            raise TypeError("expected Limits")
        if page_size_log2 not in (0, 16):
            raise WasmtimeError("page size must be 1 or 65536 bytes")
        # The spec's bound: the whole index space (2**32 or 2**64 bytes) in pages.
        bound = 1 << ((64 if is_64 else 32) - page_size_log2)
        if not isinstance(limits.min, int) or not 0 <= limits.min <= bound:
            raise WasmtimeError("minimum size is too large for this memory type's index type")
        if limits.max is not None and (not isinstance(limits.max, int) or not limits.min <= limits.max <= bound):
            raise WasmtimeError("maximum size must be at least the minimum and within the index type's range")
        if shared and limits.max is None:
            raise WasmtimeError("shared memories must have a maximum size")
        self._sig = MemSig(limits.min, limits.max, bool(is_64), bool(shared), page_size_log2)

    @classmethod
    def _from_sig(cls, sig: MemSig) -> "MemoryType":
        mt = cls.__new__(cls)
        mt._sig = sig
        return mt

    @property
    def limits(self) -> Limits:
        return Limits(self._sig.min, self._sig.max)

    @property
    def is_64(self) -> bool:
        return self._sig.is64

    @property
    def is_shared(self) -> bool:
        return self._sig.shared

    @property
    def page_size_log2(self) -> int:
        return self._sig.page_size_log2

    @property
    def page_size(self) -> int:
        return 1 << self._sig.page_size_log2

    def __repr__(self) -> str:
        return f"MemoryType({self.limits}, is_64={self.is_64})"


class TagType:
    """The type of an exception tag: the function type of its payload (no results)."""

    __slots__ = ("_sig",)

    def __init__(self, functype: FuncType):
        if not isinstance(functype, FuncType):
            raise TypeError("expected a FuncType")
        self._sig = functype._sig

    @classmethod
    def _from_sig(cls, sig: FuncSig) -> "TagType":
        tt = cls.__new__(cls)
        tt._sig = sig
        return tt

    @property
    def functype(self) -> FuncType:
        return FuncType._from_sig(self._sig)

    def __repr__(self) -> str:
        return f"TagType({self._sig})"


def extern_type(kind: int, desc, types: list[FuncSig]):
    """The public type object for an import/export descriptor."""
    if kind == EXTERN_FUNC:
        return FuncType._from_sig(types[desc] if isinstance(desc, int) else desc)
    if kind == EXTERN_TAG:
        return TagType._from_sig(types[desc] if isinstance(desc, int) else desc)
    if kind == EXTERN_TABLE:
        return TableType._from_sig(desc)
    if kind == EXTERN_MEMORY:
        return MemoryType._from_sig(desc)
    if kind == EXTERN_GLOBAL:
        return GlobalType._from_sig(desc)
    raise WasmtimeError(f"unsupported extern kind {kind}")


class ImportType:
    __slots__ = ("module", "name", "type")

    def __init__(self, module: str, name: str, type_):
        self.module = module
        self.name = name
        self.type = type_

    def __repr__(self) -> str:
        return f"ImportType({self.module!r}, {self.name!r}, {self.type!r})"


class ExportType:
    __slots__ = ("name", "type")

    def __init__(self, name: str, type_):
        self.name = name
        self.type = type_

    def __repr__(self) -> str:
        return f"ExportType({self.name!r}, {self.type!r})"
