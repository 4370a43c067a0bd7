"""What the host sees of an instance's exports: ``Func``, ``Table``, ``Memory``,
``Global`` and ``Tag`` objects made on first access and cached per view.

Both ``Instance.exports`` and a host function's ``Caller`` (through its
``Store``) look exports up here, so this module sits above the extern
classes and below ``instance``.
"""

from __future__ import annotations

from collections.abc import Mapping

from .binary.module_info import EXTERN_FUNC, EXTERN_MEMORY, EXTERN_TABLE, EXTERN_TAG
from .func import Func
from .globals import Global
from .memory import Memory, SharedMemory
from .table import Table
from .tag import Tag
from .vm.context import VMContext


def export_extern(store, vm: VMContext, name: str):
    """The host object for export ``name`` of ``vm``, or None."""
    entry = vm.exports.get(name)
    if entry is None:
        return None
    kind, index = entry
    if kind == EXTERN_FUNC:
        return Func._from_ref(store, vm.funcref(index))
    if kind == EXTERN_TABLE:
        return Table._from_instance(store, vm.tables[index])
    if kind == EXTERN_MEMORY:
        mem = vm.memories[index]
        return SharedMemory._from_instance(mem) if mem.shared else Memory._from_instance(store, mem)
    if kind == EXTERN_TAG:
        return Tag._from_instance(vm.tags[index])
    return Global._from_cell(store, vm.globals[index])


class InstanceExports(Mapping):
    """An instance's exports by name (``exports["f"]``) and by index (``by_index``)."""

    def __init__(self, store, vm: VMContext):
        self._store = store
        self._vm = vm
        self._names = list(vm.exports)
        self._cache: dict[str, object] = {}

    def __getitem__(self, name: str):
        item = self._cache.get(name)
        if item is None:
            item = export_extern(self._store, self._vm, name)
            if item is None:
                raise KeyError(name)
            self._cache[name] = item
        return item

    def __len__(self) -> int:
        return len(self._names)

    def __iter__(self):
        return iter(self._names)

    @property
    def by_index(self) -> list:
        return [self[n] for n in self._names]
