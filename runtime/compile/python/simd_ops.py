"""SIMD instructions in generated code: what each ``v128`` instruction becomes.

A ``v128`` is a Python int of 128 bits, lane 0 in the low bits (the bytes
as they lie in memory, little-endian; see ``vm/simd``). That makes the
bitwise half of SIMD one int operation each, written inline here; every
lane-wise instruction is a pure libcall named ``_v_<name>`` (dots become
underscores), so a ``v128`` expression stays pending on the symbolic stack
like any scalar one. Relaxed instructions have two implementations, what
Wasmtime gives on x86-64 natively (``_vr_``) and with
``Config.wasm_relaxed_simd_deterministic`` (``_vrd_``), chosen per engine.

Loads and stores go through ``_v_*`` libcalls on the memory's buffer with
the effective address every memory instruction computes (``address``):
they read or write with ``struct``, whose own bounds check traps, and never
write part of a value that does not fit.
"""

from __future__ import annotations

from ...binary import opcodes as op
from ...binary.values import MASK128

# Bitwise instructions are single int operations: inline, like i64.and.
INLINE = {
    "v128.and": ("b", "({a} & {b})"),
    "v128.or": ("b", "({a} | {b})"),
    "v128.xor": ("b", "({a} ^ {b})"),
    "v128.andnot": ("b", "({a} & ~{b})"),  # non-negative: a's bits with b's cleared
    "v128.not": ("u", f"({{a}} ^ {MASK128:#x})"),
    "v128.any_true": ("u", "({a} != 0)"),
}

# The vector float instructions whose NaN results Cranelift's NaN
# canonicalisation replaces lane by lane (its is_fp_arith on F32X4/F64X2, as
# for the scalar ones in codegen.NAN_PRODUCERS): op -> canonicalising libcall.
_ARITH = ("add", "sub", "mul", "div", "min", "max", "sqrt", "ceil", "floor", "trunc", "nearest")
NAN_PRODUCERS = {op.NAMES[f"{shape}.{n}"]: f"_v_{shape}_canonicalize"
                 for shape in ("f32x4", "f64x2") for n in _ARITH + ("relaxed_madd", "relaxed_nmadd")}
NAN_PRODUCERS[op.NAMES["f32x4.demote_f64x2_zero"]] = "_v_f32x4_canonicalize"
NAN_PRODUCERS[op.NAMES["f64x2.promote_low_f32x4"]] = "_v_f64x2_canonicalize"


def libcall(name: str) -> str:
    """The libcall of a lane-wise instruction, by its text name."""
    return "_v_" + name.replace(".", "_")


def relaxed_libcall(name: str, deterministic: bool) -> str:
    return ("_vrd_" if deterministic else "_vr_") + name.replace(".", "_")


def is_simd(o: int) -> bool:
    return o >> 8 == 0xFD or o >> 12 == 0xFD


def is_relaxed(o: int) -> bool:
    return o >> 12 == 0xFD


# ----- handlers (called as FunctionEmitter methods: ``handler(emitter, ins)``) -----

def i_v128_const(em, ins) -> None:
    em.push(hex(ins[1]))


def i_lane(em, ins) -> None:
    """extract_lane / replace_lane: the lane index is the libcall's first argument."""
    em.call_pure(libcall(op.OPS[ins[0]].name), len(op.OPS[ins[0]].sig[0]), (str(ins[1]),))


def i_shuffle(em, ins) -> None:
    em.call_pure(libcall("i8x16.shuffle"), 2, (em.const_name(ins[1], "lanes"),))


def i_relaxed(em, ins) -> None:
    o = ins[0]
    em.call_pure(relaxed_libcall(op.OPS[o].name, em.relaxed_deterministic), len(op.OPS[o].sig[0]))


def i_load(em, ins) -> None:
    o, memidx, offset = ins[0], ins[1], ins[2]
    _, m = em.mem(memidx)
    if len(ins) > 4:  # a lane load: (address, vector) -> vector with one lane replaced
        v, _ = em.pop()
        ea = em.address(offset)
        em.push_slot_value(f"{em.need(libcall(op.OPS[o].name))}({ins[4]}, {m}, {ea}, {v})")
    else:
        ea = em.address(offset)
        em.push_slot_value(f"{em.need(libcall(op.OPS[o].name))}({m}, {ea})")
    em.note_access(o, memidx, offset, ea)


def i_store(em, ins) -> None:
    o, memidx, offset = ins[0], ins[1], ins[2]
    _, m = em.mem(memidx)
    v, _ = em.pop()
    ea = em.address(offset)
    lane = f"{ins[4]}, " if len(ins) > 4 else ""
    em.w(f"{em.need(libcall(op.OPS[o].name))}({lane}{m}, {ea}, {v})")
    em.note_access(o, memidx, offset, ea)


def tables() -> tuple[dict[int, tuple[str, str]], dict[int, object]]:
    """(simple, dispatch): the SIMD entries of codegen's ``_SIMPLE`` and ``_DISPATCH`` tables."""
    simple: dict[int, tuple[str, str]] = {}
    dispatch: dict[int, object] = {}
    for o, info in op.OPS.items():
        if not is_simd(o):
            continue
        if info.name in INLINE:
            simple[o] = INLINE[info.name]
        elif info.imm == "v128":
            dispatch[o] = i_v128_const
        elif info.imm == "lane":
            dispatch[o] = i_lane
        elif info.imm == "shuffle":
            dispatch[o] = i_shuffle
        elif info.imm in ("memarg", "memarg_lane"):
            dispatch[o] = i_store if not info.sig[1] else i_load
        elif is_relaxed(o):
            dispatch[o] = i_relaxed
        else:
            simple[o] = ("p", libcall(info.name))
    return simple, dispatch
