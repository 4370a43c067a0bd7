"""The instruction set: opcode numbers, names, immediates and stack signatures.

One table shared by the decoder (which immediates follow an opcode), the
validator (the stack signature of every instruction whose typing is fixed) and
the code generator (names for readable output). Prefixed opcodes are folded
into one integer: ``0xFC0A`` is ``memory.copy``, ``0xFD..`` is SIMD,
``0xFE..`` atomics, so a decoded instruction is always ``(op, *immediates)``.

Value types are their binary encodings (``I32 = 0x7F`` ...), plain ints, so
that a type in a decoded module is the byte that encoded it.
"""

from __future__ import annotations

from dataclasses import dataclass

I32 = 0x7F
I64 = 0x7E
F32 = 0x7D
F64 = 0x7C
V128 = 0x7B
FUNCREF = 0x70
EXTERNREF = 0x6F
EXNREF = 0x69  # exception handling
# Typed references (function references): a heap type follows these.
REF_NULL_PREFIX, REF_PREFIX = 0x63, 0x64

REF_TYPES = (FUNCREF, EXTERNREF)
VALUE_TYPES = (I32, I64, F32, F64, V128, FUNCREF, EXTERNREF)

TYPE_NAMES = {I32: "i32", I64: "i64", F32: "f32", F64: "f64", V128: "v128",
              FUNCREF: "funcref", EXTERNREF: "externref", EXNREF: "exnref"}


@dataclass(frozen=True, slots=True)
class OpInfo:
    """What is known about one opcode without looking at its operands.

    ``imm`` names the immediate layout the decoder reads (see ``IMMEDIATES``).
    ``sig`` is ``(params, results)`` for instructions whose stack effect is
    fixed; ``None`` for those the validator types by hand (control, variables,
    references, parametric).
    """

    code: int
    name: str
    imm: str
    sig: tuple[tuple[int, ...], tuple[int, ...]] | None


# Immediate layouts, read by the decoder:
#   none            -
#   blocktype       None for the empty type, a type index (int >= 0), or a single result
#                   value type stored negated (-0x7F for i32) so it cannot be taken
#                   for a type index
#   label           label index
#   br_table        (labels tuple, default label)
#   func            function index
#   call_indirect   (type index, table index)
#   local/global/table/data/elem   one index
#   memarg          (memory index, offset, log2 alignment)
#   mem             memory index
#   i32/i64         the constant as an unsigned int of that width
#   f32/f64         the constant's bit pattern as an unsigned int
#   select_t        tuple of value types
#   heaptype        a heap type, stored as the nullable reference type to it (ref.null)
#   try_table       (block type, catches): each catch (kind, tag index or None, label)
#   tag             tag index
#   delegate        label index (a legacy try's delegate, which closes the try like end)
#   type            type index
#   type_index      (type index, a second index: field, count, element segment or source type)
#   type_data       (type index, data index)
#   br_on_cast      (label, source reference type, target reference type)
#   data_mem        (data index, memory index)
#   mem_mem         (destination memory, source memory)
#   elem_table      (element index, table index)
#   table_table     (destination table, source table)
#   v128            the 16-byte constant as an unsigned int (little-endian)
#   shuffle         tuple of 16 lane indices
#   lane            a lane index (one byte)
#   memarg_lane     memarg's three, then a lane index
#   zero_byte       nothing: a reserved zero byte (atomic.fence)
IMMEDIATES = ("none", "blocktype", "label", "br_table", "func", "call_indirect", "local",
              "global", "table", "data", "elem", "memarg", "mem", "i32", "i64", "f32", "f64",
              "select_t", "heaptype", "try_table", "tag", "delegate", "type", "type_index", "type_data",
              "br_on_cast", "data_mem", "mem_mem", "elem_table", "table_table", "v128", "shuffle", "lane",
              "memarg_lane", "zero_byte")

OPS: dict[int, OpInfo] = {}
NAMES: dict[str, int] = {}


def _op(code: int, name: str, imm: str = "none", sig=None) -> None:
    OPS[code] = OpInfo(code, name, imm, sig)
    NAMES[name] = code


