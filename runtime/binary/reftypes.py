"""Reference types as plain ints, and the subtyping between them.

Value types stay ints everywhere (``opcodes``: ``I32 = 0x7F`` ...), so that
the validator's stacks, ``FuncSig`` equality and the code generator need no
second representation. A reference type is ``(ref null? heap)``:

- the three nullable shorthands keep their one-byte codes: ``funcref``
  (0x70), ``externref`` (0x6F), ``exnref`` (0x69);
- every other reference type is ``REF_BASE + 2 * heap + nullable``, where
  ``heap`` is an abstract heap type's byte code (``func`` 0x70, ``nofunc``
  0x73, ...), or ``CONCRETE + id`` for a concrete type, ``id`` being its
  process-wide canonical id (``type_registry``), never a module's own type
  index. So a type read in one module means the same int in every module, and
  import matching and ``call_indirect``'s signature check compare ints.

Without GC's ``sub`` declarations every defined type is final and has no
supertype but its abstract top, so matching concrete heap types is equality
of canonical ids; ``matches`` is the one place that knows the hierarchies.
"""

from __future__ import annotations

from .opcodes import EXNREF, EXTERNREF, FUNCREF, TYPE_NAMES

# Abstract heap types, by their binary codes.
HT_FUNC, HT_EXTERN, HT_EXN = 0x70, 0x6F, 0x69
HT_NOFUNC, HT_NOEXTERN, HT_NOEXN = 0x73, 0x72, 0x74
ABSTRACT_HEAPS = frozenset({HT_FUNC, HT_EXTERN, HT_EXN, HT_NOFUNC, HT_NOEXTERN, HT_NOEXN})
HEAP_NAMES = {HT_FUNC: "func", HT_EXTERN: "extern", HT_EXN: "exn", HT_NOFUNC: "nofunc",
              HT_NOEXTERN: "noextern", HT_NOEXN: "noexn"}

CONCRETE = 0x100  # heap codes from here on are canonical type ids
# A type's reference to itself while it is being read: its canonical id is
# known only once its definition (with this placeholder) has been interned.
REC_SELF = 0xFF
REF_BASE = 0x10000  # encoded reference types start here, above every one-byte code

_SHORTHANDS = {HT_FUNC: FUNCREF, HT_EXTERN: EXTERNREF, HT_EXN: EXNREF}
_SHORT_HEAP = {v: k for k, v in _SHORTHANDS.items()}
# Each abstract heap type's top (the hierarchy it is in) and bottom.
_TOP = {HT_FUNC: HT_FUNC, HT_NOFUNC: HT_FUNC, HT_EXTERN: HT_EXTERN, HT_NOEXTERN: HT_EXTERN,
        HT_EXN: HT_EXN, HT_NOEXN: HT_EXN}
_BOTTOMS = frozenset({HT_NOFUNC, HT_NOEXTERN, HT_NOEXN})


def ref_type(heap: int, nullable: bool) -> int:
    """The value type ``(ref null? heap)``."""
    if nullable and heap in _SHORTHANDS:
        return _SHORTHANDS[heap]
    return REF_BASE + 2 * heap + (1 if nullable else 0)


def concrete(type_id: int, nullable: bool) -> int:
    """``(ref null? $t)`` for the canonical type id of ``$t``."""
    return ref_type(CONCRETE + type_id, nullable)


def exn_non_null() -> int:
    return ref_type(HT_EXN, False)


def close_self(types: tuple[int, ...], type_id: int) -> tuple[int, ...]:
    """``types`` with every reference to ``REC_SELF`` pointing at ``type_id``."""
    return tuple(concrete(type_id, is_nullable(t)) if is_ref(t) and heap_of(t) == REC_SELF else t
                 for t in types)


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


def top_of(t: int) -> int:
    """The abstract top of a reference type's hierarchy (func, extern or exn);
    every concrete type is a function type until GC adds structs and arrays."""
    heap = heap_of(t)
    return HT_FUNC if heap >= CONCRETE else _TOP[heap]


def heap_matches(sub: int, sup: int) -> bool:
    if sub == sup:
        return True
    if sup >= CONCRETE:
        return sub == HT_NOFUNC
    if sub >= CONCRETE:
        return sup == HT_FUNC
    return sub in _BOTTOMS and _TOP[sub] == sup


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
