"""``Table``: a table seen from the host, as in wasmtime-py."""

from __future__ import annotations

from .binary.module_info import TableSig
from .arguments import expect, expect_store
from .errors import WasmtimeError
from .func import from_wasm, to_wasm
from .types import TableType
from .vm.context import M32, M64, TableInstance


class Table:
    """``Table(store, TableType(ValType.funcref(), Limits(1, None)), init)``."""

    __slots__ = ("_table", "_store")

    def __init__(self, store, ty: TableType, init):
        store = expect_store(store)
        sig = expect(ty, TableType, "a TableType")._sig
        if sig.max is not None and sig.max < sig.min:
            raise WasmtimeError("table minimum size is greater than its maximum")
        store._reserve("tables")
        self._store = store
        self._table = TableInstance(sig.elem, sig.min, sig.max, to_wasm(sig.elem, init, store), sig.is64,
                                    store._limits)

    @classmethod
    def _from_instance(cls, store, table: TableInstance) -> "Table":
        t = cls.__new__(cls)
        t._table = table
        t._store = store
        return t

    def type(self, store=None) -> TableType:
        t = self._table
        return TableType._from_sig(TableSig(t.elem_type, len(t.elems), t.max, t.is64))

    def size(self, store=None) -> int:
        return len(self._table.elems)

    def get(self, store, idx: int):
        """The element at ``idx``, or None if ``idx`` is out of bounds (as wasmtime-py)."""
        t = self._table
        if not 0 <= idx < len(t.elems):
            return None
        v = t.resolve(idx) if t.lazy is not None else t.elems[idx]
        return None if v is None else from_wasm(t.elem_type, v, store)  # null, the most common, at once

    def set(self, store, idx: int, val) -> None:
        t = self._table
        if not 0 <= idx < len(t.elems):
            raise WasmtimeError("table index out of bounds")
        t.elems[idx] = to_wasm(t.elem_type, val, store)

    def grow(self, store, amt: int, init) -> int:
        """Grow by ``amt`` elements set to ``init``; the old size, or WasmtimeError."""
        t = self._table
        old = t.grow(amt, to_wasm(t.elem_type, init, store))
        if old == (M64 if t.is64 else M32):
            raise WasmtimeError("failed to grow table")
        return old

    def __eq__(self, other) -> bool:
        return isinstance(other, Table) and other._table is self._table

    def __hash__(self) -> int:
        return id(self._table)
