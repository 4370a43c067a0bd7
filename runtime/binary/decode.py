"""The binary decoder: module bytes to a ``ModuleInfo``, or a ``DecodeError``.

Decoding answers one question, "is this the binary format?" (the spec's
*malformed*), and records what the bytes say. It checks no index ranges and
no types: that is the validator's job, so an out-of-range index or a
non-constant constant expression decodes fine and fails validation later.
Where the format itself depends on a proposal (the memory-index forms of
multi-memory, 64-bit offsets of memory64, shared and 64-bit limits) the
``Features`` decide how the bytes are read; opcodes of any proposal are
decoded regardless and left for the validator to accept or reject.

Every failure is a ``DecodeError`` with wasmparser-style wording, the module
offset and the section. Each section's payload is sliced into its own
``bytes`` so that running off its end is just an ``IndexError`` from plain
indexing, turned into "unexpected end" in one place; the helpers below raise
``_Malformed`` with a position relative to that slice, and the section loop
adds the slice's base. Function bodies dominate decoding time, so their
instruction loop reads bytes with inline one-byte LEB fast paths and shares
the tuples of immediate-free instructions.
"""

from __future__ import annotations

import functools

from ..errors import DecodeError
from . import opcodes as ops
from . import reftypes, type_registry
from .features import WASM2, Features
from .module_info import (EXTERN_FUNC, EXTERN_GLOBAL, EXTERN_MEMORY, EXTERN_TABLE, EXTERN_TAG, I8, I16, ArrayType,
                          DataSegment, ElemSegment, Export, FieldType, FuncBody, FuncSig, Global, GlobalSig, Import,
                          MemSig, ModuleInfo, StructType, Table, TableSig)

MAGIC = b"\x00asm"
VERSION = b"\x01\x00\x00\x00"

# wasmparser's limit; also what keeps the expanded locals tuple bounded.
MAX_LOCALS = 50_000

_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF

# Section ids in the order they must appear (data count sits before code).
_SECTION_NAMES = {0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory",
                  6: "global", 7: "export", 8: "start", 9: "element", 10: "code", 11: "data",
                  12: "data count", 13: "tag"}
_SECTION_RANK = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}

_VALTYPES = frozenset(ops.VALUE_TYPES)
# Abstract heap types by the proposal that brings them.
_HEAPS = frozenset({reftypes.HT_FUNC, reftypes.HT_EXTERN, reftypes.HT_NOFUNC, reftypes.HT_NOEXTERN})
_EXN_HEAPS = frozenset({reftypes.HT_EXN, reftypes.HT_NOEXN})
# GC's one-byte reference types: anyref ... arrayref, nullref, nullfuncref, nullexternref, nullexnref.
_GC_SHORTHANDS = frozenset(reftypes.GC_HEAPS | {reftypes.HT_NOFUNC, reftypes.HT_NOEXTERN, reftypes.HT_NOEXN})
# The casts whose target type is non-nullable (their _null twins take a nullable one).
_NON_NULL_CASTS = frozenset({ops.NAMES["ref.test"], ops.NAMES["ref.cast"]})


class _Malformed(Exception):
    """Raised inside a section with a position relative to the section's slice."""

    def __init__(self, message: str, pos: int):
        super().__init__(message)
        self.message = message
        self.pos = pos


# ----- LEB128 -----

def _uleb(data: bytes, pos: int, bits: int) -> tuple[int, int]:
    """An unsigned LEB128 of at most ``bits`` bits at ``pos``: (value, next pos)."""
    b = data[pos]
    if b < 0x80:
        return b, pos + 1
    result = b & 0x7F
    shift = 7
    last = (bits - 1) // 7 * 7  # shift of the last byte the encoding may have
    while True:
        pos += 1
        b = data[pos]
        if shift == last:
            if b & 0x80:
                raise _Malformed("integer representation too long", pos)
            if b >> (bits - last):
                raise _Malformed("integer too large", pos)
            return result | (b << shift), pos + 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos + 1
        shift += 7


def _sleb(data: bytes, pos: int, bits: int) -> tuple[int, int]:
    """A signed LEB128 of at most ``bits`` bits at ``pos``: (signed value, next pos).
    The unused bits of a maximal-length encoding must repeat the sign bit."""
    b = data[pos]
    if b < 0x80:
        return (b - 0x80 if b & 0x40 else b), pos + 1
    result = b & 0x7F
    shift = 7
    last = (bits - 1) // 7 * 7
    while True:
        pos += 1
        b = data[pos]
        if shift == last:
            if b & 0x80:
                raise _Malformed("integer representation too long", pos)
            high = (b & 0x7F) >> (bits - last - 1)  # the sign bit and everything above it
            if high and high != 0x7F >> (bits - last - 1):
                raise _Malformed("integer too large", pos)
            result |= b << shift
            return (result - (1 << (shift + 7)) if b & 0x40 else result), pos + 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            shift += 7
            return (result - (1 << shift) if b & 0x40 else result), pos + 1
        shift += 7