def _sig(params: str, results: str):
    t = {"i": I32, "I": I64, "f": F32, "F": F64, "v": V128}
    return tuple(t[c] for c in params), tuple(t[c] for c in results)


# Control
_op(0x00, "unreachable")
_op(0x01, "nop", sig=((), ()))
_op(0x02, "block", "blocktype")
_op(0x03, "loop", "blocktype")
_op(0x04, "if", "blocktype")
_op(0x05, "else")
_op(0x06, "try", "blocktype")  # legacy exception handling (see TRY below)
_op(0x07, "catch", "tag")
_op(0x08, "throw", "tag")
_op(0x09, "rethrow", "label")
_op(0x0A, "throw_ref")
_op(0x0B, "end")
_op(0x0C, "br", "label")
_op(0x0D, "br_if", "label")
_op(0x0E, "br_table", "br_table")
_op(0x0F, "return")
_op(0x10, "call", "func")
_op(0x11, "call_indirect", "call_indirect")
_op(0x12, "return_call", "func")
_op(0x13, "return_call_indirect", "call_indirect")
_op(0x14, "call_ref", "type")
_op(0x15, "return_call_ref", "type")
_op(0x18, "delegate", "delegate")
_op(0x19, "catch_all")
# Parametric
_op(0x1A, "drop")
_op(0x1B, "select")
_op(0x1C, "select_t", "select_t")
_op(0x1F, "try_table", "try_table")
# Variables
_op(0x20, "local.get", "local")
_op(0x21, "local.set", "local")
_op(0x22, "local.tee", "local")
_op(0x23, "global.get", "global")
_op(0x24, "global.set", "global")
_op(0x25, "table.get", "table")
_op(0x26, "table.set", "table")
# Memory
for _code, _name, _s in [
    (0x28, "i32.load", "i:i"), (0x29, "i64.load", "i:I"), (0x2A, "f32.load", "i:f"),
    (0x2B, "f64.load", "i:F"), (0x2C, "i32.load8_s", "i:i"), (0x2D, "i32.load8_u", "i:i"),
    (0x2E, "i32.load16_s", "i:i"), (0x2F, "i32.load16_u", "i:i"), (0x30, "i64.load8_s", "i:I"),
    (0x31, "i64.load8_u", "i:I"), (0x32, "i64.load16_s", "i:I"), (0x33, "i64.load16_u", "i:I"),
    (0x34, "i64.load32_s", "i:I"), (0x35, "i64.load32_u", "i:I"), (0x36, "i32.store", "ii:"),
    (0x37, "i64.store", "iI:"), (0x38, "f32.store", "if:"), (0x39, "f64.store", "iF:"),
    (0x3A, "i32.store8", "ii:"), (0x3B, "i32.store16", "ii:"), (0x3C, "i64.store8", "iI:"),
    (0x3D, "i64.store16", "iI:"), (0x3E, "i64.store32", "iI:"),
]:
    # The address operand (first param) is i32 here; the validator substitutes i64
    # for memory64 memories.
    _op(_code, _name, "memarg", _sig(*_s.split(":")))
_op(0x3F, "memory.size", "mem")
_op(0x40, "memory.grow", "mem")
# Constants
_op(0x41, "i32.const", "i32", _sig("", "i"))
_op(0x42, "i64.const", "i64", _sig("", "I"))
_op(0x43, "f32.const", "f32", _sig("", "f"))
_op(0x44, "f64.const", "f64", _sig("", "F"))


def _numeric(start: int, names: str, sig: str) -> None:
    for i, name in enumerate(names.split()):
        _op(start + i, name, "none", _sig(*sig.split(":")))


