"""A decoded module: everything known from the bytes alone, nothing per instance.

The decoder (``decode.py``) builds a ``ModuleInfo``; the validator
(``validate.py``) checks it and fills in the facts that need the whole
module (which functions may be referenced by ``ref.func``); the code
generator and the instantiator read it. Instances never write to it, so one
``ModuleInfo`` serves every instance of its ``Module``.

Value types are the binary type codes from ``opcodes`` (``I32 = 0x7F`` ...).
A decoded instruction is a tuple ``(op, *immediates)`` with the layouts
listed in ``opcodes.IMMEDIATES``; a constant expression is the tuple of its
instructions without the final ``end``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, ClassVar

from .opcodes import I32
from .reftypes import HT_ARRAY, HT_FUNC, HT_STRUCT, resolve_rec, type_name

Instr = tuple
ConstExpr = tuple  # tuple[Instr, ...], without the final `end`

# External kinds, as encoded in import and export entries.
EXTERN_FUNC, EXTERN_TABLE, EXTERN_MEMORY, EXTERN_GLOBAL, EXTERN_TAG = 0, 1, 2, 3, 4
EXTERN_NAMES = {EXTERN_FUNC: "func", EXTERN_TABLE: "table", EXTERN_MEMORY: "memory",
                EXTERN_GLOBAL: "global", EXTERN_TAG: "tag"}


@dataclass(frozen=True, slots=True)
class FuncSig:
    """A function type. Equal signatures compare equal (structural typing, as in Wasm 2.0)."""

    params: tuple[int, ...]
    results: tuple[int, ...]
    abstract_heap: ClassVar[int] = HT_FUNC  # the abstract heap type above every function type

    def __str__(self) -> str:
        p = " ".join(type_name(t) for t in self.params)
        r = " ".join(type_name(t) for t in self.results)
        return f"[{p}] -> [{r}]"

    def resolved(self, first_id: int) -> "FuncSig":
        """This type with references to its recursion group's members resolved (``reftypes.resolve_rec``)."""
        return FuncSig(tuple(resolve_rec(t, first_id) for t in self.params),
                       tuple(resolve_rec(t, first_id) for t in self.results))


# Packed storage types of GC fields and array elements (stored as i32 on the operand stack).
I8, I16 = 0x78, 0x77


@dataclass(frozen=True, slots=True)
class FieldType:
    """A struct field or array element: a value type or a packed one (I8, I16), and mutability."""

    storage: int
    mutable: bool

    def resolved(self, first_id: int) -> "FieldType":
        return FieldType(resolve_rec(self.storage, first_id), self.mutable)

    @property
    def unpacked(self) -> int:
        """The type a value of this field has on the operand stack."""
        return I32 if self.storage in (I8, I16) else self.storage


@dataclass(frozen=True, slots=True)
class StructType:
    fields: tuple[FieldType, ...]
    abstract_heap: ClassVar[int] = HT_STRUCT

    def resolved(self, first_id: int) -> "StructType":
        return StructType(tuple(f.resolved(first_id) for f in self.fields))


@dataclass(frozen=True, slots=True)
class ArrayType:
    field: FieldType
    abstract_heap: ClassVar[int] = HT_ARRAY

    def resolved(self, first_id: int) -> "ArrayType":
        return ArrayType(self.field.resolved(first_id))


@dataclass(frozen=True, slots=True)
class TableSig:
    elem: int  # a reference type (reftypes)
    min: int
    max: int | None
    is64: bool = False


@dataclass(frozen=True, slots=True)
class MemSig:
    min: int  # in pages
    max: int | None
    is64: bool = False
    shared: bool = False
    page_size_log2: int = 16


@dataclass(frozen=True, slots=True)
class GlobalSig:
    type: int
    mutable: bool


@dataclass(frozen=True, slots=True)
class Import:
    module: str
    name: str
    kind: int  # EXTERN_*
    desc: object  # type index (int) for functions and tags, else TableSig / MemSig / GlobalSig


@dataclass(frozen=True, slots=True)
class Export:
    name: str
    kind: int
    index: int


@dataclass(frozen=True, slots=True)
class Global:
    sig: GlobalSig
    init: ConstExpr


@dataclass(frozen=True, slots=True)
class Table:
    sig: TableSig
    init: ConstExpr | None = None  # only with the function-references proposal


@dataclass(frozen=True, slots=True)
class ElemSegment:
    """An element segment. ``items`` are constant expressions, one per element;
    the decoder turns the function-index encodings into ``((REF_FUNC, f),)``
    and records which encoding was used in ``exprs``: Wasmtime treats the two
    differently (only function-index segments fold into a lazy table's plan,
    and only expressions cost fuel to evaluate), so its behaviour can be
    matched only if the encoding is kept."""

    mode: str  # "active" | "passive" | "declarative"
    type: int  # a reference type (reftypes)
    items: tuple[ConstExpr, ...]
    table: int = 0
    offset: ConstExpr | None = None
    exprs: bool = False  # encoded as expressions (flags bit 2) rather than function indices

    def func_indices(self) -> tuple[int, ...] | None:
        """The function indices of a function-index-encoded segment, or None for an
        expression-encoded one: the shape lazy table initialisation can precompute."""
        if self.exprs:
            return None
        return tuple(item[0][1] for item in self.items)