# ----- instructions -----

# Immediate layouts as small ints, for the instruction loop's dispatch.
(K_ILLEGAL, K_NONE, K_IDX, K_I32, K_END, K_MEMARG, K_BLOCK, K_I64, K_F32, K_F64, K_BR_TABLE,
 K_CALL_INDIRECT, K_MEM, K_SELECT_T, K_HEAPTYPE, K_DATA, K_DATA_MEM, K_MEM_MEM, K_PAIR,
 K_V128, K_SHUFFLE, K_LANE, K_MEMARG_LANE, K_ZERO_BYTE, K_PREFIX, K_TRY_TABLE, K_DELEGATE,
 K_DATA_PAIR, K_BR_ON_CAST) = range(29)

_IMM_KINDS = {
    "none": K_NONE, "blocktype": K_BLOCK, "label": K_IDX, "br_table": K_BR_TABLE, "func": K_IDX,
    "call_indirect": K_CALL_INDIRECT, "local": K_IDX, "global": K_IDX, "table": K_IDX,
    "data": K_DATA, "elem": K_IDX, "memarg": K_MEMARG, "mem": K_MEM, "i32": K_I32,
    "i64": K_I64, "f32": K_F32, "f64": K_F64, "select_t": K_SELECT_T, "heaptype": K_HEAPTYPE,
    "try_table": K_TRY_TABLE, "tag": K_IDX, "delegate": K_DELEGATE, "type": K_IDX, "type_index": K_PAIR,
    "type_data": K_DATA_PAIR, "br_on_cast": K_BR_ON_CAST,
    "data_mem": K_DATA_MEM, "mem_mem": K_MEM_MEM, "elem_table": K_PAIR, "table_table": K_PAIR,
    "v128": K_V128, "shuffle": K_SHUFFLE, "lane": K_LANE, "memarg_lane": K_MEMARG_LANE,
    "zero_byte": K_ZERO_BYTE,
}


def _fold(prefix: int, sub: int) -> int:
    """The one-int opcode of a prefixed instruction (see ``opcodes``), or -1 for
    a sub-opcode too large for any instruction."""
    if sub < 0x100:
        return (prefix << 8) | sub
    return (prefix << 12) | sub if sub < 0x1000 else -1


def _kind_tables() -> tuple[list[int], dict[int, int]]:
    single = [K_ILLEGAL] * 256
    prefixed: dict[int, int] = {}
    for code, info in ops.OPS.items():
        kind = _IMM_KINDS[info.imm]
        if code < 0x100:
            single[code] = kind
        else:
            prefixed[code] = kind
    single[ops.END] = K_END
    for prefix in (0xFB, 0xFC, 0xFD, 0xFE):
        single[prefix] = K_PREFIX
    return single, prefixed


_KINDS, _PREFIXED_KINDS = _kind_tables()
_BARE = {code: (code,) for code in ops.OPS}  # shared tuples for immediate-free instructions


def _mem_index(data: bytes, pos: int, multi_memory: bool) -> tuple[int, int]:
    """A memory index immediate: a u32 with multi-memory, else a reserved zero byte."""
    if multi_memory:
        return _uleb(data, pos, 32)
    if data[pos] != 0:
        raise _Malformed("zero byte expected", pos)
    return 0, pos + 1


def _table_index(data: bytes, pos: int, reference_types: bool) -> tuple[int, int]:
    if reference_types:
        return _uleb(data, pos, 32)
    if data[pos] != 0:
        raise _Malformed("zero byte expected", pos)
    return 0, pos + 1


def _memarg(data: bytes, pos: int, multi_memory: bool, memory64: bool) -> tuple[int, int, int, int]:
    """(memory index, offset, log2 alignment, next pos). Bit 6 of the alignment
    field announces an explicit memory index (multi-memory). Wasm 2.0 calls an
    alignment of 2**32 or more malformed; the memory64 and multi-memory
    proposals leave any alignment below 2**64 to the validator."""
    start = pos
    flags, pos = _uleb(data, pos, 32)
    mem = 0
    if multi_memory and flags & 0x40:
        flags &= ~0x40
        mem, pos = _uleb(data, pos, 32)
    if flags >= (64 if multi_memory or memory64 else 32):
        raise _Malformed("malformed memop flags", start)
    offset, pos = _uleb(data, pos, 64 if memory64 else 32)
    return mem, offset, flags, pos