_numeric(0x45, "i32.eqz", "i:i")
_numeric(0x46, "i32.eq i32.ne i32.lt_s i32.lt_u i32.gt_s i32.gt_u i32.le_s i32.le_u i32.ge_s i32.ge_u", "ii:i")
_numeric(0x50, "i64.eqz", "I:i")
_numeric(0x51, "i64.eq i64.ne i64.lt_s i64.lt_u i64.gt_s i64.gt_u i64.le_s i64.le_u i64.ge_s i64.ge_u", "II:i")
_numeric(0x5B, "f32.eq f32.ne f32.lt f32.gt f32.le f32.ge", "ff:i")
_numeric(0x61, "f64.eq f64.ne f64.lt f64.gt f64.le f64.ge", "FF:i")
_numeric(0x67, "i32.clz i32.ctz i32.popcnt", "i:i")
_numeric(0x6A, "i32.add i32.sub i32.mul i32.div_s i32.div_u i32.rem_s i32.rem_u i32.and i32.or "
               "i32.xor i32.shl i32.shr_s i32.shr_u i32.rotl i32.rotr", "ii:i")
_numeric(0x79, "i64.clz i64.ctz i64.popcnt", "I:I")
_numeric(0x7C, "i64.add i64.sub i64.mul i64.div_s i64.div_u i64.rem_s i64.rem_u i64.and i64.or "
               "i64.xor i64.shl i64.shr_s i64.shr_u i64.rotl i64.rotr", "II:I")
_numeric(0x8B, "f32.abs f32.neg f32.ceil f32.floor f32.trunc f32.nearest f32.sqrt", "f:f")
_numeric(0x92, "f32.add f32.sub f32.mul f32.div f32.min f32.max f32.copysign", "ff:f")
_numeric(0x99, "f64.abs f64.neg f64.ceil f64.floor f64.trunc f64.nearest f64.sqrt", "F:F")
_numeric(0xA0, "f64.add f64.sub f64.mul f64.div f64.min f64.max f64.copysign", "FF:F")
for _code, _name, _s in [
    (0xA7, "i32.wrap_i64", "I:i"), (0xA8, "i32.trunc_f32_s", "f:i"), (0xA9, "i32.trunc_f32_u", "f:i"),
    (0xAA, "i32.trunc_f64_s", "F:i"), (0xAB, "i32.trunc_f64_u", "F:i"), (0xAC, "i64.extend_i32_s", "i:I"),
    (0xAD, "i64.extend_i32_u", "i:I"), (0xAE, "i64.trunc_f32_s", "f:I"), (0xAF, "i64.trunc_f32_u", "f:I"),
    (0xB0, "i64.trunc_f64_s", "F:I"), (0xB1, "i64.trunc_f64_u", "F:I"), (0xB2, "f32.convert_i32_s", "i:f"),
    (0xB3, "f32.convert_i32_u", "i:f"), (0xB4, "f32.convert_i64_s", "I:f"), (0xB5, "f32.convert_i64_u", "I:f"),
    (0xB6, "f32.demote_f64", "F:f"), (0xB7, "f64.convert_i32_s", "i:F"), (0xB8, "f64.convert_i32_u", "i:F"),
    (0xB9, "f64.convert_i64_s", "I:F"), (0xBA, "f64.convert_i64_u", "I:F"), (0xBB, "f64.promote_f32", "f:F"),
    (0xBC, "i32.reinterpret_f32", "f:i"), (0xBD, "i64.reinterpret_f64", "F:I"),
    (0xBE, "f32.reinterpret_i32", "i:f"), (0xBF, "f64.reinterpret_i64", "I:F"),
    (0xC0, "i32.extend8_s", "i:i"), (0xC1, "i32.extend16_s", "i:i"), (0xC2, "i64.extend8_s", "I:I"),
    (0xC3, "i64.extend16_s", "I:I"), (0xC4, "i64.extend32_s", "I:I"),
]:
    _op(_code, _name, "none", _sig(*_s.split(":")))
# Reference types
_op(0xD0, "ref.null", "heaptype")
_op(0xD1, "ref.is_null")
_op(0xD2, "ref.func", "func")
_op(0xD4, "ref.as_non_null")
_op(0xD5, "br_on_null", "label")
_op(0xD6, "br_on_non_null", "label")
# 0xFC prefix: saturating truncation, bulk memory, tables
for _sub, _name, _s in [
    (0, "i32.trunc_sat_f32_s", "f:i"), (1, "i32.trunc_sat_f32_u", "f:i"), (2, "i32.trunc_sat_f64_s", "F:i"),
    (3, "i32.trunc_sat_f64_u", "F:i"), (4, "i64.trunc_sat_f32_s", "f:I"), (5, "i64.trunc_sat_f32_u", "f:I"),
    (6, "i64.trunc_sat_f64_s", "F:I"), (7, "i64.trunc_sat_f64_u", "F:I"),
]:
    _op(0xFC00 | _sub, _name, "none", _sig(*_s.split(":")))
