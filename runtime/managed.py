"""``close()`` and ``with`` for the objects wasmtime-py lets a program free early.

In wasmtime-py, Config, Engine, Store, Module, Linker, InstancePre and
SharedMemory own native memory; ``close()`` frees it at once, a second
``close()`` does nothing, and any later use raises ``ValueError("already
closed")``. A ``Config`` is also consumed by the ``Engine`` made from it. A
program written against that contract relies on both halves (it closes in
``finally`` blocks and in ``with``), so these objects keep it here, though
most of them hold nothing a garbage collector would not free anyway.
"""

from __future__ import annotations


class Managed:
    """Mixin: ``close()`` (idempotent), ``with``, and ``_check_open()`` for
    every method that must refuse a closed object."""

    __slots__ = ()
    _closed = False  # set per instance on close

    def close(self) -> None:
        """Free this object now; using it afterwards raises ValueError."""
        if not self._closed:
            self._release()
            self._closed = True

    def _release(self) -> None:
        """What closing frees; nothing by default."""

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("already closed")

    def __enter__(self):
        self._check_open()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
