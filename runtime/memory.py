"""``Memory``: a linear memory seen from the host, as in wasmtime-py."""

from __future__ import annotations

from .errors import WasmtimeError
from .types import MemoryType
from .vm import M32, M64, MemoryInstance


class Memory:
    """``Memory(store, MemoryType(Limits(1, None)))`` makes a host memory;
    exported memories come from ``instance.exports(store)``."""

    __slots__ = ("_mem", "_store")

    def __init__(self, store, ty: MemoryType):
        if not isinstance(ty, MemoryType):
            raise TypeError("expected a MemoryType")
        sig = ty._sig
        if sig.max is not None and sig.max < sig.min:
            raise WasmtimeError("memory minimum size is greater than its maximum")
        store._reserve("memories")
        self._store = store
        self._mem = MemoryInstance(sig.min, sig.max, sig.is64, sig.shared, sig.page_size_log2, store._limits)

    @classmethod
    def _from_instance(cls, store, mem: MemoryInstance) -> "Memory":
        m = cls.__new__(cls)
        m._mem = mem
        m._store = store
        return m

    def type(self, store=None) -> MemoryType:
        from .module_info import MemSig
        m = self._mem
        return MemoryType._from_sig(MemSig(m.pages, m.max, m.is64, m.shared, m.page_size_log2))

    def size(self, store=None) -> int:
        """Current size in pages."""
        return self._mem.pages

    def data_len(self, store=None) -> int:
        """Current size in bytes."""
        return len(self._mem.data)

    def grow(self, store, delta: int) -> int:
        """Grow by ``delta`` pages and return the old size; raises WasmtimeError on failure."""
        if not isinstance(delta, int) or delta < 0:
            raise WasmtimeError("memory growth delta must be a non-negative int")
        old = self._mem.grow_pages(delta)
        if old == (M64 if self._mem.is64 else M32):
            raise WasmtimeError("failed to grow memory")
        return old

    def read(self, store, start: int | None = None, stop: int | None = None) -> bytearray:
        """Bytes ``[start, stop)``, with Python slice semantics for the bounds."""
        return bytearray(self._mem.data[start:stop])

    def write(self, store, value: bytes, start: int | None = None) -> int:
        """Write ``value`` at ``start``; raises IndexError if it does not fit."""
        data = self._mem.data
        start = start or 0
        if start < 0:
            start += len(data)
        end = start + len(value)
        if start < 0 or end > len(data):
            raise IndexError("out of bounds memory write")
        data[start:end] = value
        return len(value)

    def get_buffer_ptr(self, store=None, size: int | None = None, offset: int = 0):
        """A memoryview of the memory's current bytes. It must be released
        (``.release()``) before the memory can grow."""
        view = memoryview(self._mem.data)
        return view[offset:offset + size] if size is not None else view[offset:]

    def __eq__(self, other) -> bool:
        return isinstance(other, Memory) and other._mem is self._mem

    def __hash__(self) -> int:
        return id(self._mem)