_op(0xFC08, "memory.init", "data_mem")
_op(0xFC09, "data.drop", "data")
_op(0xFC0A, "memory.copy", "mem_mem")
_op(0xFC0B, "memory.fill", "mem")
_op(0xFC0C, "table.init", "elem_table")
_op(0xFC0D, "elem.drop", "elem")
_op(0xFC0E, "table.copy", "table_table")
_op(0xFC0F, "table.grow", "table")
_op(0xFC10, "table.size", "table")
_op(0xFC11, "table.fill", "table")
# GC (0xFB prefix): structs, arrays, casts, i31 and extern/any conversions.
for _sub, _name, _imm in [
    (0x00, "struct.new", "type"), (0x01, "struct.new_default", "type"), (0x02, "struct.get", "type_index"),
    (0x03, "struct.get_s", "type_index"), (0x04, "struct.get_u", "type_index"), (0x05, "struct.set", "type_index"),
    (0x06, "array.new", "type"), (0x07, "array.new_default", "type"), (0x08, "array.new_fixed", "type_index"),
    (0x09, "array.new_data", "type_data"), (0x0A, "array.new_elem", "type_index"), (0x0B, "array.get", "type"),
    (0x0C, "array.get_s", "type"), (0x0D, "array.get_u", "type"), (0x0E, "array.set", "type"),
    (0x0F, "array.len", "none"), (0x10, "array.fill", "type"), (0x11, "array.copy", "type_index"),
    (0x12, "array.init_data", "type_data"), (0x13, "array.init_elem", "type_index"),
    (0x14, "ref.test", "heaptype"), (0x15, "ref.test_null", "heaptype"), (0x16, "ref.cast", "heaptype"),
    (0x17, "ref.cast_null", "heaptype"), (0x18, "br_on_cast", "br_on_cast"), (0x19, "br_on_cast_fail", "br_on_cast"),
    (0x1A, "any.convert_extern", "none"), (0x1B, "extern.convert_any", "none"), (0x1C, "ref.i31", "none"),
    (0x1D, "i31.get_s", "none"), (0x1E, "i31.get_u", "none"),
]:
    _op(0xFB00 | _sub, _name, _imm)
_op(0xD3, "ref.eq")
# Wide arithmetic: 128-bit add/sub on (low, high) i64 pairs, and full 64x64 products.
_op(0xFC13, "i64.add128", "none", _sig("IIII", "II"))
_op(0xFC14, "i64.sub128", "none", _sig("IIII", "II"))
_op(0xFC15, "i64.mul_wide_s", "none", _sig("II", "II"))
_op(0xFC16, "i64.mul_wide_u", "none", _sig("II", "II"))


# 0xFD prefix: SIMD. Sub-opcodes from 0x100 (relaxed SIMD) do not fit in the low
# byte, so they fold as ``0xFD000 | sub`` (0xFD100 is i8x16.relaxed_swizzle).
def _simd(sub: int, name: str, imm: str, sig: str) -> None:
    _op((0xFD << 8 | sub) if sub < 0x100 else (0xFD << 12 | sub), name, imm, _sig(*sig.split(":")))


def _simd_run(start: int, names: str, sig: str) -> None:
    """Consecutive SIMD opcodes with one signature; ``-`` skips a reserved opcode."""
    for i, name in enumerate(names.split()):
        if name != "-":
            _simd(start + i, name, "none", sig)


