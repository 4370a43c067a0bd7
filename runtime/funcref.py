"""Function references ("anyfuncs") and the process-wide signature ids.

A ``FuncRef`` is what a funcref value, a table element and an imported
function are at run time: the code to call, the context to call it with, and
an interned signature id that ``call_indirect`` compares with one integer
test. Signature ids are interned per process, so references from different
modules and stores compare structurally equal types as equal, as Wasm's
structural function types require.
"""

from __future__ import annotations

from .module_info import FuncSig

_SIG_IDS: dict[FuncSig, int] = {}


def sig_id(sig: FuncSig) -> int:
    """The process-wide id of a function type; equal types get equal ids."""
    try:
        return _SIG_IDS[sig]
    except KeyError:
        return _SIG_IDS.setdefault(sig, len(_SIG_IDS))


class FuncRef:
    """A callable function reference: ``ref.code(ref.vm, *args)``.

    ``vm`` is the owning instance's ``VMContext`` for Wasm functions, or the
    host context for host functions; ``index`` is the function index within
    its instance (None for host functions)."""

    __slots__ = ("code", "vm", "sig", "type", "index", "__weakref__")

    def __init__(self, code, vm, type_: FuncSig, index: int | None):
        self.code = code
        self.vm = vm
        self.type = type_
        self.sig = sig_id(type_)
        self.index = index

    def __repr__(self) -> str:
        return f"<FuncRef {self.index} {self.type}>"
