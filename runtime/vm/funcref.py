"""Function references ("anyfuncs"): what a funcref is at run time.

A ``FuncRef`` is what a funcref value, a table element and an imported
function are at run time: the code to call, the context to call it with, and
the interned signature id (``binary.type_registry``) that ``call_indirect``
compares with one integer test.
"""

from __future__ import annotations

from ..binary import type_registry
from ..binary.module_info import FuncSig


class FuncRef:
    """A callable function reference: ``ref.code(ref.vm, *args)``.

    ``vm`` is the owning instance's ``VMContext`` for Wasm functions, or the
    host context for host functions; ``index`` is the function index within
    its instance (None for host functions)."""

    __slots__ = ("code", "vm", "sig", "type", "index", "__weakref__")

    def __init__(self, code, vm, type_: FuncSig, index: int | None, sig: int | None = None):
        """``sig``: the canonical type id, when ``type_`` names it only up to its
        own recursion (a type that refers to itself); else derived from ``type_``."""
        self.code = code
        self.vm = vm
        self.type = type_
        self.sig = type_registry.sig_id(type_) if sig is None else sig
        self.index = index

    def __repr__(self) -> str:
        return f"<FuncRef {self.index} {self.type}>"
