"""The instruction format: LEB128 integers, value and heap types, and the
instructions of function bodies and constant expressions, read from bytes.

Shared by the decoder (``decode``), which reads whole expressions into lists
of instruction tuples, and the validator (``validate``), which checks
function bodies straight from their bytes as the decoder meets them. Readers
take a ``bytes`` and a position and return what they read with the position
after it; running off the end is just an ``IndexError`` from plain indexing,
and a malformed encoding raises ``Malformed`` with its position. Function
bodies dominate decoding time, so the instruction loop reads bytes with inline
one-byte LEB fast paths and shares the tuples of immediate-free instructions.
"""

from __future__ import annotations

from . import opcodes as ops
from . import reftypes
from .features import Features

_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF

# wasmparser's limit; also what keeps the expanded locals tuple bounded.
MAX_LOCALS = 50_000

_VALTYPES = frozenset(ops.VALUE_TYPES)
# Abstract heap types by the proposal that brings them.
_HEAPS = frozenset({reftypes.HT_FUNC, reftypes.HT_EXTERN, reftypes.HT_NOFUNC, reftypes.HT_NOEXTERN})
_EXN_HEAPS = frozenset({reftypes.HT_EXN, reftypes.HT_NOEXN})
# GC's one-byte reference types: anyref ... arrayref, nullref, nullfuncref, nullexternref, nullexnref.
_GC_SHORTHANDS = frozenset(reftypes.GC_HEAPS | {reftypes.HT_NOFUNC, reftypes.HT_NOEXTERN, reftypes.HT_NOEXN})
# The casts whose target type is non-nullable (their _null twins take a nullable one).
_NON_NULL_CASTS = frozenset({ops.NAMES["ref.test"], ops.NAMES["ref.cast"]})


class Malformed(Exception):
    """Raised inside a section with a position relative to the section's slice."""

    def __init__(self, message: str, pos: int):
        super().__init__(message)
        self.message = message
        self.pos = pos


# ----- LEB128 -----

def uleb(data: bytes, pos: int, bits: int) -> tuple[int, int]:
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
                raise Malformed("integer representation too long", pos)
            if b >> (bits - last):
                raise Malformed("integer too large", pos)
            return result | (b << shift), pos + 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos + 1
        shift += 7


def sleb(data: bytes, pos: int, bits: int) -> tuple[int, int]:
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
                raise Malformed("integer representation too long", pos)
            high = (b & 0x7F) >> (bits - last - 1)  # the sign bit and everything above it
            if high and high != 0x7F >> (bits - last - 1):
                raise Malformed("integer too large", pos)
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


KINDS, PREFIXED_KINDS = _kind_tables()
BARE = {code: (code,) for code in ops.OPS}  # shared tuples for immediate-free instructions


def _index(data: bytes, pos: int, indexed: bool) -> tuple[int, int]:
    """A memory or table index immediate: a u32 where a proposal allows
    other indices than 0 (``indexed``: multi-memory, reference types), else a
    reserved zero byte."""
    if indexed:
        return uleb(data, pos, 32)
    if data[pos] != 0:
        raise Malformed("zero byte expected", pos)
    return 0, pos + 1


def _memarg(data: bytes, pos: int, multi_memory: bool, memory64: bool) -> tuple[int, int, int, int]:
    """(memory index, offset, log2 alignment, next pos). Bit 6 of the alignment
    field announces an explicit memory index (multi-memory). Wasm 2.0 calls an
    alignment of 2**32 or more malformed; the memory64 and multi-memory
    proposals leave any alignment below 2**64 to the validator."""
    start = pos
    flags, pos = uleb(data, pos, 32)
    mem = 0
    if multi_memory and flags & 0x40:
        flags &= ~0x40
        mem, pos = uleb(data, pos, 32)
    if flags >= (64 if multi_memory or memory64 else 32):
        raise Malformed("malformed memop flags", start)
    offset, pos = uleb(data, pos, 64 if memory64 else 32)
    return mem, offset, flags, pos


def count(data: bytes, pos: int) -> tuple[int, int]:
    """A vector length, which cannot exceed the bytes left (every item takes one)."""
    n, after = uleb(data, pos, 32)
    if n > len(data) - after:
        raise Malformed(f"length out of bounds: {n} items but {len(data) - after} bytes left", pos)
    return n, after


def valtype(data: bytes, pos: int, ctx: "Ctx") -> tuple[int, int]:
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
    raise Malformed(f"malformed value type 0x{t:x}", pos)


