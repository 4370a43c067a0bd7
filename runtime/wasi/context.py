"""The WASI state of one store: what ``Store.set_wasi`` makes from a
``WasiConfig`` and what every WASI call acts on.

Host functions are defined once per linker but the state is per store, so
a call finds its context through the store it runs in; calling a WASI
function in a store without one is an error, as it is in Wasmtime.
"""

from __future__ import annotations

import time

from ..errors import WasmtimeError
from .config import WasiConfig
from .fdtable import FdTable, Output, Stdin
from .guest import GuestMemory


class WasiContext:
    """Arguments, environment, descriptors and clock origin of one store."""

    def __init__(self, config) -> None:
        settings = config._consume()
        self.argv = settings.argv
        self.env = settings.env
        self.fds = FdTable([Stdin(settings.stdin), Output(settings.stdout), Output(settings.stderr),
                            *settings.preopens])
        # Wasmtime's monotonic clock counts from the context's creation.
        self.monotonic_origin = time.monotonic_ns()
        self._memories: dict[int, object] = {}  # id of a calling instance -> its memory

    def memory(self, caller) -> GuestMemory:
        """The calling instance's memory; looked up once per instance, as a
        WASI call is too frequent to pay for an export lookup each time (the
        store keeps its instances alive, so their ids stay theirs)."""
        key = id(caller._vm)
        memory = self._memories.get(key)
        if memory is None:
            memory = self._memories[key] = GuestMemory.exported_by(caller)
        return GuestMemory(memory.data)

    def monotonic_now(self) -> int:
        return time.monotonic_ns() - self.monotonic_origin


def context_for(config) -> WasiContext:
    """A store's WASI context from ``config`` (consumed)."""
    if not isinstance(config, WasiConfig):
        raise TypeError("expected a WasiConfig")
    return WasiContext(config)


def context_of(caller) -> WasiContext:
    """The WASI context of the store ``caller`` runs in."""
    context = getattr(caller._store, "_wasi", None)
    if context is None:
        raise WasmtimeError("wasi context must be populated: call Store.set_wasi before running "
                            "a module that uses WASI")
    return context