for _sub, _name, _size in [
    (0x00, "v128.load", 16), (0x01, "v128.load8x8_s", 8), (0x02, "v128.load8x8_u", 8),
    (0x03, "v128.load16x4_s", 8), (0x04, "v128.load16x4_u", 8), (0x05, "v128.load32x2_s", 8),
    (0x06, "v128.load32x2_u", 8), (0x07, "v128.load8_splat", 1), (0x08, "v128.load16_splat", 2),
    (0x09, "v128.load32_splat", 4), (0x0A, "v128.load64_splat", 8), (0x5C, "v128.load32_zero", 4),
    (0x5D, "v128.load64_zero", 8),
]:
    _simd(_sub, _name, "memarg", "i:v")
_simd(0x0B, "v128.store", "memarg", "iv:")
_simd(0x0C, "v128.const", "v128", ":v")
_simd(0x0D, "i8x16.shuffle", "shuffle", "vv:v")
_simd(0x0E, "i8x16.swizzle", "none", "vv:v")
for _sub, _name, _s in [(0x0F, "i8x16.splat", "i:v"), (0x10, "i16x8.splat", "i:v"),
                        (0x11, "i32x4.splat", "i:v"), (0x12, "i64x2.splat", "I:v"),
                        (0x13, "f32x4.splat", "f:v"), (0x14, "f64x2.splat", "F:v")]:
    _simd(_sub, _name, "none", _s)
for _sub, _name, _s in [
    (0x15, "i8x16.extract_lane_s", "v:i"), (0x16, "i8x16.extract_lane_u", "v:i"),
    (0x17, "i8x16.replace_lane", "vi:v"), (0x18, "i16x8.extract_lane_s", "v:i"),
    (0x19, "i16x8.extract_lane_u", "v:i"), (0x1A, "i16x8.replace_lane", "vi:v"),
    (0x1B, "i32x4.extract_lane", "v:i"), (0x1C, "i32x4.replace_lane", "vi:v"),
    (0x1D, "i64x2.extract_lane", "v:I"), (0x1E, "i64x2.replace_lane", "vI:v"),
    (0x1F, "f32x4.extract_lane", "v:f"), (0x20, "f32x4.replace_lane", "vf:v"),
    (0x21, "f64x2.extract_lane", "v:F"), (0x22, "f64x2.replace_lane", "vF:v"),
]:
    _simd(_sub, _name, "lane", _s)
for _start, _shape in [(0x23, "i8x16"), (0x2D, "i16x8"), (0x37, "i32x4")]:
    _simd_run(_start, " ".join(f"{_shape}.{c}" for c in
                               "eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u".split()), "vv:v")
_simd_run(0x41, "f32x4.eq f32x4.ne f32x4.lt f32x4.gt f32x4.le f32x4.ge", "vv:v")
_simd_run(0x47, "f64x2.eq f64x2.ne f64x2.lt f64x2.gt f64x2.le f64x2.ge", "vv:v")
_simd(0x4D, "v128.not", "none", "v:v")
_simd_run(0x4E, "v128.and v128.andnot v128.or v128.xor", "vv:v")
_simd(0x52, "v128.bitselect", "none", "vvv:v")
_simd(0x53, "v128.any_true", "none", "v:i")
for _sub, _name in [(0x54, "v128.load8_lane"), (0x55, "v128.load16_lane"),
                    (0x56, "v128.load32_lane"), (0x57, "v128.load64_lane")]:
    _simd(_sub, _name, "memarg_lane", "iv:v")
for _sub, _name in [(0x58, "v128.store8_lane"), (0x59, "v128.store16_lane"),
                    (0x5A, "v128.store32_lane"), (0x5B, "v128.store64_lane")]:
    _simd(_sub, _name, "memarg_lane", "iv:")
_simd_run(0x5E, "f32x4.demote_f64x2_zero f64x2.promote_low_f32x4 i8x16.abs i8x16.neg "
                "i8x16.popcnt", "v:v")
