"""The process-wide ids of function types, for one-compare signature checks.

``call_indirect`` and ``call_ref`` must accept a function whose type is
structurally equal to the expected one even when the two come from different
modules or stores. Interning every ``FuncSig`` to a small integer once, here,
makes that check one integer compare in generated code: the compiler bakes
the expected id into the code and every function reference carries its own
(Wasmtime's engine-wide type registry does the same with shared type
indices). Ids are never freed; a process sees a bounded number of types.
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