def _count(data: bytes, pos: int) -> tuple[int, int]:
    """A vector length, which cannot exceed the bytes left (every item takes one)."""
    n, after = _uleb(data, pos, 32)
    if n > len(data) - after:
        raise _Malformed(f"length out of bounds: {n} items but {len(data) - after} bytes left", pos)
    return n, after


def _valtype(data: bytes, pos: int, ctx: "_Ctx") -> tuple[int, int]:
    """A value type and the position after it: one byte, or with typed
    references (0x63/0x64) a heap type after it."""
    t = data[pos]
    if t in _VALTYPES or (t == ops.EXNREF and ctx.exceptions):
        return t, pos + 1
    if t in _GC_SHORTHANDS and ctx.gc:  # anyref, eqref, ... nullexternref: (ref null <t>)
        return reftypes.ref_type(t, True), pos + 1
    if (t == ops.REF_PREFIX or t == ops.REF_NULL_PREFIX) and ctx.function_references:
        heap, after = _heaptype(data, pos + 1, ctx)
        return reftypes.ref_type(heap, t == ops.REF_NULL_PREFIX), after
    raise _Malformed(f"malformed value type 0x{t:x}", pos)


def _reftype(data: bytes, pos: int, ctx: "_Ctx") -> tuple[int, int]:
    t, after = _valtype(data, pos, ctx)
    if not reftypes.is_ref(t):
        raise _Malformed(f"malformed reference type 0x{data[pos]:x}", pos)
    return t, after


def _heaptype(data: bytes, pos: int, ctx: "_Ctx") -> tuple[int, int]:
    """A heap type: an abstract one's code, or ``CONCRETE`` plus the canonical id
    of the type a type index names (``reftypes``). Resolving the index here is
    the one index check the decoder makes, because the value type it builds
    must mean the same in every module."""
    value, after = _sleb(data, pos, 33)
    if value < 0:
        code = value & 0x7F
        if code in _HEAPS or (code in _EXN_HEAPS and ctx.exceptions) or (code in reftypes.GC_HEAPS and ctx.gc):
            return code, after
        raise _Malformed(f"malformed heap type 0x{code:x}", pos)
    return _type_heap(value, pos, ctx), after


def _type_heap(index: int, pos: int, ctx: "_Ctx") -> int:
    """The heap type of type index ``index``: a canonical id, or inside the
    recursion group being read, a member's group-relative code."""
    first, end = ctx.group
    if first <= index < end:
        return reftypes.rec_heap(index - first)
    if index >= len(ctx.type_ids):
        raise _Malformed(f"unknown type {index}", pos)
    return reftypes.CONCRETE + ctx.type_ids[index]


def _blocktype(data: bytes, pos: int, ctx: "_Ctx") -> tuple[int | None, int]:
    b = data[pos]
    if b == 0x40:
        return None, pos + 1
    if b in _VALTYPES:
        return -b, pos + 1
    if b == ops.EXNREF or b == ops.REF_PREFIX or b == ops.REF_NULL_PREFIX or b in _GC_SHORTHANDS:
        t, after = _valtype(data, pos, ctx)
        return -t, after
    index, after = _sleb(data, pos, 33)
    if index < 0:
        raise _Malformed(f"malformed block type 0x{b:x}", pos)
    return index, after


class _Ctx:
    """What the instruction loop needs to know besides the bytes: the features
    that change the format, and the canonical ids of the module's types
    (``type_ids``, shared with the ``ModuleInfo``; ``group`` is the range of
    type indices of the recursion group being read in the type section, an
    empty one elsewhere)."""

    __slots__ = ("multi_memory", "memory64", "reference_types", "function_references", "exceptions", "gc",
                 "has_data_count", "type_ids", "group")

    def __init__(self, features: Features, has_data_count: bool, type_ids: list[int]):
        self.multi_memory = features.multi_memory
        self.memory64 = features.memory64
        self.reference_types = features.reference_types
        self.function_references = features.function_references
        self.exceptions = features.exceptions
        self.gc = features.gc
        self.has_data_count = has_data_count
        self.type_ids = type_ids
        self.group = (0, 0)


