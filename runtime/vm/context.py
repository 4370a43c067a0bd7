"""Per-instance runtime state: memories, tables, globals and the VMContext.

Everything here belongs to one store; nothing refers back into a ``Module``
except through the shared, immutable ``ModuleCode``. Generated code reaches
this state through the ``vm`` argument every compiled function takes
(``vm.memories[i].data``, ``vm.tables[i].elems``, ``vm.globals[i].value``).

A memory's bytes are a ``membuf`` buffer, grown without copying; its length
is the memory's size, so a bounds error surfaces as the
``IndexError``/``struct.error`` the API boundary turns into a trap. The
buffer object may change once, at the memory's first growth (``membuf``),
which generated code allows for (``codegen``). Tables are Python lists,
grown in place.
"""

from __future__ import annotations

import threading

from ..binary.module_info import ModuleInfo
from ..errors import WasmtimeError
from . import gc, membuf
from .funcref import FuncRef

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF
PAGE = 65536
# Tables and memories are also bounded by what this process can hold; beyond
# these sizes growth fails (returns -1) the way Wasmtime fails when a resource
# limit or allocation refuses it.
MAX_TABLE_ELEMENTS = 10_000_000
MAX_MEMORY_BYTES = membuf.MAX_BYTES


class ResourceLimits:
    """The limits of ``Store.set_limits`` (None = unlimited)."""

    __slots__ = ("memory_size", "table_elements", "instances", "tables", "memories")

    def __init__(self):
        self.memory_size = None
        self.table_elements = None
        self.instances = None
        self.tables = None
        self.memories = None


class MemoryInstance:
    """One linear memory. ``data`` is its bytes (a ``membuf`` buffer); its
    length is the current size.

    ``lock`` serialises growth, and for shared memories the atomic
    read-modify-write operations and the wait queues of ``atomics``."""

    __slots__ = ("data", "min", "max", "is64", "shared", "page_size_log2", "limits", "max_bytes", "lock",
                 "waiters")

    def __init__(self, min_pages: int, max_pages: int | None, is64: bool = False,
                 shared: bool = False, page_size_log2: int = 16, limits: ResourceLimits | None = None,
                 max_bytes: int = MAX_MEMORY_BYTES, data: membuf.Buffer | None = None):
        """``data``, when given, is a buffer already holding the initial bytes (a
        pooled slot); otherwise the memory starts zeroed at ``min_pages``.
        WasmtimeError if the minimum size is beyond what the memory may hold."""
        self.min = min_pages
        self.max = max_pages
        self.is64 = is64
        self.shared = shared
        self.page_size_log2 = page_size_log2
        self.limits = limits
        self.max_bytes = max_bytes
        self.lock = threading.Lock()
        self.waiters: dict = {}  # address -> queue of waiting threads (shared memories only)
        too_big = f"memory minimum size of {min_pages} pages exceeds memory limits"
        if min_pages << page_size_log2 > self._cap_bytes():
            raise WasmtimeError(too_big)
        if data is None:
            try:
                data = membuf.allocate(min_pages << page_size_log2, shared)
            except MemoryError:
                raise WasmtimeError(too_big) from None
        self.data = data

    @property
    def pages(self) -> int:
        return len(self.data) >> self.page_size_log2

    def _cap_bytes(self) -> int:
        """The most bytes this memory may ever hold: its type's maximum, the
        index type's, the allocator's (``max_bytes``) and the store's limit."""
        cap = min(1 << 64 if self.is64 else 1 << 32, self.max_bytes)  # the index space, whatever the page size
        if self.max is not None:
            cap = min(cap, self.max << self.page_size_log2)
        if self.limits is not None and self.limits.memory_size is not None:
            cap = min(cap, self.limits.memory_size)
        return cap

    def grow_pages(self, delta: int) -> int:
        """Grow by ``delta`` pages: the old size, or -1 as an unsigned value."""
        fail = M64 if self.is64 else M32
        with self.lock:
            old = self.pages
            new_bytes = (old + delta) << self.page_size_log2
            if new_bytes > self._cap_bytes():
                return fail
            if delta:
                data = membuf.resize(self.data, new_bytes)
                if data is None:
                    return fail
                self.data = data
            return old


