"""Reference types as plain ints, and the subtyping between them.

Value types stay ints everywhere (``opcodes``: ``I32 = 0x7F`` ...), so that
the validator's stacks, ``FuncSig`` equality and the code generator need no
second representation. A reference type is ``(ref null? heap)``:

- the three nullable shorthands of Wasm 2.0 and exception handling keep
  their one-byte codes: ``funcref`` (0x70), ``externref`` (0x6F),
  ``exnref`` (0x69);
- every other reference type is ``REF_BASE + 2 * heap + nullable``, where
  ``heap`` is an abstract heap type's byte code (``func`` 0x70, ``any``
  0x6E, ``nofunc`` 0x73, ...), or ``CONCRETE + id`` for a defined type,
  ``id`` being its process-wide canonical id (``type_registry``), never a
  module's own type index. So a type read in one module means the same int
  in every module, and import matching and ``call_indirect``'s signature
  check compare ints.

While a recursion group is being read, a reference to one of its own
members is ``rec_heap(k)`` (``REC_BASE + k``); the registry interns the
group with those and resolves them (``resolve_rec``).

The hierarchies: ``func`` above every function type and ``nofunc`` below;
``extern`` / ``noextern``; ``exn`` / ``noexn``; ``any`` above ``eq``, which
is above ``i31``, ``struct`` (above every struct type) and ``array`` (above
every array type), with ``none`` at the bottom. Defined types are below
the types they declare as supertypes (``type_registry.is_subtype``).
"""

from __future__ import annotations

from . import type_registry
from .opcodes import EXNREF, EXTERNREF, FUNCREF, TYPE_NAMES

# Abstract heap types, by their binary codes.
HT_FUNC, HT_EXTERN, HT_EXN = 0x70, 0x6F, 0x69
HT_NOFUNC, HT_NOEXTERN, HT_NOEXN = 0x73, 0x72, 0x74
HT_ANY, HT_EQ, HT_I31, HT_STRUCT, HT_ARRAY, HT_NONE = 0x6E, 0x6D, 0x6C, 0x6B, 0x6A, 0x71
GC_HEAPS = frozenset({HT_ANY, HT_EQ, HT_I31, HT_STRUCT, HT_ARRAY, HT_NONE})
HEAP_NAMES = {HT_FUNC: "func", HT_EXTERN: "extern", HT_EXN: "exn", HT_NOFUNC: "nofunc",
              HT_NOEXTERN: "noextern", HT_NOEXN: "noexn", HT_ANY: "any", HT_EQ: "eq", HT_I31: "i31",
              HT_STRUCT: "struct", HT_ARRAY: "array", HT_NONE: "none"}

CONCRETE = 0x100  # heap codes from here on are canonical type ids
REC_BASE = 1 << 48  # and from here on, references inside the recursion group being read
REF_BASE = 0x10000  # encoded reference types start here, above every one-byte code

_SHORTHANDS = {HT_FUNC: FUNCREF, HT_EXTERN: EXTERNREF, HT_EXN: EXNREF}
_SHORT_HEAP = {v: k for k, v in _SHORTHANDS.items()}
# Each abstract heap type's top (the hierarchy it is in), and the abstract types above it.
_TOP = {HT_FUNC: HT_FUNC, HT_NOFUNC: HT_FUNC, HT_EXTERN: HT_EXTERN, HT_NOEXTERN: HT_EXTERN,
        HT_EXN: HT_EXN, HT_NOEXN: HT_EXN, **dict.fromkeys(GC_HEAPS, HT_ANY)}
_ABOVE = {HT_EQ: {HT_ANY}, HT_I31: {HT_EQ, HT_ANY}, HT_STRUCT: {HT_EQ, HT_ANY}, HT_ARRAY: {HT_EQ, HT_ANY}}
_BOTTOMS = frozenset({HT_NOFUNC, HT_NOEXTERN, HT_NOEXN, HT_NONE})