def reftype(data: bytes, pos: int, ctx: "Ctx") -> tuple[int, int]:
    t, after = valtype(data, pos, ctx)
    if not reftypes.is_ref(t):
        raise Malformed(f"malformed reference type 0x{data[pos]:x}", pos)
    return t, after


def _heaptype(data: bytes, pos: int, ctx: "Ctx") -> tuple[int, int]:
    """A heap type: an abstract one's code, or ``CONCRETE`` plus the canonical id
    of the type a type index names (``reftypes``). Resolving the index here is
    the one index check the decoder makes, because the value type it builds
    must mean the same in every module."""
    value, after = sleb(data, pos, 33)
    if value < 0:
        code = value & 0x7F
        if code in _HEAPS or (code in _EXN_HEAPS and ctx.exceptions) or (code in reftypes.GC_HEAPS and ctx.gc):
            return code, after
        raise Malformed(f"malformed heap type 0x{code:x}", pos)
    return _type_heap(value, pos, ctx), after


def _type_heap(index: int, pos: int, ctx: "Ctx") -> int:
    """The heap type of type index ``index``: a canonical id, or inside the
    recursion group being read, a member's group-relative code."""
    first, end = ctx.group
    if first <= index < end:
        return reftypes.rec_heap(index - first)
    if index >= len(ctx.type_ids):
        raise Malformed(f"unknown type {index}", pos)
    return reftypes.CONCRETE + ctx.type_ids[index]


def _blocktype(data: bytes, pos: int, ctx: "Ctx") -> tuple[int | None, int]:
    b = data[pos]
    if b == 0x40:
        return None, pos + 1
    if b in _VALTYPES:
        return -b, pos + 1
    if b == ops.EXNREF or b == ops.REF_PREFIX or b == ops.REF_NULL_PREFIX or b in _GC_SHORTHANDS:
        t, after = valtype(data, pos, ctx)
        return -t, after
    index, after = sleb(data, pos, 33)
    if index < 0:
        raise Malformed(f"malformed block type 0x{b:x}", pos)
    return index, after


class Ctx:
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


def read_expr(data: bytes, pos: int, base: int, ctx: Ctx) -> tuple[list, list, int]:
    """Instructions from ``pos`` up to and including the ``end`` closing the
    expression: (instructions, their module offsets, next pos)."""
    code: list = []
    offsets: list = []
    append = code.append
    note = offsets.append
    kinds = KINDS
    bare = BARE
    depth = 0
    while True:
        start = pos
        op = data[pos]
        pos += 1
        k = kinds[op]
        if k == K_IDX:
            b = data[pos]
            if b < 0x80:
                pos += 1
                ins = (op, b)
            else:
                b, pos = uleb(data, pos, 32)
                ins = (op, b)
        elif k == K_NONE:
            ins = bare[op]
        elif k == K_I32:
            b = data[pos]
            if b < 0x80:
                pos += 1
                ins = (op, b | 0xFFFFFF80 if b & 0x40 else b)
            else:
                b, pos = sleb(data, pos, 32)
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
        else:
            if k == K_PREFIX:
                op, k, pos = read_prefixed(op, data, pos)
            elif k == K_BLOCK or k == K_TRY_TABLE:
                depth += 1
            elif k == K_DELEGATE and depth:  # at depth 0 it closes nothing: the validator rejects it,
                depth -= 1  # and the body's `end` still ends it
            ins, pos = read_instr(op, k, data, start, pos, ctx)
        append(ins)
        note(base + start)


def read_prefixed(prefix: int, data: bytes, pos: int) -> tuple[int, int, int]:
    """The sub-opcode after a prefix byte at ``pos``: (folded opcode, its immediate kind, next pos)."""
    b = data[pos]
    if b < 0x80:
        pos += 1
    else:
        b, pos = uleb(data, pos, 32)
    op = _fold(prefix, b)
    return op, PREFIXED_KINDS.get(op, K_ILLEGAL), pos


