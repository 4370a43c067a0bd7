"""``Memory`` and ``SharedMemory``: linear memories seen from the host, as in wasmtime-py.

Sizes, offsets and growth deltas are plain ints, so 64-bit memories need
nothing special: every value up to 2**64 - 1 is accepted, and what does not
fit the memory fails the way wasmtime-py fails (``WasmtimeError`` for
growth, ``IndexError`` for writes, slice semantics for reads).

A shared memory belongs to no store: threads that each have their own store
import the same ``SharedMemory``, as with wasmtime-py.
"""

from __future__ import annotations

import ctypes

from .arguments import expect, expect_store
from .binary.module_info import MemSig
from .errors import WasmtimeError
from .managed import Managed
from .types import MemoryType
from .vm.context import M32, M64, MemoryInstance

_U64_LIMIT = 1 << 64


class Memory:
    """``Memory(store, MemoryType(Limits(1, None)))`` makes a host memory;
    exported memories come from ``instance.exports(store)``. Shared memories
    are ``SharedMemory``."""

    __slots__ = ("_mem", "_store")

    def __init__(self, store, ty: MemoryType):
        store = expect_store(store)
        sig = expect(ty, MemoryType, "a MemoryType")._sig
        if sig.shared:
            raise WasmtimeError("shared memories must be created through `SharedMemory`")
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
        return _current_type(self._mem)

    def size(self, store=None) -> int:
        """Current size in pages."""
        return self._mem.pages

    def data_len(self, store=None) -> int:
        """Current size in bytes."""
        return len(self._mem.data)

    def page_size(self, store=None) -> int:
        return 1 << self._mem.page_size_log2

    def page_size_log2(self, store=None) -> int:
        return self._mem.page_size_log2

    def grow(self, store, delta: int) -> int:
        """Grow by ``delta`` pages and return the old size; raises WasmtimeError on failure."""
        return _grow(self._mem, delta)

    def read(self, store, start: int | None = 0, stop: int | None = None) -> bytearray:
        """A copy of bytes ``[start, stop)``, with Python slice semantics for the bounds."""
        data = self._mem.data
        start, stop, _ = slice(start, stop).indices(len(data))
        return bytearray(data[start:stop]) if stop > start else bytearray()

    def write(self, store, value: bytes, start: int | None = None) -> int:
        """Write ``value`` at ``start`` (negative counts from the end); the
        number of bytes written. IndexError if ``start`` is not inside the
        memory or ``value`` does not fit."""
        data = self._mem.data
        start = slice(start, None).indices(len(data))[0]
        end = start + len(value)
        if start >= len(data) or end > len(data):
            raise IndexError("index out of range")
        data[start:end] = value
        return len(value)

    def data_ptr(self, store=None) -> "ctypes._Pointer[ctypes.c_ubyte]":
        """A ctypes pointer to the memory's first byte (see ``data_ptr``)."""
        return data_ptr(self._mem)

    def get_buffer_ptr(self, store=None, size: int | None = None, offset: int = 0):
        """A memoryview of the memory's current bytes. Growth fails while one
        is alive: ``.release()`` it first."""
        view = memoryview(self._mem.data)
        return view[offset:offset + size] if size is not None else view[offset:]

    def __eq__(self, other) -> bool:
        return isinstance(other, Memory) and other._mem is self._mem

    def __hash__(self) -> int:
        return id(self._mem)


class SharedMemory(Managed):
    """``SharedMemory(engine, MemoryType(Limits(1, 4), shared=True))``: a memory
    several threads use at once, each importing it into an instance in its
    own store. Needs ``Config.wasm_threads`` and ``Config.shared_memory``, and
    a shared type with a maximum (the validator's rule for shared memories)."""

    __slots__ = ("_mem", "_closed")

    def __init__(self, engine, ty: MemoryType):
        sig = expect(ty, MemoryType, "a MemoryType")._sig
        check_shared_memory_enabled(engine)
        if not sig.shared:
            raise WasmtimeError("SharedMemory needs a shared MemoryType")
        if sig.max is None:
            raise WasmtimeError("shared memories must have a maximum size")
        self._mem = MemoryInstance(sig.min, sig.max, sig.is64, True, sig.page_size_log2)
        self._closed = False

    @classmethod
    def _from_instance(cls, mem: MemoryInstance) -> "SharedMemory":
        m = cls.__new__(cls)
        m._mem = mem
        m._closed = False
        return m

    def type(self) -> MemoryType:
        return _current_type(self._mem)

    def size(self) -> int:
        """Current size in pages."""
        return self._mem.pages

    def data_len(self) -> int:
        """Current size in bytes."""
        return len(self._mem.data)

    def grow(self, delta: int) -> int:
        """Grow by ``delta`` pages and return the old size; raises WasmtimeError on failure."""
        return _grow(self._mem, delta)

    def data_ptr(self) -> "ctypes._Pointer[ctypes.c_ubyte]":
        """A ctypes pointer to the memory's first byte (see ``data_ptr``)."""
        return data_ptr(self._mem)

    def __eq__(self, other) -> bool:
        return isinstance(other, SharedMemory) and other._mem is self._mem

    def __hash__(self) -> int:
        return id(self._mem)


def check_shared_memory_enabled(engine) -> None:
    """Wasmtime's rule: shared memories exist only with Config.shared_memory."""
    if not engine.features.threads or not engine._shared_memory:
        raise WasmtimeError("shared memory support is disabled for this engine -- see `Config.shared_memory`")


def _current_type(mem: MemoryInstance) -> MemoryType:
    return MemoryType._from_sig(MemSig(mem.pages, mem.max, mem.is64, mem.shared, mem.page_size_log2))


def data_ptr(mem: MemoryInstance) -> "ctypes._Pointer[ctypes.c_ubyte]":
    """The address of a memory's bytes as a ctypes pointer, for code that
    hands linear memory to C. Like wasmtime-py's, it is valid until the
    memory grows (growth may move the bytes) and is not bounds-checked. It
    holds no buffer export, so it does not stop growth as a memoryview would."""
    data = mem.data
    if not len(data):
        return ctypes.POINTER(ctypes.c_ubyte)()  # an empty memory has no bytes to point at: NULL
    address = ctypes.addressof(ctypes.c_ubyte.from_buffer(data))
    return ctypes.cast(address, ctypes.POINTER(ctypes.c_ubyte))


def _grow(mem: MemoryInstance, delta: int) -> int:
    if not isinstance(delta, int) or isinstance(delta, bool):
        raise TypeError(f"memory growth delta must be an int, not {type(delta).__name__}")
    if not 0 <= delta < _U64_LIMIT:
        raise WasmtimeError("memory growth delta must be in [0, 2**64)")
    old = mem.grow_pages(delta)
    if old == (M64 if mem.is64 else M32):
        raise WasmtimeError(f"failed to grow memory by `{delta}`")
    return old