def _read_expr(data: bytes, pos: int, base: int, ctx: _Ctx) -> tuple[list, list, int]:
    """Instructions from ``pos`` up to and including the ``end`` closing the
    expression: (instructions, their module offsets, next pos)."""
    code: list = []
    offsets: list = []
    append = code.append
    note = offsets.append
    kinds = _KINDS
    bare = _BARE
    depth = 0
    while True:
        start = pos
        op = data[pos]
        pos += 1
        k = kinds[op]
        if k == K_PREFIX:
            b = data[pos]
            if b < 0x80:
                pos += 1
            else:
                b, pos = _uleb(data, pos, 32)
            op = _fold(op, b)
            k = _PREFIXED_KINDS.get(op, K_ILLEGAL)
        if k == K_NONE:
            ins = bare[op]
        elif k == K_IDX:
            b = data[pos]
            if b < 0x80:
                pos += 1
                ins = (op, b)
            else:
                b, pos = _uleb(data, pos, 32)
                ins = (op, b)
        elif k == K_I32:
            b = data[pos]
            if b < 0x80:
                pos += 1
                ins = (op, b | 0xFFFFFF80 if b & 0x40 else b)
            else:
                b, pos = _sleb(data, pos, 32)
                ins = (op, b & _MASK32)
        elif k == K_END:
            if depth == 0:
                append(bare[op])
                note(base + start)
                return code, offsets, pos
            depth -= 1
            ins = bare[op]
        elif k == K_MEMARG and data[pos] < 0x20 and data[pos + 1] < 0x80:
            ins = (op, 0, data[pos + 1], data[pos])
            pos += 2
        elif k == K_BLOCK:
            depth += 1
            bt, pos = _blocktype(data, pos, ctx)
            ins = (op, bt)
        elif k == K_TRY_TABLE:
            depth += 1
            ins, pos = _try_table(op, data, pos, ctx)
        elif k == K_DELEGATE:
            if depth:  # at depth 0 it closes nothing: the validator rejects it, the body's `end` still ends it
                depth -= 1
            label, pos = _uleb(data, pos, 32)
            ins = (op, label)
        else:
            ins, pos = _read_rare(op, k, data, start, pos, ctx)
        append(ins)
        note(base + start)


def _read_rare(op: int, k: int, data: bytes, start: int, pos: int, ctx: _Ctx) -> tuple[tuple, int]:
    """An instruction with one of the less common immediate layouts, starting at
    ``start`` with its immediates at ``pos``: (instruction, next pos)."""
    if k == K_I64:
        v, pos = _sleb(data, pos, 64)
        return (op, v & _MASK64), pos
    if k == K_F32 or k == K_F64 or k == K_V128:
        size = 4 if k == K_F32 else 8 if k == K_F64 else 16
        if pos + size > len(data):
            raise IndexError
        return (op, int.from_bytes(data[pos:pos + size], "little")), pos + size
    if k == K_MEMARG or k == K_MEMARG_LANE:  # memarg with a long encoding, or SIMD lanes
        mem, offset, align, pos = _memarg(data, pos, ctx.multi_memory, ctx.memory64)
        if k == K_MEMARG:
            return (op, mem, offset, align), pos
        return (op, mem, offset, align, data[pos]), pos + 1
    if k == K_LANE:
        return (op, data[pos]), pos + 1
    if k == K_SHUFFLE:
        if pos + 16 > len(data):
            raise IndexError
        return (op, tuple(data[pos:pos + 16])), pos + 16
    if k == K_ZERO_BYTE:
        if data[pos] != 0:
            raise _Malformed("zero byte expected", pos)
        return (op,), pos + 1
    if k == K_BR_TABLE:
        n, pos = _count(data, pos)
        labels = []
        for _ in range(n):
            label, pos = _uleb(data, pos, 32)
            labels.append(label)
        default, pos = _uleb(data, pos, 32)
        return (op, tuple(labels), default), pos
    if k == K_CALL_INDIRECT:
        type_index, pos = _uleb(data, pos, 32)
        table, pos = _table_index(data, pos, ctx.reference_types)
        return (op, type_index, table), pos
    if k == K_MEM:
        mem, pos = _mem_index(data, pos, ctx.multi_memory)
        return (op, mem), pos
    if k == K_SELECT_T:
        n, pos = _count(data, pos)
        types = []
        for _ in range(n):
            t, pos = _valtype(data, pos, ctx)
            types.append(t)
        return (op, tuple(types)), pos
    if k == K_HEAPTYPE:  # ref.null: the nullable reference type it pushes; ref.test, ref.cast: their target
        heap, pos = _heaptype(data, pos, ctx)
        return (op, reftypes.ref_type(heap, op not in _NON_NULL_CASTS)), pos
    if k == K_BR_ON_CAST:  # flags (bit 0: source nullable, bit 1: target nullable), label, two heap types
        flags = data[pos]
        if flags > 3:
            raise _Malformed(f"malformed br_on_cast flags 0x{flags:x}", pos)
        label, pos = _uleb(data, pos + 1, 32)
        source, pos = _heaptype(data, pos, ctx)
        target, pos = _heaptype(data, pos, ctx)
        return (op, label, reftypes.ref_type(source, bool(flags & 1)), reftypes.ref_type(target, bool(flags & 2))), pos
    if k == K_DATA_PAIR:  # a type index, then a data index, which needs the data count section
        if not ctx.has_data_count:
            raise _Malformed("data count section required", start)
        first, pos = _uleb(data, pos, 32)
        second, pos = _uleb(data, pos, 32)
        return (op, first, second), pos
    if k == K_DATA or k == K_DATA_MEM:
        if not ctx.has_data_count:
            raise _Malformed("data count section required", start)
        index, pos = _uleb(data, pos, 32)
        if k == K_DATA:
            return (op, index), pos
        mem, pos = _mem_index(data, pos, ctx.multi_memory)
        return (op, index, mem), pos
    if k == K_MEM_MEM:
        dst, pos = _mem_index(data, pos, ctx.multi_memory)
        src, pos = _mem_index(data, pos, ctx.multi_memory)
        return (op, dst, src), pos
    if k == K_PAIR:
        first, pos = _uleb(data, pos, 32)
        second, pos = _uleb(data, pos, 32)
        return (op, first, second), pos
    raise _Malformed("illegal opcode " + " ".join(f"0x{b:02x}" for b in data[start:pos]), start)


