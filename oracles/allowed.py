"""Every difference between two executions that is not a bug, with its reason.

The comparison calls these predicates and nothing else decides that a
difference is acceptable (Wasmtime keeps the same rules in ``DiffValue``'s
equality and ``is_non_deterministic_error``). Each predicate says why.
"""

from __future__ import annotations

from .divergence import Divergence
from .outcome import CRASHED, ERROR, RETURNED, TRAPPED, Outcome
from .spec import ExecutionSpec
from .values import MASKS, Value

# Messages of errors that come from the host machine running out of something,
# not from the module: which engine hits them first, and where, is not defined.
# A pooled slot's configured size (PoolingAllocationConfig: table elements,
# memory bytes, counts) is such a limit too; an on-demand engine has none.
_RESOURCE_ERRORS = ("MemoryError", "resource limit", "out of memory", "allocation", "failed to grow",
                    "pooling allocator")


def values_equal(a: Value, b: Value, canonical_nans: bool = False) -> bool:
    """Bit-exact equality, except for the two allowances below. With
    ``canonical_nans`` (both sides ran with NaN canonicalization, so every
    arithmetic NaN is the canonical one) NaNs are compared bit for bit too."""
    if a.type != b.type:
        return False
    if a.bits is not None:
        return a.bits == b.bits or (not canonical_nans and both_nan(a, b))
    return (a.ref == b.ref and refs_same_function(a, b)) or externalized_reads_null(a, b)


def both_nan(a: Value, b: Value) -> bool:
    """Two NaNs are equal whatever their payloads and signs, as long as both
    are quiet. The spec lets an operator return any arithmetic NaN (quiet bit
    set) when an operand is a non-canonical NaN (Wasm 2.0 §4.3.3, "NaN
    propagation"), so engines may differ; Wasmtime's differential oracle
    makes the same allowance ("we simply check that both sides are NaNs").
    A signalling NaN is never an arithmetic result: it was carried bit for
    bit (const, load, local/global/select moves, reinterpret, neg/abs/copysign)
    from a value both engines share, so it must match on every bit the
    arithmetic rule for canonical inputs fixes (``nan_result_mask``): all but
    the sign, which copysign may take from a NaN whose sign was free. Bytes
    in memory are compared exactly; where a module keeps NaN payloads (no
    smith canonicalisation) see ``nan_bits_may_explain``."""
    if not (a.is_nan and b.is_nan):
        return False
    if a.is_quiet_nan and b.is_quiet_nan:
        return True
    mask = nan_result_mask(a.type, "arithmetic", canonical_inputs=True)
    return a.bits & mask == b.bits & mask


def nan_bits_may_explain(d: Divergence) -> bool:
    """Whether divergence ``d``, in a module made without smith's NaN
    canonicalisation, may come from a NaN's free bits (sign and payload of an
    arithmetic NaN) rather than from a bug: one engine's NaN bits moved into
    an integer (reinterpret, a store then an integer load) and from there
    into anything, memory, control flow, traps, fuel. Not a crash (an engine
    must never crash), and not a difference between float values: those are
    judged by ``both_nan`` alone, the spec's rule for a value being
    decidable from the two values. The case then runs again with NaN
    canonicalisation on both engines (``TestCase.check``): a difference
    that remains is a finding, one that goes away was the NaNs' freedom."""
    if "crashed" in d.kind or "crashed" in d.expected or "crashed" in d.actual:
        return False
    floats = ("f32:", "f64:")
    return not (d.aspect == "outcome" or d.aspect.startswith("global")) or \
        not any(f in side for f in floats for side in (d.expected, d.actual))


# NaN layout per float type: (sign bit, exponent bits, quiet bit)
_NAN_LAYOUT = {"f32": (1 << 31, 0x7F800000, 1 << 22), "f64": (1 << 63, 0x7FF0000000000000, 1 << 51)}


