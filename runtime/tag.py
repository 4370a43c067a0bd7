"""``Tag``: an exception tag at the API, as wasmtime-py's.

A tag made here (``Tag(store, TagType(FuncType([...], [])))``) can be
imported by modules; a module's exported tag can be handed to another
instance. Two Tag objects are the same tag when ``eq`` says so: when they
stand for the same ``TagInstance``.
"""

from __future__ import annotations

from .arguments import expect, expect_store
from .binary import type_registry
from .errors import WasmtimeError
from .types import TagType
from .vm.exceptions import TagInstance


class Tag:
    __slots__ = ("_tag", "__weakref__")

    def __init__(self, store, ty: TagType):
        expect_store(store)
        if not isinstance(ty, TagType):
            raise TypeError("expected a TagType")
        if ty._sig.results:
            raise WasmtimeError("tag types must not have results")
        self._tag = TagInstance(ty._sig, type_registry.sig_id(ty._sig))

    @classmethod
    def _from_instance(cls, tag: TagInstance) -> "Tag":
        t = cls.__new__(cls)
        t._tag = tag
        return t

    def type(self, store) -> TagType:
        return TagType._from_sig(self._tag.type)

    def eq(self, store, other: "Tag") -> bool:
        expect(other, Tag, "a Tag")
        return other._tag is self._tag

    def __repr__(self) -> str:
        return f"<Tag {self._tag.type}>"