def _try_table(op: int, data: bytes, pos: int, ctx: _Ctx) -> tuple[tuple, int]:
    """try_table's immediates: its block type and catch clauses, each
    (kind, tag index or None, label)."""
    bt, pos = _blocktype(data, pos, ctx)
    n, pos = _count(data, pos)
    catches = []
    for _ in range(n):
        kind = data[pos]
        if kind > ops.CATCH_ALL_REF:
            raise _Malformed(f"malformed catch kind 0x{kind:x}", pos)
        pos += 1
        tag = None
        if kind <= ops.CATCH_REF:
            tag, pos = _uleb(data, pos, 32)
        label, pos = _uleb(data, pos, 32)
        catches.append((kind, tag, label))
    return (op, bt, tuple(catches)), pos


def _read_locals(data: bytes, pos: int, ctx: _Ctx) -> tuple[tuple[int, ...], int, int]:
    """A function's local declarations, expanded: (types, entry, next pos).

    ``entry`` is where Wasmtime places the function's entry (its fuel and
    epoch checks, in backtraces): the last group of locals, or the group
    count when there are none."""
    groups = data[pos]
    if groups == 0:
        return (), pos, pos + 1
    if groups == 1 and data[pos + 1] < 0x80 and data[pos + 2] in _VALTYPES:
        return (data[pos + 2],) * data[pos + 1], pos + 1, pos + 3
    entry = pos
    groups, pos = _count(data, pos)
    out: list[int] = []
    for _ in range(groups):
        start = entry = pos
        n, pos = _uleb(data, pos, 32)
        if len(out) + n > MAX_LOCALS:
            raise _Malformed("too many locals", start)
        t, pos = _valtype(data, pos, ctx)
        out += [t] * n
    return tuple(out), entry, pos


# ----- sections -----

class _Reader:
    """A cursor over one section's payload, for the sections outside function bodies."""

    __slots__ = ("data", "pos", "base", "ctx")

    def __init__(self, data: bytes, base: int, ctx: _Ctx):
        self.data = data
        self.pos = 0
        self.base = base
        self.ctx = ctx

    def at_end(self) -> bool:
        return self.pos >= len(self.data)

    def byte(self) -> int:
        b = self.data[self.pos]
        self.pos += 1
        return b

    def u32(self) -> int:
        v, self.pos = _uleb(self.data, self.pos, 32)
        return v

    def u64(self) -> int:
        v, self.pos = _uleb(self.data, self.pos, 64)
        return v

    def count(self) -> int:
        n, self.pos = _count(self.data, self.pos)
        return n

    def valtype(self) -> int:
        t, self.pos = _valtype(self.data, self.pos, self.ctx)
        return t

    def reftype(self) -> int:
        t, self.pos = _reftype(self.data, self.pos, self.ctx)
        return t

    def bytes_(self) -> bytes:
        n = self.count()
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def name(self) -> str:
        start = self.pos
        raw = self.bytes_()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _Malformed("malformed UTF-8 encoding", start) from None

    def fail(self, message: str, pos: int | None = None) -> _Malformed:
        return _Malformed(message, self.pos if pos is None else pos)


