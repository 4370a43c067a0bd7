"""Fuel and epoch state shared by a store's instances, and what happens when they run out.

Generated code keeps the store's fuel counter in a local (as Wasmtime keeps
it in a register) and reads and writes the shared value only at calls,
returns, traps and checks; this module holds that shared value and the two
libcalls the checks call:

- ``out_of_fuel``: the counter reached zero at a check (function entry, loop
  header, or a bulk operation whose length is not a small constant). The
  counter counts up from ``-fuel`` as in Wasmtime, so "out" is ``>= 0``.
- ``new_epoch``: the engine's epoch reached the store's deadline at a check
  (function entry, loop header). Depending on the store's setting this traps
  with ``INTERRUPT``, asks a callback for a new deadline, or, inside an async
  call, yields to the event loop and resumes later.
"""

from __future__ import annotations

import threading
import weakref

from ..errors import Trap, TrapCode, WasmtimeError


class EpochCounter:
    """An engine's epoch. ``increment`` is safe from any thread.

    Checks in generated code read one flag per store (``StoreContext.hit``)
    instead of comparing the epoch with the deadline: the flag is raised
    here, when the epoch reaches a store's deadline. Stores wait by their
    deadline, so a tick wakes the stores due at it and looks at no other:
    an engine kept for a whole fuzz campaign has many stores, and a program
    whose imports tick the epoch ticks it tens of thousands of times."""

    __slots__ = ("value", "_lock", "_waiting", "_purge_at")

    def __init__(self):
        self.value = 0
        self._lock = threading.Lock()
        # each deadline still ahead: the weak references (StoreContext.ref) of the stores waiting for it.
        # Plain lists, not WeakSets: an epoch program sets a deadline and meets it at every import
        # call, and a WeakSet's guarded iteration and removal queue cost more than the rest of a tick.
        self._waiting: dict[int, list[weakref.ref]] = {}
        self._purge_at = 64

    def set_deadline(self, ctx: "StoreContext", ticks_beyond_current: int) -> None:
        """Give ``ctx`` the deadline ``ticks_beyond_current`` ticks from now."""
        with self._lock:
            waiting = self._waiting.get(ctx.deadline)
            if waiting:
                try:
                    waiting.remove(ctx.ref)
                except ValueError:
                    pass
            ctx.deadline = deadline = self.value + ticks_beyond_current
            ctx.hit = deadline <= self.value
            if not ctx.hit:
                refs = self._waiting.setdefault(deadline, [])
                refs.append(ctx.ref)
                n = len(refs)
                if n >= 64 and not n & (n - 1):  # at each doubling: drop the stores freed meanwhile
                    refs[:] = [r for r in refs if r() is not None]
                if len(self._waiting) > self._purge_at:
                    self._purge()

    def _purge(self) -> None:
        """Drop the deadlines no live store waits for any more (stores freed
        before their deadline came), so the table stays the size of the
        stores, not of every deadline ever set. (Within one deadline's list,
        freed stores go when the list doubles: a campaign's stores all wait
        for the same far deadline.)"""
        for deadline in [d for d, refs in self._waiting.items() if all(r() is None for r in refs)]:
            del self._waiting[deadline]
        self._purge_at = 2 * len(self._waiting) + 64

    def increment(self) -> None:
        with self._lock:
            self.value += 1
            due = self._waiting.pop(self.value, None)
            if due:
                for ref in due:
                    ctx = ref()
                    if ctx is not None:
                        ctx.hit = True


class StoreContext:
    """Per-store state read by generated code: ``fuel`` (consumed minus budget;
    the budget is exhausted once it is >= 0) and ``hit`` (the engine's epoch has
    reached ``deadline``: the next check fires)."""

    __slots__ = ("fuel", "deadline", "hit", "epoch", "on_deadline", "callback", "yield_delta", "store_ref",
                 "ref", "__weakref__")

    def __init__(self, epoch: EpochCounter, store_ref):
        self.fuel = 0
        self.epoch = epoch
        self.on_deadline = "trap"  # "trap" | "callback" | "yield"
        self.callback = None
        self.yield_delta = 0
        self.store_ref = store_ref
        self.ref = weakref.ref(self)  # the one reference the epoch's waiting lists hold
        self.deadline = None
        self.set_deadline(0)

    def set_deadline(self, ticks_beyond_current: int) -> None:
        self.epoch.set_deadline(self, ticks_beyond_current)


def out_of_fuel(ctx: StoreContext, counter: int) -> None:
    """A fuel check failed: record the counter and trap with OUT_OF_FUEL."""
    ctx.fuel = counter
    raise Trap.from_code(TrapCode.OUT_OF_FUEL)


def new_epoch(ctx: StoreContext) -> None:
    """An epoch check fired: trap, or ask the callback for a new deadline, or
    set the new deadline and yield to the event loop."""
    if ctx.on_deadline == "trap":
        raise Trap.from_code(TrapCode.INTERRUPT)
    if ctx.on_deadline == "callback":
        delta = ctx.callback(ctx.store_ref())
        if delta is None:
            raise Trap.from_code(TrapCode.INTERRUPT)
        if not isinstance(delta, int) or delta < 0:
            raise WasmtimeError("epoch deadline callback must return a non-negative int or None")
        ctx.set_deadline(delta)
        return
    from . import async_call
    ctx.set_deadline(ctx.yield_delta)
    async_call.yield_to_event_loop()