def read_instr(op: int, k: int, data: bytes, start: int, pos: int, ctx: Ctx) -> tuple[tuple, int]:
    """The instruction ``op`` (prefix already read), whose immediates of kind ``k``
    are at ``pos``, starting at ``start``: (instruction, next pos). The loops
    that read many instructions inline the commonest kinds and call this for the rest."""
    if k == K_NONE or k == K_END:
        return BARE[op], pos
    if k == K_IDX or k == K_DELEGATE:
        index, pos = uleb(data, pos, 32)
        return (op, index), pos
    if k == K_I32:
        v, pos = sleb(data, pos, 32)
        return (op, v & _MASK32), pos
    if k == K_BLOCK:
        bt, pos = _blocktype(data, pos, ctx)
        return (op, bt), pos
    if k == K_TRY_TABLE:
        return _try_table(op, data, pos, ctx)
    if k == K_I64:
        v, pos = sleb(data, pos, 64)
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
            raise Malformed("zero byte expected", pos)
        return (op,), pos + 1
    if k == K_BR_TABLE:
        n, pos = count(data, pos)
        labels = []
        for _ in range(n):
            label, pos = uleb(data, pos, 32)
            labels.append(label)
        default, pos = uleb(data, pos, 32)
        return (op, tuple(labels), default), pos
    if k == K_CALL_INDIRECT:
        type_index, pos = uleb(data, pos, 32)
        table, pos = _index(data, pos, ctx.reference_types)
        return (op, type_index, table), pos
    if k == K_MEM:
        mem, pos = _index(data, pos, ctx.multi_memory)
        return (op, mem), pos
    if k == K_SELECT_T:
        n, pos = count(data, pos)
        types = []
        for _ in range(n):
            t, pos = valtype(data, pos, ctx)
            types.append(t)
        return (op, tuple(types)), pos
    if k == K_HEAPTYPE:  # ref.null: the nullable reference type it pushes; ref.test, ref.cast: their target
        heap, pos = _heaptype(data, pos, ctx)
        return (op, reftypes.ref_type(heap, op not in _NON_NULL_CASTS)), pos
    if k == K_BR_ON_CAST:  # flags (bit 0: source nullable, bit 1: target nullable), label, two heap types
        flags = data[pos]
        if flags > 3:
            raise Malformed(f"malformed br_on_cast flags 0x{flags:x}", pos)
        label, pos = uleb(data, pos + 1, 32)
        source, pos = _heaptype(data, pos, ctx)
        target, pos = _heaptype(data, pos, ctx)
        return (op, label, reftypes.ref_type(source, bool(flags & 1)), reftypes.ref_type(target, bool(flags & 2))), pos
    if k == K_DATA_PAIR:  # a type index, then a data index, which needs the data count section
        if not ctx.has_data_count:
            raise Malformed("data count section required", start)
        first, pos = uleb(data, pos, 32)
        second, pos = uleb(data, pos, 32)
        return (op, first, second), pos
    if k == K_DATA or k == K_DATA_MEM:
        if not ctx.has_data_count:
            raise Malformed("data count section required", start)
        index, pos = uleb(data, pos, 32)
        if k == K_DATA:
            return (op, index), pos
        mem, pos = _index(data, pos, ctx.multi_memory)
        return (op, index, mem), pos
    if k == K_MEM_MEM:
        dst, pos = _index(data, pos, ctx.multi_memory)
        src, pos = _index(data, pos, ctx.multi_memory)
        return (op, dst, src), pos
    if k == K_PAIR:
        first, pos = uleb(data, pos, 32)
        second, pos = uleb(data, pos, 32)
        return (op, first, second), pos
    raise Malformed("illegal opcode " + " ".join(f"0x{b:02x}" for b in data[start:pos]), start)


def _try_table(op: int, data: bytes, pos: int, ctx: Ctx) -> tuple[tuple, int]:
    """try_table's immediates: its block type and catch clauses, each
    (kind, tag index or None, label)."""
    bt, pos = _blocktype(data, pos, ctx)
    n, pos = count(data, pos)
    catches = []
    for _ in range(n):
        kind = data[pos]
        if kind > ops.CATCH_ALL_REF:
            raise Malformed(f"malformed catch kind 0x{kind:x}", pos)
        pos += 1
        tag = None
        if kind <= ops.CATCH_REF:
            tag, pos = uleb(data, pos, 32)
        label, pos = uleb(data, pos, 32)
        catches.append((kind, tag, label))
    return (op, bt, tuple(catches)), pos


def read_locals(data: bytes, pos: int, ctx: Ctx) -> tuple[tuple[int, ...], int, int]:
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
    groups, pos = count(data, pos)
    out: list[int] = []
    for _ in range(groups):
        start = entry = pos
        n, pos = uleb(data, pos, 32)
        if len(out) + n > MAX_LOCALS:
            raise Malformed("too many locals", start)
        t, pos = valtype(data, pos, ctx)
        out += [t] * n
    return tuple(out), entry, pos


# ----- sections -----