class _ModuleDecoder:
    """Walks the sections in order, filling one ``ModuleInfo``; the checks that
    span sections (order, function/code and data count/data agreement) live here."""

    def __init__(self, data: bytes, features: Features, lazy_bodies: bool = False):
        self.data = data
        self.features = features
        self.lazy_bodies = lazy_bodies
        self.info = ModuleInfo()
        self.const_ctx = _Ctx(features, True, self.info.type_ids)

    def decode(self) -> ModuleInfo:
        data = self.data
        self._header()
        pos = 8
        last_rank = 0
        last_id = 0
        while pos < len(data):
            section_start = pos
            section_id = data[pos]
            try:
                size, pos = _uleb(data, pos + 1, 32)
            except _Malformed as e:
                raise DecodeError(e.message, e.pos) from None
            except IndexError:
                raise DecodeError("unexpected end-of-file", len(data)) from None
            if section_id not in _SECTION_NAMES:
                raise DecodeError(f"malformed section id {section_id}", section_start)
            name = _SECTION_NAMES[section_id]
            if size > len(data) - pos:
                raise DecodeError(f"length out of bounds: section size {size} exceeds the "
                                  f"{len(data) - pos} bytes left (unexpected end)", pos, name)
            if section_id:
                rank = _SECTION_RANK[section_id]
                if rank <= last_rank:
                    what = "duplicate" if section_id == last_id else "out-of-order"
                    raise DecodeError(f"unexpected section: {what} {name} section (unexpected "
                                      "content after last section)", section_start, name)
                last_rank, last_id = rank, section_id
            self._section(name, _Reader(data[pos:pos + size], pos, self.const_ctx))
            pos += size
        self._finish()
        return self.info

    def _header(self) -> None:
        data = self.data
        head = data[:4]
        if head != MAGIC[:len(head)]:
            raise DecodeError("magic header not detected", 0)
        if len(data) < 8:
            raise DecodeError("unexpected end-of-file", len(data))
        if data[4:8] != VERSION:
            raise DecodeError("unknown binary version", 4)

    def _section(self, name: str, r: _Reader) -> None:
        try:
            getattr(self, "_sec_" + name.replace(" ", "_"))(r)
            if not r.at_end():
                raise r.fail("section size mismatch")
        except _Malformed as e:
            raise DecodeError(e.message, r.base + e.pos, name) from None
        except IndexError:
            raise DecodeError("unexpected end of section or function", r.base + len(r.data),
                              name) from None

    def _finish(self) -> None:
        info = self.info
        if len(info.code) != len(info.funcs):
            raise DecodeError("function and code section have inconsistent lengths",
                              len(self.data))
        if info.data_count is not None and info.data_count != len(info.datas):
            raise DecodeError("data count and data section have inconsistent lengths",
                              len(self.data))

    # ----- one method per section -----

    def _sec_custom(self, r: _Reader) -> None:
        name = r.name()
        payload = r.data[r.pos:]
        r.pos = len(r.data)
        if name == "name":
            self._names(payload)
        else:
            self.info.customs.append((name, payload))

    def _names(self, payload: bytes) -> None:
        """The name section is advisory: anything wrong in it just drops it."""
        module_name = None
        func_names: dict[int, str] = {}
        r = _Reader(payload, 0, self.const_ctx)
        try:
            while not r.at_end():
                sub_id = r.byte()
                sub = _Reader(r.bytes_(), 0, self.const_ctx)
                if sub_id == 0:
                    module_name = sub.name()
                elif sub_id == 1:
                    for _ in range(sub.count()):
                        index = sub.u32()
                        func_names[index] = sub.name()
                else:
                    continue
                if not sub.at_end():
                    return
        except (_Malformed, IndexError):
            return
        self.info.name = module_name
        self.info.func_names = func_names

    def _sec_type(self, r: _Reader) -> None:
        """Recursion groups of types (a type outside ``rec`` is a group of one):
        a member may name the types before its group and every member of it.
        Each group is interned for canonical ids (``type_registry``)."""
        info = self.info
        for _ in range(r.count()):
            n = 1
            if r.data[r.pos] == 0x4E and self.features.gc:
                r.pos += 1
                n = r.count()
            first = len(info.types)
            r.ctx.group = (first, first + n)
            members, supers, declared = [], [], []
            for k in range(n):
                final, sup, comp = self._sub_type(r, first + k)
                members.append(comp)
                declared.append((sup, final))
                supers.append((None if sup is None else ("rec", sup - first) if sup >= first
                               else ("id", info.type_ids[sup]), final))
            r.ctx.group = (0, 0)
            ids = type_registry.define_group(tuple(members), tuple(supers), lambda m, first_id: m.resolved(first_id))
            info.type_ids += ids
            info.types += [type_registry.definition(i) for i in ids]
            info.type_supers += declared

    def _sub_type(self, r: _Reader, index: int) -> tuple[bool, int | None, object]:
        """(final, declared supertype index or None, composite type) of type ``index``."""
        final, sup = True, None
        form = r.data[r.pos]
        if form in (0x50, 0x4F) and self.features.gc:  # sub, sub final
            r.pos += 1
            final = form == 0x4F
            supers = [r.u32() for _ in range(r.count())]
            if len(supers) > 1:
                raise r.fail("multiple supertypes")
            if supers:
                sup = supers[0]
                if sup >= index:
                    raise r.fail(f"unknown type {sup}: a supertype must come before its subtype")
        start = r.pos
        form = r.byte()
        if form == 0x60:
            params = tuple(r.valtype() for _ in range(r.count()))
            return final, sup, FuncSig(params, tuple(r.valtype() for _ in range(r.count())))
        if form == 0x5F and self.features.gc:
            return final, sup, StructType(tuple(self._field_type(r) for _ in range(r.count())))
        if form == 0x5E and self.features.gc:
            return final, sup, ArrayType(self._field_type(r))
        raise r.fail(f"malformed function type form 0x{form:x}", start)

    def _field_type(self, r: _Reader) -> FieldType:
        if r.data[r.pos] in (I8, I16):
            storage = r.byte()
        else:
            storage = r.valtype()
        mut = r.byte()
        if mut > 1:
            raise r.fail(f"malformed mutability 0x{mut:x}", r.pos - 1)
        return FieldType(storage, bool(mut))

    def _sec_import(self, r: _Reader) -> None:
        for _ in range(r.count()):
            module = r.name()
            field = r.name()
            kind = r.byte()
            if kind == EXTERN_FUNC:
                desc = r.u32()
            elif kind == EXTERN_TABLE:
                desc = self._table_type(r)
            elif kind == EXTERN_MEMORY:
                desc = self._memory_type(r)
            elif kind == EXTERN_GLOBAL:
                desc = self._global_type(r)
            elif kind == EXTERN_TAG and self.features.exceptions:
                desc = self._tag_type(r)
            else:
                raise r.fail(f"malformed import kind 0x{kind:x}", r.pos - 1)
            self.info.imports.append(Import(module, field, kind, desc))

    def _sec_function(self, r: _Reader) -> None:
        self.info.funcs = [r.u32() for _ in range(r.count())]

    def _sec_table(self, r: _Reader) -> None:
        for _ in range(r.count()):
            if r.data[r.pos] == 0x40 and self.features.function_references:  # a table with an initialiser
                if r.data[r.pos + 1] != 0:
                    raise r.fail("malformed table: zero byte expected", r.pos + 1)
                r.pos += 2
                sig = self._table_type(r)
                self.info.tables.append(Table(sig, self._const_expr(r)))
            else:
                self.info.tables.append(Table(self._table_type(r)))

    def _sec_tag(self, r: _Reader) -> None:
        if not self.features.exceptions:
            raise r.fail("malformed section id 13: exceptions are not enabled", 0)
        self.info.tags = [self._tag_type(r) for _ in range(r.count())]

    def _sec_memory(self, r: _Reader) -> None:
        for _ in range(r.count()):
            self.info.memories.append(self._memory_type(r))

    def _sec_global(self, r: _Reader) -> None:
        for _ in range(r.count()):
            sig = self._global_type(r)
            self.info.globals.append(Global(sig, self._const_expr(r)))

    def _sec_export(self, r: _Reader) -> None:
        for _ in range(r.count()):
            name = r.name()
            kind = r.byte()
            if kind > EXTERN_GLOBAL and not (kind == EXTERN_TAG and self.features.exceptions):
                raise r.fail(f"malformed export kind 0x{kind:x}", r.pos - 1)
            self.info.exports.append(Export(name, kind, r.u32()))

    def _sec_start(self, r: _Reader) -> None:
        self.info.start = r.u32()

    def _sec_element(self, r: _Reader) -> None:
        for _ in range(r.count()):
            self.info.elems.append(self._elem_segment(r))

    def _sec_data_count(self, r: _Reader) -> None:
        self.info.data_count = r.u32()

    def _sec_code(self, r: _Reader) -> None:
        n = r.count()
        if n != len(self.info.funcs):
            raise r.fail("function and code section have inconsistent lengths")
        ctx = _Ctx(self.features, self.info.data_count is not None, self.info.type_ids)
        data, base, pos = r.data, r.base, r.pos
        bodies = self.info.code
        for _ in range(n):
            body_start = pos
            size, pos = _uleb(data, pos, 32)
            end = pos + size
            if end > len(data):
                raise _Malformed("unexpected end of section or function", pos)
            start = pos
            local_types, entry, pos = _read_locals(data, pos, ctx)
            if self.lazy_bodies:
                read = functools.partial(_read_body, data, pos, base, ctx)
                bodies.append(FuncBody(local_types, None, None, base + body_start, base + start, base + entry, read))
                pos = end
                continue
            code, offsets, pos = _read_expr(data, pos, base, ctx)
            if pos != end:
                raise _Malformed("END opcode expected" if pos > end
                                 else "operators remaining after end of function", min(pos, end))
            bodies.append(FuncBody(local_types, code, offsets, base + body_start, base + start, base + entry))
        r.pos = pos

    def _sec_data(self, r: _Reader) -> None:
        n = r.count()
        if self.info.data_count is not None and n != self.info.data_count:
            raise r.fail("data count and data section have inconsistent lengths")
        for _ in range(n):
            self.info.datas.append(self._data_segment(r))

    # ----- pieces -----

    def _limits(self, r: _Reader, memory: bool) -> tuple[int, int | None, bool, bool, int]:
        """(min, max, is64, shared, page size log2) from a limits flags byte and what follows;
        only a memory's limits may say shared or give a page size."""
        start = r.pos
        flags = r.byte()
        is64 = bool(flags & 0x04)
        shared = bool(flags & 0x02)
        custom = bool(flags & 0x08)  # custom-page-sizes: the page size's log2 follows the bounds
        if (flags > 0x0F or (is64 and not self.features.memory64)
                or (shared and not (memory and self.features.threads))
                or (custom and not (memory and self.features.custom_page_sizes))):
            raise r.fail(f"malformed limits flags 0x{flags:x}", start)
        read = r.u64 if is64 else r.u32
        minimum = read()
        maximum = read() if flags & 0x01 else None
        page_size_log2 = r.u32() if custom else 16
        return minimum, maximum, is64, shared, page_size_log2

    def _table_type(self, r: _Reader) -> TableSig:
        elem = r.reftype()
        minimum, maximum, is64, _, _ = self._limits(r, memory=False)
        return TableSig(elem, minimum, maximum, is64)

    def _memory_type(self, r: _Reader) -> MemSig:
        minimum, maximum, is64, shared, page_size_log2 = self._limits(r, memory=True)
        return MemSig(minimum, maximum, is64, shared, page_size_log2)

    def _tag_type(self, r: _Reader) -> int:
        """A tag's type: an attribute byte (0, exception) and a function type index."""
        attribute = r.byte()
        if attribute != 0:
            raise r.fail(f"malformed tag attribute 0x{attribute:x}", r.pos - 1)
        return r.u32()

    def _global_type(self, r: _Reader) -> GlobalSig:
        t = r.valtype()
        mut = r.byte()
        if mut > 1:
            raise r.fail(f"malformed mutability 0x{mut:x}", r.pos - 1)
        return GlobalSig(t, bool(mut))

    def _const_expr(self, r: _Reader) -> tuple:
        code, _, r.pos = _read_expr(r.data, r.pos, r.base, self.const_ctx)
        return tuple(code[:-1])

    def _elem_segment(self, r: _Reader) -> ElemSegment:
        """The eight encodings: bit 0 passive/declarative (bit 1 picks which) or
        active; bit 1 of an active one an explicit table; bit 2 expressions
        instead of function indices, with a reference type instead of an elemkind."""
        start = r.pos
        flags = r.u32()
        if flags > 7:
            raise r.fail(f"malformed elements segment kind {flags}", start)
        table, offset = 0, None
        if flags & 1:
            mode = "declarative" if flags & 2 else "passive"
        else:
            mode = "active"
            if flags & 2:
                table = r.u32()
            offset = self._const_expr(r)
        uses_exprs = bool(flags & 4)
        # Function indices are non-null references: (ref func) since typed references.
        elem_type = ops.FUNCREF
        if not uses_exprs and self.features.function_references:
            elem_type = reftypes.ref_type(reftypes.HT_FUNC, False)
        if flags & 3:
            if uses_exprs:
                elem_type = r.reftype()
            else:
                kind = r.byte()
                if kind != 0:
                    raise r.fail(f"malformed element kind 0x{kind:x}", r.pos - 1)
        n = r.count()
        if uses_exprs:
            items = tuple(self._const_expr(r) for _ in range(n))
        else:
            items = tuple(((ops.REF_FUNC, r.u32()),) for _ in range(n))
        return ElemSegment(mode, elem_type, items, table, offset, uses_exprs)

    def _data_segment(self, r: _Reader) -> DataSegment:
        start = r.pos
        flags = r.u32()
        if flags == 1:
            return DataSegment("passive", r.bytes_())
        if flags > 2:
            raise r.fail(f"malformed data segment kind {flags}", start)
        memory = r.u32() if flags == 2 else 0
        offset = self._const_expr(r)
        return DataSegment("active", r.bytes_(), memory, offset)


def _read_body(data: bytes, pos: int, base: int, ctx: _Ctx) -> tuple[list, list]:
    return _read_expr(data, pos, base, ctx)[:2]


def decode_module(data: bytes, features: Features = WASM2, lazy_bodies: bool = False) -> ModuleInfo:
    """Decode a binary module. Raises ``DecodeError`` for anything that is not
    the binary format (under ``features``); never checks types or indices.

    ``lazy_bodies`` leaves function bodies' instructions to be decoded on first
    use, unchecked: only for bytes known to decode (and validate) under
    ``features``, as those of a module in the code cache are."""
    return _ModuleDecoder(bytes(data), features, lazy_bodies).decode()