class _Uninit:
    """The value of a lazily initialised table element nobody has read yet.

    Distinct from None (an explicit null): a lazy initialisation only ever
    replaces this, never a stored null."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<uninitialised>"


UNINIT = _Uninit()


class TableInstance:
    """One table. ``elems`` holds references (``FuncRef``, host objects, None for
    null, or ``UNINIT`` for a lazily initialised element not read yet).

    ``lazy`` is ``(owner_vm, plan)`` for a lazily initialised funcref table:
    element i is built from ``plan[i]`` (a function index of the owner, or
    None) the first time anything reads it."""

    __slots__ = ("elems", "elem_type", "max", "is64", "limits", "lazy")

    def __init__(self, elem_type: int, size: int, max_size: int | None, init=None,
                 is64: bool = False, limits: ResourceLimits | None = None, lazy=None):
        self.elem_type = elem_type
        self.max = max_size
        self.is64 = is64
        self.limits = limits
        self.lazy = lazy
        if limits is not None and limits.table_elements is not None and size > limits.table_elements:
            raise WasmtimeError("table minimum size exceeds the store's limit")
        self.elems = [UNINIT if lazy is not None else init] * size

    def resolve(self, i: int):
        """Element ``i``, initialising it from the plan if it was never read."""
        v = self.elems[i]
        if v is UNINIT:
            vm, plan = self.lazy
            idx = plan[i] if i < len(plan) else None
            v = None if idx is None else vm.funcref(idx)
            self.elems[i] = v
        return v

    def resolve_range(self, start: int, n: int) -> None:
        """Initialise elements ``[start, start+n)`` that were never read."""
        if self.lazy is not None:
            elems = self.elems
            for i in range(start, start + n):
                if elems[i] is UNINIT:
                    self.resolve(i)

    def grow(self, delta: int, init) -> int:
        """Grow by ``delta`` elements set to ``init``: the old size, or -1 (unsigned)."""
        fail = M64 if self.is64 else M32
        old = len(self.elems)
        new = old + delta
        cap = self.max if self.max is not None else (M64 if self.is64 else M32)
        if new > cap or new > MAX_TABLE_ELEMENTS:
            return fail
        if self.limits is not None and self.limits.table_elements is not None \
                and new > self.limits.table_elements:
            return fail
        if delta:
            self.elems.extend([init] * delta)
        return old


class GlobalCell:
    """One global variable; imported and exported globals share the cell."""

    __slots__ = ("value", "type", "mutable")

    def __init__(self, type_: int, mutable: bool, value):
        self.type = type_
        self.mutable = mutable
        self.value = value


class VMContext:
    """The state of one instance, as generated code sees it."""

    __slots__ = ("code", "info", "ctx", "memories", "tables", "globals", "imported_funcs", "tags", "const_elements",
                 "const_checked", "datas", "_elem_cache", "_dropped_elems", "_funcrefs", "exports")

    def __init__(self, code, ctx):
        self.code = code
        self.info: ModuleInfo = code.info
        self.ctx = ctx  # the store's StoreContext: fuel, epoch deadline
        self.memories: list[MemoryInstance] = []
        self.tables: list[TableInstance] = []
        self.globals: list[GlobalCell] = []
        self.imported_funcs: list[FuncRef] = []
        self.tags: list = []  # TagInstance (vm/exceptions): imported, then this instance's own
        # Elements the GC arrays of the constant expressions evaluated hold, until instantiation charges
        # them (instance._charge_arrays); of those, up to the end of the last array whose fuel Wasmtime checks.
        self.const_elements = 0
        self.const_checked = 0
        self.datas: list[bytes] = [d.data for d in self.info.datas]
        self._elem_cache: dict[int, tuple] = {}
        self._dropped_elems: set[int] = set()
        self._funcrefs: dict[int, FuncRef] = {}
        self.exports: dict[str, tuple[int, int]] = code.exports

    def funcref(self, idx: int) -> FuncRef:
        """The reference to function ``idx`` of this instance, made on first request."""
        if idx < len(self.imported_funcs):
            return self.imported_funcs[idx]
        ref = self._funcrefs.get(idx)
        if ref is None:
            ref = FuncRef(None, self, self.code.func_sigs[idx], idx, self.code.func_type_ids[idx])
            self.code.bind_ref(idx, ref)
            self._funcrefs[idx] = ref
        return ref

    def elem_items(self, idx: int) -> tuple:
        """The evaluated references of element segment ``idx`` (empty once dropped)."""
        if idx in self._dropped_elems:
            return ()
        items = self._elem_cache.get(idx)
        if items is None:
            from ..binary.constexpr import eval_const
            items = tuple(eval_const(e, self) for e in self.info.elems[idx].items)
            self._elem_cache[idx] = items
        return items

    def const_gc(self, ins: tuple, stack: list) -> None:
        """Evaluate GC instruction ``ins`` of a constant expression on ``stack`` (``gc.const_op``)."""
        gc.const_op(self, ins, stack)

    def release(self) -> None:
        """Drop this instance's state; only when its store is gone or closed."""
        self.memories.clear()
        self.tables.clear()
        self.globals.clear()
        self.imported_funcs.clear()
        self.tags.clear()
        self._funcrefs.clear()
        self._elem_cache.clear()

    def drop_elem(self, idx: int) -> None:
        self._dropped_elems.add(idx)
        self._elem_cache.pop(idx, None)