_simd_run(0x63, "i8x16.all_true i8x16.bitmask", "v:i")
_simd_run(0x65, "i8x16.narrow_i16x8_s i8x16.narrow_i16x8_u", "vv:v")
_simd_run(0x67, "f32x4.ceil f32x4.floor f32x4.trunc f32x4.nearest", "v:v")
_simd_run(0x6B, "i8x16.shl i8x16.shr_s i8x16.shr_u", "vi:v")
_simd_run(0x6E, "i8x16.add i8x16.add_sat_s i8x16.add_sat_u i8x16.sub i8x16.sub_sat_s "
                "i8x16.sub_sat_u", "vv:v")
_simd_run(0x74, "f64x2.ceil f64x2.floor", "v:v")
_simd_run(0x76, "i8x16.min_s i8x16.min_u i8x16.max_s i8x16.max_u", "vv:v")
_simd(0x7A, "f64x2.trunc", "none", "v:v")
_simd(0x7B, "i8x16.avgr_u", "none", "vv:v")
_simd_run(0x7C, "i16x8.extadd_pairwise_i8x16_s i16x8.extadd_pairwise_i8x16_u "
                "i32x4.extadd_pairwise_i16x8_s i32x4.extadd_pairwise_i16x8_u i16x8.abs i16x8.neg",
          "v:v")
_simd(0x82, "i16x8.q15mulr_sat_s", "none", "vv:v")
_simd_run(0x83, "i16x8.all_true i16x8.bitmask", "v:i")
_simd_run(0x85, "i16x8.narrow_i32x4_s i16x8.narrow_i32x4_u", "vv:v")
_simd_run(0x87, "i16x8.extend_low_i8x16_s i16x8.extend_high_i8x16_s i16x8.extend_low_i8x16_u "
                "i16x8.extend_high_i8x16_u", "v:v")
_simd_run(0x8B, "i16x8.shl i16x8.shr_s i16x8.shr_u", "vi:v")
_simd_run(0x8E, "i16x8.add i16x8.add_sat_s i16x8.add_sat_u i16x8.sub i16x8.sub_sat_s "
                "i16x8.sub_sat_u", "vv:v")
_simd(0x94, "f64x2.nearest", "none", "v:v")
_simd_run(0x95, "i16x8.mul i16x8.min_s i16x8.min_u i16x8.max_s i16x8.max_u - i16x8.avgr_u "
                "i16x8.extmul_low_i8x16_s i16x8.extmul_high_i8x16_s i16x8.extmul_low_i8x16_u "
                "i16x8.extmul_high_i8x16_u", "vv:v")
_simd_run(0xA0, "i32x4.abs i32x4.neg", "v:v")
_simd_run(0xA3, "i32x4.all_true i32x4.bitmask", "v:i")
_simd_run(0xA7, "i32x4.extend_low_i16x8_s i32x4.extend_high_i16x8_s i32x4.extend_low_i16x8_u "
                "i32x4.extend_high_i16x8_u", "v:v")
_simd_run(0xAB, "i32x4.shl i32x4.shr_s i32x4.shr_u", "vi:v")
_simd_run(0xAE, "i32x4.add - - i32x4.sub - - - i32x4.mul i32x4.min_s i32x4.min_u i32x4.max_s "
                "i32x4.max_u i32x4.dot_i16x8_s - i32x4.extmul_low_i16x8_s "
                "i32x4.extmul_high_i16x8_s i32x4.extmul_low_i16x8_u i32x4.extmul_high_i16x8_u",
          "vv:v")
_simd_run(0xC0, "i64x2.abs i64x2.neg", "v:v")
_simd_run(0xC3, "i64x2.all_true i64x2.bitmask", "v:i")
_simd_run(0xC7, "i64x2.extend_low_i32x4_s i64x2.extend_high_i32x4_s i64x2.extend_low_i32x4_u "
                "i64x2.extend_high_i32x4_u", "v:v")
_simd_run(0xCB, "i64x2.shl i64x2.shr_s i64x2.shr_u", "vi:v")
_simd_run(0xCE, "i64x2.add - - i64x2.sub - - - i64x2.mul i64x2.eq i64x2.ne i64x2.lt_s i64x2.gt_s "
                "i64x2.le_s i64x2.ge_s i64x2.extmul_low_i32x4_s i64x2.extmul_high_i32x4_s "
                "i64x2.extmul_low_i32x4_u i64x2.extmul_high_i32x4_u", "vv:v")
