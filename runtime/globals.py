"""``Global``: a global variable seen from the host, as in wasmtime-py."""

from __future__ import annotations

from .binary.module_info import GlobalSig
from .arguments import expect, expect_store
from .errors import WasmtimeError
from .func import from_wasm, to_wasm
from .types import GlobalType
from .vm.context import GlobalCell


class Global:
    """``Global(store, GlobalType(ValType.i32(), mutable), value)``."""

    __slots__ = ("_cell", "_store")

    def __init__(self, store, ty: GlobalType, val):
        store = expect_store(store)
        expect(ty, GlobalType, "a GlobalType")
        self._store = store
        self._cell = GlobalCell(ty._sig.type, ty._sig.mutable, to_wasm(ty._sig.type, val, store))

    @classmethod
    def _from_cell(cls, store, cell: GlobalCell) -> "Global":
        g = cls.__new__(cls)
        g._cell = cell
        g._store = store
        return g

    def type(self, store=None) -> GlobalType:
        return GlobalType._from_sig(GlobalSig(self._cell.type, self._cell.mutable))

    def value(self, store=None):
        return from_wasm(self._cell.type, self._cell.value, store)

    def set_value(self, store, val) -> None:
        if not self._cell.mutable:
            raise WasmtimeError("global is immutable: cannot set its value")
        self._cell.value = to_wasm(self._cell.type, val, store)

    def __eq__(self, other) -> bool:
        return isinstance(other, Global) and other._cell is self._cell

    def __hash__(self) -> int:
        return id(self._cell)
