"""Instance allocation: on demand, or from fixed pools of slots reused across stores.

``Config.allocation_strategy`` picks one, as Wasmtime's
``InstanceAllocationStrategy`` does:

- **on-demand**: every memory is a fresh buffer (see ``membuf``) and every
  table a fresh list, freed with their store.
- **pooling**: an engine keeps at most ``total_core_instances`` instances,
  ``total_memories`` memories and ``total_tables`` tables alive at once, in
  slots. A memory slot's buffer is kept when its store goes away and reset
  for the next instance (its bytes rewritten from the module's image), which
  saves the large allocation, its page faults and its release; exceeding a
  limit is a ``WasmtimeError`` naming it. Table slots are only counted: a
  Python list is cheaper to make afresh than to refill (measured). Slots return to the pool when their
  store is garbage-collected or ``Store.close()`` is called; on exhaustion the
  pool runs one garbage collection to reclaim stores that are only
  unreachable through reference cycles before giving up.
"""

from __future__ import annotations

import functools
import gc
import threading
from dataclasses import dataclass

from ..binary.module_info import MemSig, TableSig
from ..errors import WasmtimeError
from . import membuf
from .context import MAX_MEMORY_BYTES, MemoryInstance, TableInstance


@dataclass
class PoolingAllocationConfig:
    """Limits of the pooling allocator (names follow Wasmtime's)."""

    total_core_instances: int = 1000
    total_memories: int = 1000
    total_tables: int = 1000
    max_memory_size: int = 64 << 20  # bytes per memory slot
    table_elements: int = 20_000  # elements per table slot


class OnDemandAllocator:
    """Allocates everything fresh; nothing is counted beyond the store's own limits."""

    def begin(self, store, info) -> None:
        """Reserve what instantiating ``info`` needs in ``store`` (no-op here)."""

    def memory(self, store, sig: MemSig, image: membuf.MemoryImage | None) -> MemoryInstance:
        """A fresh memory, starting from ``image`` (the module's folded data
        segments, mapped copy-on-write when large) or zeroed."""
        data = None
        if image is not None and image.data:
            try:
                data = image.buffer(sig.shared)
            except MemoryError as e:
                raise WasmtimeError(f"cannot allocate a memory: {e}") from None
        return MemoryInstance(sig.min, sig.max, sig.is64, sig.shared, sig.page_size_log2, store._limits,
                              data=data)

    def table(self, store, sig: TableSig, init, lazy) -> TableInstance:
        return TableInstance(sig.elem, sig.min, sig.max, init, sig.is64, store._limits, lazy)


class _StoreSlots:
    """The pooled slots one store holds, returned when the store goes away.

    The counts are what ``begin`` reserved, not what was allocated, so an
    instantiation that fails half way still gives every slot back."""

    __slots__ = ("instances", "memories", "tables", "buffers")

    def __init__(self):
        self.instances = 0
        self.memories = 0
        self.tables = 0
        self.buffers: list[membuf.Buffer] = []


class PoolingAllocator:
    """Fixed numbers of instance, memory and table slots, reused across stores."""

    def __init__(self, config: PoolingAllocationConfig):
        self.config = config
        # Reentrant: a store dropped in a reference cycle releases its slots from
        # a finalizer, which the cycle collector may run at any allocation, even
        # one made while this lock is held (a plain Lock deadlocked there).
        self._lock = threading.RLock()
        self._instances = 0
        self._memories = 0
        self._tables = 0
        self._free_buffers: list[membuf.Buffer] = []

    def _slots(self, store) -> _StoreSlots:
        slots = store._pool_slots
        if slots is None:
            slots = store._pool_slots = _StoreSlots()
            store._owned.pool = functools.partial(self._release, slots)
        return slots

    def _release(self, slots: _StoreSlots) -> None:
        with self._lock:
            self._instances -= slots.instances
            self._memories -= slots.memories
            self._tables -= slots.tables
            self._free_buffers.extend(slots.buffers)
            slots.instances = slots.memories = slots.tables = 0
            slots.buffers = []

    def begin(self, store, info) -> None:
        """Reserve an instance slot and the memory and table slots ``info`` defines."""
        cfg = self.config
        need = (1, len(info.memories), len(info.tables))
        if not self._fits(need):
            gc.collect()  # stores dropped inside reference cycles release their slots here
        with self._lock:
            for used, n, limit, what in ((self._instances, need[0], cfg.total_core_instances, "core instance"),
                                         (self._memories, need[1], cfg.total_memories, "memories"),
                                         (self._tables, need[2], cfg.total_tables, "tables")):
                if used + n > limit:
                    raise WasmtimeError(f"maximum concurrent {what} limit of {limit} reached "
                                        "(pooling allocator)")
            self._instances += 1
            self._memories += need[1]
            self._tables += need[2]
        slots = self._slots(store)
        slots.instances += 1
        slots.memories += need[1]
        slots.tables += need[2]

    def _fits(self, need) -> bool:
        cfg = self.config
        return (self._instances + need[0] <= cfg.total_core_instances
                and self._memories + need[1] <= cfg.total_memories
                and self._tables + need[2] <= cfg.total_tables)

    def memory(self, store, sig: MemSig, image: membuf.MemoryImage | None) -> MemoryInstance:
        size = sig.min << sig.page_size_log2
        if size > self.config.max_memory_size:
            raise WasmtimeError(f"memory minimum size of {size} bytes exceeds the pooling allocator's "
                                f"max_memory_size of {self.config.max_memory_size} bytes")
        with self._lock:
            buf = self._free_buffers.pop() if self._free_buffers else None
        try:
            if image is not None:
                buf = membuf.reuse_image(buf, image, sig.shared)
            else:
                buf = membuf.reuse(buf, size, b"", sig.shared)
        except MemoryError as e:
            raise WasmtimeError(f"cannot allocate a memory slot: {e}") from None
        self._slots(store).buffers.append(buf)
        return MemoryInstance(sig.min, sig.max, sig.is64, sig.shared, sig.page_size_log2, store._limits,
                              max_bytes=min(self.config.max_memory_size, MAX_MEMORY_BYTES), data=buf)

    def table(self, store, sig: TableSig, init, lazy) -> TableInstance:
        if sig.min > self.config.table_elements:
            raise WasmtimeError(f"table minimum size of {sig.min} elements exceeds the pooling "
                                f"allocator's table_elements of {self.config.table_elements}")
        cap = self.config.table_elements if sig.max is None else min(sig.max, self.config.table_elements)
        return TableInstance(sig.elem, sig.min, cap, init, sig.is64, store._limits, lazy)