_simd_run(0xE0, "f32x4.abs f32x4.neg - f32x4.sqrt", "v:v")
_simd_run(0xE4, "f32x4.add f32x4.sub f32x4.mul f32x4.div f32x4.min f32x4.max f32x4.pmin "
                "f32x4.pmax", "vv:v")
_simd_run(0xEC, "f64x2.abs f64x2.neg - f64x2.sqrt", "v:v")
_simd_run(0xF0, "f64x2.add f64x2.sub f64x2.mul f64x2.div f64x2.min f64x2.max f64x2.pmin "
                "f64x2.pmax", "vv:v")
_simd_run(0xF8, "i32x4.trunc_sat_f32x4_s i32x4.trunc_sat_f32x4_u f32x4.convert_i32x4_s "
                "f32x4.convert_i32x4_u i32x4.trunc_sat_f64x2_s_zero i32x4.trunc_sat_f64x2_u_zero "
                "f64x2.convert_low_i32x4_s f64x2.convert_low_i32x4_u", "v:v")
# Relaxed SIMD
_simd(0x100, "i8x16.relaxed_swizzle", "none", "vv:v")
_simd_run(0x101, "i32x4.relaxed_trunc_f32x4_s i32x4.relaxed_trunc_f32x4_u "
                 "i32x4.relaxed_trunc_f64x2_s_zero i32x4.relaxed_trunc_f64x2_u_zero", "v:v")
_simd_run(0x105, "f32x4.relaxed_madd f32x4.relaxed_nmadd f64x2.relaxed_madd f64x2.relaxed_nmadd "
                 "i8x16.relaxed_laneselect i16x8.relaxed_laneselect i32x4.relaxed_laneselect "
                 "i64x2.relaxed_laneselect", "vvv:v")
_simd_run(0x10D, "f32x4.relaxed_min f32x4.relaxed_max f64x2.relaxed_min f64x2.relaxed_max "
                 "i16x8.relaxed_q15mulr_s i16x8.relaxed_dot_i8x16_i7x16_s", "vv:v")
_simd(0x113, "i32x4.relaxed_dot_i8x16_i7x16_add_s", "none", "vvv:v")

# 0xFE prefix: threads (atomic memory accesses). All need natural alignment exactly.
_op(0xFE00, "memory.atomic.notify", "memarg", _sig("ii", "i"))
_op(0xFE01, "memory.atomic.wait32", "memarg", _sig("iiI", "i"))
_op(0xFE02, "memory.atomic.wait64", "memarg", _sig("iII", "i"))
_op(0xFE03, "atomic.fence", "zero_byte", ((), ()))
_ATOMIC_WIDTHS = [("i32", "", "i", 4), ("i64", "", "I", 8), ("i32", "8", "i", 1),
                  ("i32", "16", "i", 2), ("i64", "8", "I", 1), ("i64", "16", "I", 2),
                  ("i64", "32", "I", 4)]
for _i, (_t, _bits, _c, _size) in enumerate(_ATOMIC_WIDTHS):
    _u = "_u" if _bits else ""
    _op(0xFE10 + _i, f"{_t}.atomic.load{_bits}{_u}", "memarg", _sig("i", _c))
    _op(0xFE17 + _i, f"{_t}.atomic.store{_bits}", "memarg", _sig("i" + _c, ""))
    for _j, _rmw in enumerate(("add", "sub", "and", "or", "xor", "xchg")):
        _op(0xFE1E + 7 * _j + _i, f"{_t}.atomic.rmw{_bits}.{_rmw}{_u}", "memarg",
            _sig("i" + _c, _c))
    _op(0xFE48 + _i, f"{_t}.atomic.rmw{_bits}.cmpxchg{_u}", "memarg", _sig("i" + _c + _c, _c))