def ref_type(heap: int, nullable: bool) -> int:
    """The value type ``(ref null? heap)``."""
    if nullable and heap in _SHORTHANDS:
        return _SHORTHANDS[heap]
    return REF_BASE + 2 * heap + (1 if nullable else 0)


def concrete(type_id: int, nullable: bool) -> int:
    """``(ref null? $t)`` for the canonical type id of ``$t``."""
    return ref_type(CONCRETE + type_id, nullable)


def rec_heap(k: int) -> int:
    """The heap type of member ``k`` of the recursion group being read."""
    return REC_BASE + k


def resolve_rec(t: int, first_id: int) -> int:
    """Value type ``t`` with a reference to member k of its group pointing at id ``first_id + k``."""
    if t < REF_BASE:
        return t
    heap = heap_of(t)
    return concrete(first_id + heap - REC_BASE, is_nullable(t)) if heap >= REC_BASE else t


def exn_non_null() -> int:
    return ref_type(HT_EXN, False)


def is_ref(t: int) -> bool:
    return t >= REF_BASE or t in _SHORT_HEAP


def heap_of(t: int) -> int:
    return _SHORT_HEAP[t] if t < REF_BASE else (t - REF_BASE) >> 1


def is_nullable(t: int) -> bool:
    return t < REF_BASE or bool(t & 1)


def as_non_null(t: int) -> int:
    return ref_type(heap_of(t), False)


def as_nullable(t: int) -> int:
    return ref_type(heap_of(t), True)


def type_id_of(t: int) -> int | None:
    """The canonical type id of a concrete reference type, else None."""
    heap = heap_of(t)
    return heap - CONCRETE if heap >= CONCRETE else None


def _kind_top(type_id: int) -> int:
    """The abstract type directly above a defined type: func, struct or array."""
    return type_registry.definition(type_id).abstract_heap


def top_heap(heap: int) -> int:
    """The top of a heap type's hierarchy: func, extern, exn or any."""
    if heap >= CONCRETE:
        return HT_FUNC if _kind_top(heap - CONCRETE) == HT_FUNC else HT_ANY
    return _TOP[heap]


def top_of(t: int) -> int:
    """The abstract top of a reference type's hierarchy (func, extern, exn or any)."""
    return top_heap(heap_of(t))


def heap_matches(sub: int, sup: int) -> bool:
    if sub == sup:
        return True
    if sub >= CONCRETE:
        if sup >= CONCRETE:
            return type_registry.is_subtype(sub - CONCRETE, sup - CONCRETE)
        kind = _kind_top(sub - CONCRETE)
        return sup == kind or sup in _ABOVE.get(kind, ())
    if sup >= CONCRETE:
        return sub in _BOTTOMS and _TOP[sub] == top_heap(sup)
    if sub in _BOTTOMS:
        return _TOP[sub] == _TOP[sup]
    return sup in _ABOVE.get(sub, ())


def matches(sub: int, sup: int) -> bool:
    """Whether value type ``sub`` is a subtype of ``sup`` (equal types included)."""
    if sub == sup:
        return True
    if not (is_ref(sub) and is_ref(sup)):
        return False
    if is_nullable(sub) and not is_nullable(sup):
        return False
    return heap_matches(heap_of(sub), heap_of(sup))


def is_defaultable(t: int) -> bool:
    """Whether a local of type ``t`` has a default value (non-nullable references have none)."""
    return not is_ref(t) or is_nullable(t)


def type_name(t: int) -> str:
    """The text-format name of a value type."""
    if t in TYPE_NAMES:
        return TYPE_NAMES[t]
    if not is_ref(t):
        return hex(t)
    heap = heap_of(t)
    name = f"${heap - CONCRETE}" if heap >= CONCRETE else HEAP_NAMES.get(heap, hex(heap))
    return f"(ref {'null ' if is_nullable(t) else ''}{name})"
