"""Wasm exceptions at run time: tag instances and exceptions in flight.

A thrown Wasm exception is a Python exception, ``WasmException``, raised by
``throw`` in generated code and caught by the ``except`` clause a
``try_table`` becomes (``compile/python/eh_ops``). So it unwinds through
Wasm frames of any instance for free, and Python's own ``try`` costs nothing
until something is thrown. It is also the ``exnref`` value: ``catch_ref``
hands on the object itself, and ``throw_ref`` raises it again (as the legacy
``rethrow`` raises the exception its ``catch`` caught). Traps are a
different class (``errors.Trap``), which no ``catch_all`` can catch.

A tag is identified by its instance: each instantiation of a module makes
new ``TagInstance`` objects for the tags it defines, imports share the
exporter's, and a catch clause matches by identity (``is``).
"""

from __future__ import annotations

from ..binary.module_info import FuncSig


class TagInstance:
    """One tag: its payload type (a function type without results) and that
    type's canonical id (``type_registry``), which import matching compares."""

    __slots__ = ("type", "type_id", "__weakref__")

    def __init__(self, type_: FuncSig, type_id: int):
        self.type = type_
        self.type_id = type_id

    def __repr__(self) -> str:
        return f"<TagInstance {self.type}>"


class WasmException(Exception):
    """A Wasm exception: its tag and payload values (Wasm-side values)."""

    def __init__(self, tag: TagInstance, values: tuple):
        super().__init__(tag, values)
        self.tag = tag
        self.values = values

    def __str__(self) -> str:
        return "thrown Wasm exception"


def rethrow(exn: WasmException):
    """``throw_ref`` and ``rethrow``: raise a caught exception again, with a fresh traceback
    (so an exception thrown in a loop does not grow one without end)."""
    raise exn.with_traceback(None)


LIBCALLS = {"_WasmException": WasmException, "_rethrow": rethrow}
