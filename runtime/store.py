"""``Store``: the owner of instances and everything they allocate."""

from __future__ import annotations

import sys
import weakref

from .config import Engine
from .errors import WasmtimeError
from .exports import export_extern
from .arguments import StoreLike
from .managed import Managed
from .vm.context import ResourceLimits
from .vm.interrupts import StoreContext
from .wasi import context_for

# Wasm recursion runs on Python frames (CPython 3.11 does not use the C stack
# for Python-to-Python calls). This many frames lets deep but finite guest
# recursion work; beyond it the call traps as "call stack exhausted".
WASM_RECURSION_LIMIT = 12_000


def _ensure_recursion_limit() -> None:
    if sys.getrecursionlimit() < WASM_RECURSION_LIMIT:
        sys.setrecursionlimit(WASM_RECURSION_LIMIT)


# Raised once, when the runtime is imported, so the limit does not change
# under code that is already running (test frameworks notice that).
_ensure_recursion_limit()


class _Owned:
    """What a store releases when it goes away: its instances' state, and the
    pooled slots it holds (``pool`` is the allocator's release callback). One
    finalizer per store does both; making one costs as much as a small
    instantiation."""

    __slots__ = ("vms", "pool")

    def __init__(self):
        self.vms: list = []
        self.pool = None

    def release(self) -> None:
        for vm in self.vms:
            vm.release()
        self.vms.clear()
        if self.pool is not None:
            pool, self.pool = self.pool, None
            pool()


class Store(Managed, StoreLike):
    """Holds instances, their memories, tables and globals, and host data."""

    def __init__(self, engine: Engine | None = None, data=None):
        if engine is not None and not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        self.engine = engine or Engine()
        self.engine._check_open()
        self._data = data
        self._limits = ResourceLimits()
        self._counts = {"instances": 0, "tables": 0, "memories": 0}
        self._pool_slots = None  # set by the pooling allocator
        # Instances refer to each other and to their function references in
        # cycles; nothing in them refers back to the store, so the store is
        # freed as soon as the program drops it, and this takes their state
        # (memories above all) apart at once instead of at the next collection.
        self._owned = _Owned()
        self._finalizer = weakref.finalize(self, self._owned.release)
        self._ctx = StoreContext(self.engine._epoch, weakref.ref(self))

    def _the_store(self) -> "Store":
        return self

    def data(self):
        """The host data given to the constructor."""
        self._check_open()
        return self._data

    def set_wasi(self, wasi) -> None:
        """Give this store the WASI context configured by ``wasi`` (a
        ``WasiConfig``, consumed here) for ``Linker.define_wasi``'s functions."""
        self._check_open()
        self._wasi = context_for(wasi)

    def gc(self) -> None:
        """No-op: references are ordinary Python objects collected by CPython."""

    def _release(self) -> None:
        """``close()``: release the instances' state and what this store holds
        from a pooling allocator now, rather than when the store is
        garbage-collected. The store's instances must not be used afterwards."""
        self._finalizer()

    def set_fuel(self, fuel: int) -> None:
        """Set the fuel left for Wasm running in this store. Only with
        ``Config.consume_fuel``; stores start with 0, so a call traps with
        OUT_OF_FUEL at once until fuel is set. Raises WasmtimeError otherwise."""
        self._check_open()
        self._require(self.engine._consume_fuel, "fuel")
        if not isinstance(fuel, int) or isinstance(fuel, bool) or fuel < 0:
            raise WasmtimeError("fuel must be a non-negative int")
        self._ctx.fuel = -fuel

    def get_fuel(self) -> int:
        """The fuel left (0 once exhausted). Only with ``Config.consume_fuel``."""
        self._check_open()
        self._require(self.engine._consume_fuel, "fuel")
        return max(0, -self._ctx.fuel)

    def set_epoch_deadline(self, ticks_after_current: int) -> None:
        """Interrupt Wasm once the engine's epoch has advanced this many ticks
        from now (0: at the next check). Only with ``Config.epoch_interruption``."""
        self._check_open()
        self._require(self.engine._epoch_interruption, "epoch interruption")
        if not isinstance(ticks_after_current, int) or ticks_after_current < 0:
            raise WasmtimeError("epoch deadline must be a non-negative int")
        self._ctx.set_deadline(ticks_after_current)

    def epoch_deadline_trap(self) -> None:
        """On reaching the deadline, trap with TrapCode.INTERRUPT (the default)."""
        self._check_open()
        self._ctx.on_deadline = "trap"

    def epoch_deadline_callback(self, callback) -> None:
        """On reaching the deadline, call ``callback(store)``: it returns the
        number of ticks to extend the deadline by and continue, or None to
        interrupt (Wasmtime's ``UpdateDeadline::Continue`` / ``Interrupt``); an
        exception it raises propagates to the caller of the Wasm function."""
        self._check_open()
        if not callable(callback):
            raise TypeError("expected a callable")
        self._ctx.on_deadline = "callback"
        self._ctx.callback = callback

    def epoch_deadline_async_yield_and_update(self, delta: int) -> None:
        """On reaching the deadline inside ``Func.call_async``, yield to the event
        loop, then continue with the deadline ``delta`` ticks later. A
        synchronous call reaching the deadline raises WasmtimeError."""
        self._check_open()
        if not isinstance(delta, int) or delta < 0:
            raise WasmtimeError("delta must be a non-negative int")
        self._ctx.on_deadline = "yield"
        self._ctx.yield_delta = delta

    def _export(self, vm, name: str):
        """Export ``name`` of an instance of this store, as a ``Caller`` asks
        for it (None if there is none)."""
        return export_extern(self, vm, name)

    def _require(self, enabled: bool, what: str) -> None:
        if not enabled:
            raise WasmtimeError(f"{what} is not enabled in this store's configuration")

    def set_limits(self, memory_size: int = -1, table_elements: int = -1, instances: int = -1,
                   tables: int = -1, memories: int = -1) -> None:
        """Limit linear-memory bytes and table elements per memory/table, and the
        number of instances, tables and memories in this store (-1: no limit)."""
        self._check_open()
        lim = self._limits
        lim.memory_size = None if memory_size < 0 else memory_size
        lim.table_elements = None if table_elements < 0 else table_elements
        lim.instances = None if instances < 0 else instances
        lim.tables = None if tables < 0 else tables
        lim.memories = None if memories < 0 else memories

    def _reserve(self, kind: str, n: int = 1) -> None:
        """Count new instances/tables/memories against the store's limits."""
        limit = getattr(self._limits, kind)
        if limit is not None and self._counts[kind] + n > limit:
            raise WasmtimeError(f"resource limit exceeded: {kind} count too high at {self._counts[kind] + n}")
        self._counts[kind] += n