def nan_result_mask(type_: str, rule: str, canonical_inputs: bool) -> int:
    """The bits of a NaN result of type ``type_`` that the spec fixes, for an
    instruction of ``rule``: what two engines' NaN results must agree on.

    - ``"bitwise"`` (abs, neg, copysign, reinterpret, loads, stores, select,
      locals): the result is the operand's bits, so every bit is fixed;
    - ``"arithmetic"`` (everything else that makes a float), Wasm 2.0 §4.3.3:
      when every NaN operand is canonical the result is a canonical NaN of
      either sign (every bit but the sign is fixed); otherwise it is an
      arithmetic NaN, of either sign and any payload with the quiet bit set
      (only the exponent and the quiet bit are fixed). Wasmtime on x86-64
      takes the first NaN operand's payload, wasmfuzz does not promise to:
      ``f32.add`` of NaNs 0x7fc00001 and 0x7fc00002 gives 0x7fc00001 there
      and 0x7fc00002 here, both right; an sNaN result is wrong on either."""
    sign, exp, quiet = _NAN_LAYOUT[type_]
    every = (sign << 1) - 1
    if rule == "bitwise":
        return every
    return every & ~sign if canonical_inputs else exp | quiet


def nan_results_agree(a: Value, b: Value, rule: str, canonical_inputs: bool) -> bool:
    """Two float results agree under the spec's NaN rules (``nan_result_mask``):
    bit for bit unless a NaN, and a NaN on the bits the spec fixes."""
    if not (a.is_nan or b.is_nan):
        return a.bits == b.bits
    mask = nan_result_mask(a.type, rule, canonical_inputs)
    return a.is_nan and b.is_nan and a.bits & mask == b.bits & mask


def externalized_reads_null(a: Value, b: Value) -> bool:
    """wasmtime-py 50 reads an externref that ``extern.convert_any`` made from
    an internal reference (an i31, a struct) as null: it can only show host
    values. wasmfuzz shows it ("internal")."""
    return a.type == b.type == "externref" and {a.ref, b.ref} == {"null", "internal"}


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
    if o.status == TRAPPED and o.trap == "ALLOCATION_TOO_LARGE":
        # A GC array's size limit is the engine's: Wasmtime's GC heap, wasmfuzz's vm.gc.MAX_ARRAY_BYTES.
        return "GC allocation too large: size limits are engine-specific"
    if o.status == ERROR and any(s in o.message for s in _RESOURCE_ERRORS):
        return f"resource exhaustion ({o.message}): limits are engine-specific"
    return None


def pool_slot_grow_failed(on_demand: Outcome, pooled: Outcome) -> str | None:
    """A grow that fails only in a pooled instance: it asked for more than a
    pool slot holds (PoolingAllocationConfig.max_memory_size, 64 MiB here),
    which an on-demand memory may still give (with 1-byte pages, up to 4 GiB
    of address space). Seen as a result of -1 where the other side's differs."""
    if on_demand.status != RETURNED or pooled.status != RETURNED or len(on_demand.values) != len(pooled.values):
        return None
    for a, b in zip(on_demand.values, pooled.values):
        if a.bits is not None and a.bits != b.bits and b.bits == MASKS.get(b.type):
            return "a grow beyond a pool slot's size fails only pooled: the slot size is a configured limit"
    return None


def outcomes_agree(a: Outcome, b: Outcome, canonical_nans: bool = False) -> bool:
    """Same kind of outcome; same trap code; same values (``values_equal``).
    A crash never agrees, not even with another crash: an engine must only
    return, trap or refuse."""
    if a.status == CRASHED or b.status == CRASHED or a.status != b.status:
        return False
    if a.status == TRAPPED:
        return a.trap == b.trap
    if a.status == ERROR:
        return error_texts_differ_freely(a, b)
    return len(a.values) == len(b.values) and all(values_equal(x, y, canonical_nans)
                                                  for x, y in zip(a.values, b.values))


def nans_compared_exactly(a: ExecutionSpec, b: ExecutionSpec) -> bool:
    """Whether two executions' float results are compared bit for bit, NaNs
    included: when both canonicalise NaNs (``cranelift_nan_canonicalization``),
    which takes away the freedom ``both_nan`` allows for."""
    return a.nan_canonicalization and b.nan_canonicalization


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
