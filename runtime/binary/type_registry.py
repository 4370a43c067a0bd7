"""The process-wide ids of defined types, for one-compare type checks.

``call_indirect`` and ``call_ref`` must accept a function whose type is the
same as the expected one even when the two come from different modules or
stores, and a GC cast must know a struct's supertypes. Interning every
defined type to a small integer once, here, makes the first one integer
compare in generated code: the compiler binds the expected id and every
function reference carries its own (Wasmtime's engine-wide type registry
does the same with shared type indices).

Types are interned a recursion group at a time (WebAssembly 3.0's
iso-recursive types): the key is the group's member definitions, in which a
reference to a member of the same group is written relative to the group
(``reftypes.rec_heap``) and any other by its id, so two groups get the same
ids exactly when they are the same definitions. A type outside a ``rec`` is
a group of one. Ids are never freed; a process sees a bounded number of types.

For each id the registry keeps the definition (with the group's own
references resolved to ids) and its supertype chain, root first
(``display``): a cast to a concrete type is then one index and one compare,
as in Wasmtime.
"""

from __future__ import annotations

_GROUP_IDS: dict[tuple, int] = {}  # group key -> id of its first member
_DEFINITIONS: list = []  # id -> the type's definition, references resolved
_DISPLAYS: list[tuple[int, ...]] = []  # id -> its supertypes' ids, root first, itself last


def define_group(members: tuple, supers: tuple, resolve) -> list[int]:
    """The ids of one recursion group's types, interning them on first sight.

    ``members`` are the definitions as read (group-relative references
    inside), ``supers`` each member's declared supertype (an id, a
    group-relative heap code, or None) and its finality, and ``resolve(member,
    first_id)`` the member with its group-relative references turned into ids."""
    key = (members, supers)
    first = _GROUP_IDS.get(key)
    if first is None:
        first = len(_DEFINITIONS)
        _GROUP_IDS[key] = first
        _DEFINITIONS.extend(resolve(m, first) for m in members)
        for k, (sup, _final) in enumerate(supers):
            parent = _resolve_super(sup, first)
            _DISPLAYS.append((_DISPLAYS[parent] if parent is not None else ()) + (first + k,))
    return [first + k for k in range(len(members))]


def _resolve_super(sup, first: int) -> int | None:
    if sup is None:
        return None
    kind, index = sup
    return first + index if kind == "rec" else index


def sig_id(sig) -> int:
    """The id of a function type that is a group of its own without supertypes
    (a host function's type, which can name no other type)."""
    return define_group((sig,), ((None, True),), lambda member, first: member)[0]


def definition(type_id: int):
    """The definition of type ``type_id`` (a FuncSig, StructType or ArrayType)."""
    return _DEFINITIONS[type_id]


def display(type_id: int) -> tuple[int, ...]:
    """Type ``type_id``'s supertype chain, root first, ending with itself."""
    return _DISPLAYS[type_id]


def is_subtype(sub: int, sup: int) -> bool:
    """Whether defined type ``sub`` is ``sup`` or declares it as a (transitive) supertype."""
    chain = _DISPLAYS[sub]
    depth = len(_DISPLAYS[sup]) - 1
    return depth < len(chain) and chain[depth] == sup
