"""Every difference between two executions that is not a bug, with its reason.

The comparison calls these predicates and nothing else decides that a
difference is acceptable (Wasmtime keeps the same rules in ``DiffValue``'s
equality and ``is_non_deterministic_error``). Each predicate says why.
"""

from __future__ import annotations

from .outcome import CRASHED, ERROR, RETURNED, TRAPPED, Outcome
from .values import Value

# Messages of errors that come from the host machine running out of something,
# not from the module: which engine hits them first, and where, is not defined.
_RESOURCE_ERRORS = ("MemoryError", "resource limit", "out of memory", "allocation", "failed to grow")


def values_equal(a: Value, b: Value) -> bool:
    """Bit-exact equality, except for the two allowances below."""
    if a.type != b.type:
        return False
    if a.bits is not None:
        return a.bits == b.bits or both_nan(a, b)
    return a.ref == b.ref and refs_same_function(a, b)


def both_nan(a: Value, b: Value) -> bool:
    """Two NaNs are equal whatever their payloads and signs. The spec lets an
    operator return any NaN when an operand is a non-canonical NaN
    (Wasm 2.0 §4.3.3, "NaN propagation"), so engines may differ; Wasmtime's
    differential oracle makes the same allowance ("we simply check that both
    sides are NaNs"). Bytes in memory are still compared exactly: the
    generators ask wasm-smith to canonicalise NaNs before they are stored."""
    return a.is_nan and b.is_nan


def refs_same_function(a: Value, b: Value) -> bool:
    """References are compared by nullness and function type; their function
    index only when both engines can name it (wasmfuzz can, wasmtime-py
    cannot), so lazy and eager wasmfuzz must agree on which function a table
    slot holds while wasmfuzz and Wasmtime need only agree on its type."""
    return a.ident is None or b.ident is None or a.ident == b.ident


def non_deterministic(o: Outcome) -> str | None:
    """Why ``o`` says nothing about the module's semantics, or None.

    Stack exhaustion depends on each engine's frame sizes and stack limit,
    and running out of host memory or a resource limit on the host's state
    (Wasmtime's ``is_non_deterministic_error``; PR #6273 for OOM). An input
    that meets one is *poisoned*: the rest of it is not compared."""
    if o.status == TRAPPED and o.trap == "STACK_OVERFLOW":
        return "call stack exhausted: depth limits are engine-specific"
    if o.status == ERROR and any(s in o.message for s in _RESOURCE_ERRORS):
        return f"resource exhaustion ({o.message}): limits are engine-specific"
    return None


def outcomes_agree(a: Outcome, b: Outcome) -> bool:
    """Same kind of outcome; same trap code; same values. A crash never agrees,
    not even with another crash: an engine must only return, trap or refuse."""
    if a.status == CRASHED or b.status == CRASHED or a.status != b.status:
        return False
    if a.status == TRAPPED:
        return a.trap == b.trap
    if a.status == ERROR:
        return error_texts_differ_freely(a, b)
    return len(a.values) == len(b.values) and all(map(values_equal, a.values, b.values))


def error_texts_differ_freely(a: Outcome, b: Outcome) -> bool:
    """Both refused the module or the call: the texts of such errors are each
    engine's own (wasmparser's messages are not part of any spec), so only the
    fact of the refusal is compared."""
    return a.status == b.status == ERROR


def fuel_comparable(a: Outcome, b: Outcome) -> bool:
    """Fuel consumed is compared only after both calls returned: after a trap
    Wasmtime loses the cost accumulated since its last save point, so its
    figure is approximate (WASMTIME-NOTES §3)."""
    return a.status == b.status == RETURNED and a.fuel_consumed is not None and b.fuel_consumed is not None