@dataclass(frozen=True, slots=True)
class DataSegment:
    mode: str  # "active" | "passive"
    data: bytes
    memory: int = 0
    offset: ConstExpr | None = None


class FuncBody:
    """One function's code. ``locals`` lists the declared locals (not the
    params) expanded, one type per local. ``code`` ends with the function's
    final ``end``; ``offsets[i]`` is the byte offset of ``code[i]`` in the
    module, for error messages and backtraces.

    The instructions may be decoded on first use (``read`` returns
    ``(code, offsets)``): a module whose code comes from the code cache
    never needs most of them."""

    __slots__ = ("locals", "offset", "start", "entry", "raw", "_code", "_offsets", "_read")

    def __init__(self, locals: tuple[int, ...], code: list[Instr] | None, offsets: list[int] | None,
                 offset: int = 0, start: int = 0, entry: int = 0, read: Callable | None = None):
        self.locals = locals
        self.offset = offset  # of the body's size field
        self.start = start  # of the local declarations: Wasmtime's function start, which frame offsets count from
        self.entry = entry  # where Wasmtime places the function's entry: its last group of locals, or ``start``
        self.raw = None  # its bytes from ``start`` on (a view of the module's), when decoded from them
        self._code, self._offsets, self._read = code, offsets, read

    def _load(self) -> None:
        self._code, self._offsets = self._read()
        self._read = None

    @property
    def code(self) -> list[Instr]:
        if self._code is None:
            self._load()
        return self._code

    @property
    def offsets(self) -> list[int]:
        if self._offsets is None:
            self._load()
        return self._offsets


@dataclass(slots=True)
class ModuleInfo:
    types: list = field(default_factory=list)  # FuncSig, StructType or ArrayType, references resolved
    type_ids: list[int] = field(default_factory=list)  # each type's canonical id (type_registry)
    # Each type's declared supertype (a type index) or None, and whether it is final (GC's sub types).
    type_supers: list[tuple[int | None, bool]] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    funcs: list[int] = field(default_factory=list)  # type index of each defined function
    tables: list[Table] = field(default_factory=list)
    memories: list[MemSig] = field(default_factory=list)
    globals: list[Global] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    start: int | None = None
    elems: list[ElemSegment] = field(default_factory=list)
    data_count: int | None = None
    code: list[FuncBody] = field(default_factory=list)
    datas: list[DataSegment] = field(default_factory=list)
    tags: list[int] = field(default_factory=list)  # type index of each defined tag
    customs: list[tuple[str, bytes]] = field(default_factory=list)
    name: str | None = None  # from the name section's module-name subsection
    func_names: dict[int, str] = field(default_factory=dict)  # from the name section
    # A digest of the sections a function's generated code may depend on besides its body
    # (decode.CODE_CONTEXT_SECTIONS); empty when not decoded from bytes.
    code_context: bytes = b""
    # A digest of the function and global sections (decode.DEFINED_SECTIONS), of which generated code
    # reads only the entries a body names; empty when not decoded from bytes.
    defined_context: bytes = b""
    # Filled by the validator: functions that `ref.func` may name (C.refs in the spec).
    declared_refs: frozenset[int] = frozenset()
    # Filled by the decoder when it checked the function bodies as it read them
    # (validate.body_checker): under which features, and the first error or None.
    bodies_checked: tuple | None = None

    # ----- index spaces (imports first, then definitions) -----

    def imports_of(self, kind: int) -> list[Import]:
        return [imp for imp in self.imports if imp.kind == kind]

    @property
    def num_imported_funcs(self) -> int:
        return sum(1 for imp in self.imports if imp.kind == EXTERN_FUNC)

    @property
    def num_imported_tables(self) -> int:
        return sum(1 for imp in self.imports if imp.kind == EXTERN_TABLE)

    @property
    def num_imported_memories(self) -> int:
        return sum(1 for imp in self.imports if imp.kind == EXTERN_MEMORY)

    @property
    def num_imported_globals(self) -> int:
        return sum(1 for imp in self.imports if imp.kind == EXTERN_GLOBAL)

    def func_type_indices(self) -> list[int]:
        """Type index of every function in the function index space."""
        return [imp.desc for imp in self.imports if imp.kind == EXTERN_FUNC] + list(self.funcs)

    def tag_type_indices(self) -> list[int]:
        """Type index of every tag in the tag index space."""
        return [imp.desc for imp in self.imports if imp.kind == EXTERN_TAG] + list(self.tags)

    def func_sig(self, funcidx: int) -> FuncSig:
        n = self.num_imported_funcs
        if funcidx < n:
            return self.types[self.imports_of(EXTERN_FUNC)[funcidx].desc]
        return self.types[self.funcs[funcidx - n]]

    def table_sigs(self) -> list[TableSig]:
        return [imp.desc for imp in self.imports if imp.kind == EXTERN_TABLE] + [t.sig for t in self.tables]

    def memory_sigs(self) -> list[MemSig]:
        return [imp.desc for imp in self.imports if imp.kind == EXTERN_MEMORY] + list(self.memories)

    def global_sigs(self) -> list[GlobalSig]:
        return [imp.desc for imp in self.imports if imp.kind == EXTERN_GLOBAL] + [g.sig for g in self.globals]
