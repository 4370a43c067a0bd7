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

NUM_TYPES = (I32, I64, F32, F64)
REF_TYPES = (FUNCREF, EXTERNREF)
VALUE_TYPES = (I32, I64, F32, F64, V128, FUNCREF, EXTERNREF)

TYPE_NAMES = {I32: "i32", I64: "i64", F32: "f32", F64: "f64", V128: "v128",
              FUNCREF: "funcref", EXTERNREF: "externref"}


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
#   reftype         a reference type
#   data_mem        (data index, memory index)
#   mem_mem         (destination memory, source memory)
#   elem_table      (element index, table index)
#   table_table     (destination table, source table)
IMMEDIATES = ("none", "blocktype", "label", "br_table", "func", "call_indirect", "local",
              "global", "table", "data", "elem", "memarg", "mem", "i32", "i64", "f32", "f64",
              "select_t", "reftype", "data_mem", "mem_mem", "elem_table", "table_table")

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
_op(0x0B, "end")
_op(0x0C, "br", "label")
_op(0x0D, "br_if", "label")
_op(0x0E, "br_table", "br_table")
_op(0x0F, "return")
_op(0x10, "call", "func")
_op(0x11, "call_indirect", "call_indirect")
_op(0x12, "return_call", "func")
_op(0x13, "return_call_indirect", "call_indirect")
# Parametric
_op(0x1A, "drop")
_op(0x1B, "select")
_op(0x1C, "select_t", "select_t")
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
_op(0xD0, "ref.null", "reftype")
_op(0xD1, "ref.is_null")
_op(0xD2, "ref.func", "func")
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

# Names of the control opcodes, used everywhere.
UNREACHABLE, NOP, BLOCK, LOOP, IF, ELSE, END = 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x0B
BR, BR_IF, BR_TABLE, RETURN, CALL, CALL_INDIRECT = 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11
DROP, SELECT, SELECT_T = 0x1A, 0x1B, 0x1C
LOCAL_GET, LOCAL_SET, LOCAL_TEE, GLOBAL_GET, GLOBAL_SET = 0x20, 0x21, 0x22, 0x23, 0x24
TABLE_GET, TABLE_SET = 0x25, 0x26
MEMORY_SIZE, MEMORY_GROW = 0x3F, 0x40
I32_CONST, I64_CONST, F32_CONST, F64_CONST = 0x41, 0x42, 0x43, 0x44
REF_NULL, REF_IS_NULL, REF_FUNC = 0xD0, 0xD1, 0xD2
MEMORY_INIT, DATA_DROP, MEMORY_COPY, MEMORY_FILL = 0xFC08, 0xFC09, 0xFC0A, 0xFC0B
TABLE_INIT, ELEM_DROP, TABLE_COPY, TABLE_GROW, TABLE_SIZE, TABLE_FILL = (
    0xFC0C, 0xFC0D, 0xFC0E, 0xFC0F, 0xFC10, 0xFC11)

# Loads and stores: opcode -> (access size in bytes, natural log2 alignment).
MEMARG_SIZES = {
    0x28: 4, 0x29: 8, 0x2A: 4, 0x2B: 8, 0x2C: 1, 0x2D: 1, 0x2E: 2, 0x2F: 2, 0x30: 1, 0x31: 1,
    0x32: 2, 0x33: 2, 0x34: 4, 0x35: 4, 0x36: 4, 0x37: 8, 0x38: 4, 0x39: 8, 0x3A: 1, 0x3B: 2,
    0x3C: 1, 0x3D: 2, 0x3E: 4,
}

# Instructions allowed in constant expressions (Wasm 2.0 plus extended-const).
CONST_OPS = frozenset({I32_CONST, I64_CONST, F32_CONST, F64_CONST, REF_NULL, REF_FUNC, GLOBAL_GET})
EXTENDED_CONST_OPS = frozenset({0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E})


def op_name(op: int) -> str:
    """The text-format name of ``op``, or a hex form for an unknown opcode."""
    info = OPS.get(op)
    return info.name if info else f"<0x{op:x}>"