# Names of the control opcodes, used everywhere.
UNREACHABLE, NOP, BLOCK, LOOP, IF, ELSE, END = 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x0B
BR, BR_IF, BR_TABLE, RETURN, CALL, CALL_INDIRECT = 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11
RETURN_CALL, RETURN_CALL_INDIRECT, CALL_REF, RETURN_CALL_REF = 0x12, 0x13, 0x14, 0x15
THROW, THROW_REF, TRY_TABLE = 0x08, 0x0A, 0x1F
DROP, SELECT, SELECT_T = 0x1A, 0x1B, 0x1C
LOCAL_GET, LOCAL_SET, LOCAL_TEE, GLOBAL_GET, GLOBAL_SET = 0x20, 0x21, 0x22, 0x23, 0x24
TABLE_GET, TABLE_SET = 0x25, 0x26
MEMORY_SIZE, MEMORY_GROW = 0x3F, 0x40
I32_CONST, I64_CONST, F32_CONST, F64_CONST = 0x41, 0x42, 0x43, 0x44
REF_NULL, REF_IS_NULL, REF_FUNC = 0xD0, 0xD1, 0xD2
REF_EQ, REF_AS_NON_NULL, BR_ON_NULL, BR_ON_NON_NULL = 0xD3, 0xD4, 0xD5, 0xD6
# Legacy exception handling: ``try`` opens a block that ``catch``/``catch_all``
# divide like ``else`` and ``end`` or ``delegate`` closes.
TRY, LEGACY_CATCH, RETHROW, DELEGATE, LEGACY_CATCH_ALL = 0x06, 0x07, 0x09, 0x18, 0x19
OPENERS = (BLOCK, LOOP, IF, TRY_TABLE, TRY)  # the instructions that open a block
CLOSERS = (END, DELEGATE)  # and those that close one
# try_table's catch kinds
CATCH, CATCH_REF, CATCH_ALL, CATCH_ALL_REF = 0, 1, 2, 3
MEMORY_INIT, DATA_DROP, MEMORY_COPY, MEMORY_FILL = 0xFC08, 0xFC09, 0xFC0A, 0xFC0B
TABLE_INIT, ELEM_DROP, TABLE_COPY, TABLE_GROW, TABLE_SIZE, TABLE_FILL = (
    0xFC0C, 0xFC0D, 0xFC0E, 0xFC0F, 0xFC10, 0xFC11)

# Loads and stores: opcode -> (access size in bytes, natural log2 alignment).
MEMARG_SIZES = {
    0x28: 4, 0x29: 8, 0x2A: 4, 0x2B: 8, 0x2C: 1, 0x2D: 1, 0x2E: 2, 0x2F: 2, 0x30: 1, 0x31: 1,
    0x32: 2, 0x33: 2, 0x34: 4, 0x35: 4, 0x36: 4, 0x37: 8, 0x38: 4, 0x39: 8, 0x3A: 1, 0x3B: 2,
    0x3C: 1, 0x3D: 2, 0x3E: 4,
    # SIMD
    0xFD00: 16, 0xFD01: 8, 0xFD02: 8, 0xFD03: 8, 0xFD04: 8, 0xFD05: 8, 0xFD06: 8, 0xFD07: 1,
    0xFD08: 2, 0xFD09: 4, 0xFD0A: 8, 0xFD0B: 16, 0xFD5C: 4, 0xFD5D: 8,
    0xFD54: 1, 0xFD55: 2, 0xFD56: 4, 0xFD57: 8, 0xFD58: 1, 0xFD59: 2, 0xFD5A: 4, 0xFD5B: 8,
    # Atomics
    0xFE00: 4, 0xFE01: 4, 0xFE02: 8,
}
for _i, (_t, _bits, _c, _size) in enumerate(_ATOMIC_WIDTHS):
    for _code in (0xFE10, 0xFE17, 0xFE1E, 0xFE25, 0xFE2C, 0xFE33, 0xFE3A, 0xFE41, 0xFE48):
        MEMARG_SIZES[_code + _i] = _size

# Extended-const adds these to constant expressions.
EXTENDED_CONST_OPS = frozenset({0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E})


def op_name(op: int) -> str:
    """The text-format name of ``op``, or a hex form for an unknown opcode."""
    info = OPS.get(op)
    return info.name if info else f"<0x{op:x}>"
