"""Float-lane SIMD, float <-> int lane conversions and relaxed SIMD, as pure
functions on this runtime's ``v128`` (an int of 128 bits, lane 0 in the low bits).

Generated code calls these in hot loops, so each one converts its operands
with a single ``int.to_bytes`` and one precompiled ``struct`` unpack (two
operands at once: ``(a | b << 128).to_bytes(32)``), does the lanes as
straight-line Python float arithmetic and packs once. The hottest ones
(arithmetic, comparisons, min, max) are generated from a source template per
lane shape (``_compile``), so f32x4 and f64x2 share one definition and no
call loops; the rest map a lane function over the unpacked lanes. f32 lanes
are computed in double and rounded once by packing ``"<4f"``, exact for
+ - * / sqrt; a lane that overflows (``OverflowError``) or divides by zero
sends the op to the slow path, which applies the lane rules one by one.

Bits are what Wasmtime 50 (Cranelift, x86-64 with AVX2 and FMA) returns, all
matched exactly, NaNs included:

- add sub mul div sqrt ceil floor trunc nearest, promote, demote and the
  relaxed madd/nmadd follow x86's rules: the first NaN operand, quieted (its
  payload kept, a double's payload cut to its top 22 bits for f32); an invalid
  operation (inf - inf, 0 * inf, 0 / 0, sqrt(-1)) gives x86's default NaN,
  negative and quiet (0xffc00000 / 0xfff8000000000000). CPython's ``+`` and
  ``*`` may swap their operands, so a NaN they return is redone by the rules.
- min: every NaN lane is the negative quiet NaN without payload (0xffc00000);
  max: a quiet NaN without payload whose sign is the OR of both operands' signs
  (Cranelift's minps/maxps sequences).
- abs neg pmin pmax splat extract_lane replace_lane move bits: work on the
  ints, since unpacking ``"f"`` quiets a signalling NaN.

Imports from ``libcalls`` (its rounding and saturating helpers): ``libcalls``
must not import this module at its top.
"""

from __future__ import annotations

import math
import operator
import struct
from typing import Callable, NamedTuple

from ..binary.values import f32_bits, f32_from_bits, f32_round, f64_bits, f64_from_bits
from .float_ops import fceil, ffloor, fnearest, ftrunc
from .libcalls import i32_trunc_sat_s, i32_trunc_sat_u

INF = math.inf
_INFS = (INF, -INF)
DEFAULT_NAN = f64_from_bits(0xFFF8000000000000)  # x86's NaN for invalid operations; packs to 0xffc00000 as f32
QUIET_NAN = f64_from_bits(0x7FF8000000000000)
M32 = 0xFFFFFFFF
_from_bytes = int.from_bytes


class _Shape(NamedTuple):
    name: str       # "f32x4"
    n: int          # lanes
    bits: int       # lane width
    unpack: Callable  # 16 bytes -> n floats (f32 NaNs come out quieted)
    unpack2: Callable  # 32 bytes (two vectors) -> 2n floats
    pack: Callable  # n floats -> 16 bytes; for f32 raises OverflowError past the largest f32
    pack_masks: Callable  # n ints 0/-1 -> 16 bytes
    round: Callable  # a double to a lane value (f32_round, or nothing to do for f64)
    ones: int       # 1 in every lane
    signs: int      # the sign bit of every lane
    canonical: int  # canonical NaN bits of one lane
    to_bits: Callable
    from_bits: Callable


def _shape(name: str, n: int, fmt: str, ifmt: str, rnd, canonical: int, to_bits, from_bits) -> _Shape:
    bits = 128 // n
    ones = sum(1 << (bits * i) for i in range(n))
    return _Shape(name, n, bits, struct.Struct(f"<{n}{fmt}").unpack, struct.Struct(f"<{2 * n}{fmt}").unpack,
                  struct.Struct(f"<{n}{fmt}").pack, struct.Struct(f"<{n}{ifmt}").pack, rnd, ones,
                  ones << (bits - 1), canonical, to_bits, from_bits)


F32X4 = _shape("f32x4", 4, "f", "i", f32_round, 0x7FC00000, f32_bits, f32_from_bits)
F64X2 = _shape("f64x2", 2, "d", "q", float, 0x7FF8000000000000, f64_bits, f64_from_bits)
SHAPES = (F32X4, F64X2)

_I32X4 = struct.Struct("<4i")
_U32X4 = struct.Struct("<4I")


def _lanes(template: str, n: int, sep: str = ", ") -> str:
    """``template`` once per lane, ``#`` replaced by the lane number."""
    return sep.join(template.replace("#", str(i)) for i in range(n))


def _compile(name: str, src: str, **env) -> Callable:
    """Define function ``name`` from ``src`` (made by ``_lanes``) with globals ``env``."""
    env["from_bytes"] = _from_bytes
    exec(compile(src, f"<simd_float {name}>", "exec"), env)
    return env[name]


def _pack_lanes(s: _Shape, rs) -> int:
    """Lane values -> v128, each rounded to the lane type (slow path)."""
    return _from_bytes(s.pack(*map(s.round, rs)), "little")


# ----- lane rules (the slow paths, and lanes too irregular for a template) -----

def _arith_lane(op):
    def lane(x: float, y: float) -> float:
        if x != x:
            return x + x        # x86: the first NaN operand, quieted
        if y != y:
            return y + y
        try:
            r = op(x, y)
        except ZeroDivisionError:   # x / ±0
            return DEFAULT_NAN if x == 0 else math.copysign(INF, x) * math.copysign(1.0, y)
        return r if r == r else DEFAULT_NAN
    return lane


_ARITH = {"add": ("+", operator.add), "sub": ("-", operator.sub), "mul": ("*", operator.mul),
          "div": ("/", operator.truediv)}
_ARITH_LANE = {op: _arith_lane(fn) for op, (_, fn) in _ARITH.items()}


def _min_lane(x: float, y: float) -> float:
    if x != x or y != y:
        return DEFAULT_NAN
    if x == y:      # -0 < +0: the negative of the two zeros
        return x if math.copysign(1.0, x) < 0 else y
    return x if x < y else y


def _max_lane(x: float, y: float) -> float:
    if x != x or y != y:
        return -QUIET_NAN if math.copysign(1.0, x) < 0 or math.copysign(1.0, y) < 0 else QUIET_NAN
    if x == y:
        return y if math.copysign(1.0, x) < 0 else x
    return x if x > y else y


def _sqrt_lane(x: float) -> float:
    return DEFAULT_NAN if x < 0 else math.sqrt(x)


def _fma_finite(a: float, b: float, c: float, f32: bool) -> float:
    """a * b + c rounded once (to f32 when ``f32``), for finite operands."""
    if f32:
        # The product of two f32s is exact in double; TwoSum gives the sum's
        # exact error, and rounding the double to odd when inexact makes the
        # second rounding, to f32, exact.
        p = a * b
        r = p + c
        bv = r - p
        err = (p - (r - bv)) + (c - bv)
        if err and not f64_bits(r) & 1:
            r = math.nextafter(r, INF if err > 0 else -INF)
        return f32_round(r)
    # f64: the exact value as a ratio of ints, whose true division CPython rounds correctly.
    an, ad = a.as_integer_ratio()
    bn, bd = b.as_integer_ratio()
    cn, cd = c.as_integer_ratio()
    num = an * bn * cd + cn * ad * bd
    if num == 0:
        return a * b + c    # an exact zero: its sign is IEEE's rule for the sum of the two parts
    try:
        return num / (ad * bd * cd)
    except OverflowError:
        return INF if num > 0 else -INF


def _fma_lane(f32: bool, negate: bool):
    def lane(a: float, b: float, c: float) -> float:
        # Measured: the NaN that comes out is b's, else a's, else c's (vfmadd213's operand order).
        for x in (b, a, c):
            if x != x:
                return x + x
        if negate:
            a = -a
        if a in _INFS or b in _INFS:
            if a == 0 or b == 0:
                return DEFAULT_NAN      # 0 * inf
            p = a * b
            return DEFAULT_NAN if c == -p else p
        if c in _INFS:
            return c
        return _fma_finite(a, b, c, f32)
    return lane


# ----- templates -----

_BINARY = """
def {name}(a, b):
    {xs}, {ys} = unpack2((a | b << 128).to_bytes(32, "little"))
    try:
        {rs} = {exprs}
        if {nan_free}:
            return from_bytes(pack({rs}), "little")
    except (ZeroDivisionError, OverflowError):
        pass
    return slow(s_, map(lane, ({xs},), ({ys},)))
"""

_LANEWISE = """
def {name}(a, b):
    {xs}, {ys} = unpack2((a | b << 128).to_bytes(32, "little"))
    return from_bytes(pack({exprs}), "little")
"""


def _binary(s: _Shape, op: str) -> Callable:
    """add sub mul div: inline lane arithmetic; the lane rules for a lane that
    overflows f32 or divides by zero. CPython's ``+`` and ``*`` may run with
    their operands swapped (the C compiler's choice; 3.11's specialised
    bytecode and ``float_add`` differ), which picks the other of two NaNs: a
    NaN anywhere in their result sends the op to the lane rules too. ``-`` and
    ``/`` cannot be swapped, so x86 gives their first NaN operand."""
    n, sym = s.n, _ARITH[op][0]
    nan_free = f"(t := {_lanes('r#', n, ' + ')}) == t" if op in ("add", "mul") else "True"
    src = _BINARY.format(name=f"{s.name}_{op}", xs=_lanes("x#", n), ys=_lanes("y#", n), rs=_lanes("r#", n),
                         exprs=_lanes(f"x# {sym} y#", n), nan_free=nan_free)
    return _compile(f"{s.name}_{op}", src, unpack2=s.unpack2, pack=s.pack, slow=_pack_lanes, s_=s,
                    lane=_ARITH_LANE[op])


_COMPARISONS = {"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">="}


def _lanewise(s: _Shape, name: str, expr: str, pack: Callable, **env) -> Callable:
    """A two-operand op whose result lanes are ``expr`` (lane ``#``) packed by ``pack``."""
    n = s.n
    src = _LANEWISE.format(name=f"{s.name}_{name}", xs=_lanes("x#", n), ys=_lanes("y#", n), exprs=_lanes(expr, n))
    return _compile(f"{s.name}_{name}", src, unpack2=s.unpack2, pack=pack, **env)


def _compare(s: _Shape, op: str) -> Callable:
    return _lanewise(s, op, f"-(x# {_COMPARISONS[op]} y#)", s.pack_masks)


def _min_max(s: _Shape, op: str, lane: Callable) -> Callable:
    # The ordered lanes inline; equal (±0) and NaN lanes through ``lane``.
    rel = "<" if op == "min" else ">"
    return _lanewise(s, op, f"x# if x# {rel} y# else y# if y# {rel} x# else lane(x#, y#)", s.pack, lane=lane)


def _rounding(s: _Shape, name: str, to_int: Callable, lane: Callable) -> Callable:
    """ceil floor trunc nearest: the int rounding carries the operand's sign
    back (a zero result keeps it); infinities and NaNs make ``to_int`` raise
    and go through ``lane``."""
    unpack, pack, copysign = s.unpack, s.pack, math.copysign

    def op(a: int) -> int:
        xs = unpack(a.to_bytes(16, "little"))
        try:
            return _from_bytes(pack(*map(copysign, map(to_int, xs), xs)), "little")
        except (OverflowError, ValueError):
            return _from_bytes(pack(*map(lane, xs)), "little")
    op.__name__ = f"{s.name}_{name}"
    return op


def _sqrt(s: _Shape) -> Callable:
    unpack, pack, sqrt = s.unpack, s.pack, math.sqrt

    def op(a: int) -> int:
        xs = unpack(a.to_bytes(16, "little"))
        try:
            return _from_bytes(pack(*map(sqrt, xs)), "little")     # a NaN lane comes out quieted
        except ValueError:      # a negative lane
            return _from_bytes(pack(*map(_sqrt_lane, xs)), "little")
    op.__name__ = f"{s.name}_sqrt"
    return op


def _pick(s: _Shape, name: str, lt: Callable, swap: bool) -> Callable:
    """pmin (b < a ? b : a) and pmax (a < b ? b : a): the chosen operand's bits."""
    def op(a: int, b: int) -> int:
        mask = lt(a, b) if swap else lt(b, a)
        return a ^ ((a ^ b) & mask)
    op.__name__ = f"{s.name}_{name}"
    return op


def _splat(s: _Shape) -> Callable:
    to_bits, ones = s.to_bits, s.ones

    def op(x: float) -> int:
        return to_bits(x) * ones
    op.__name__ = f"{s.name}_splat"
    return op


def _extract_lane(s: _Shape) -> Callable:
    from_bits, bits, mask = s.from_bits, s.bits, (1 << s.bits) - 1

    def op(lane: int, v: int) -> float:
        return from_bits(v >> (lane * bits) & mask)
    op.__name__ = f"{s.name}_extract_lane"
    return op


def _replace_lane(s: _Shape) -> Callable:
    to_bits, bits, mask = s.to_bits, s.bits, (1 << s.bits) - 1

    def op(lane: int, v: int, x: float) -> int:
        shift = lane * bits
        return v & ~(mask << shift) | to_bits(x) << shift
    op.__name__ = f"{s.name}_replace_lane"
    return op


def _canonicalize(s: _Shape, mantissa_bits: int) -> Callable:
    # A lane is NaN when its bits without the sign exceed the infinity's, that
    # is when adding the mantissa mask to them carries into the sign bit.
    mantissa = s.ones * ((1 << mantissa_bits) - 1)
    signs, lane_ones, canonical = s.signs, (1 << s.bits) - 1, s.canonical * s.ones

    def canonicalize(v: int) -> int:
        nans = ((v & ~signs) + mantissa) & signs
        if not nans:
            return v
        mask = (nans >> (s.bits - 1)) * lane_ones
        return v & ~mask | canonical & mask
    canonicalize.__name__ = f"{s.name}_canonicalize"
    return canonicalize


f32x4_canonicalize = _canonicalize(F32X4, 23)
f64x2_canonicalize = _canonicalize(F64X2, 52)

OPS: dict[str, Callable] = {}
for _s in SHAPES:
    _p = _s.name + "."
    OPS[_p + "splat"] = _splat(_s)
    OPS[_p + "extract_lane"] = _extract_lane(_s)
    OPS[_p + "replace_lane"] = _replace_lane(_s)
    for _op in _COMPARISONS:
        OPS[_p + _op] = _compare(_s, _op)
    for _op in _ARITH:
        OPS[_p + _op] = _binary(_s, _op)
    OPS[_p + "abs"] = (lambda signs: lambda a: a & ~signs)(_s.signs)
    OPS[_p + "neg"] = (lambda signs: lambda a: a ^ signs)(_s.signs)
    OPS[_p + "sqrt"] = _sqrt(_s)
    OPS[_p + "min"] = _min_max(_s, "min", _min_lane)
    OPS[_p + "max"] = _min_max(_s, "max", _max_lane)
    OPS[_p + "pmin"] = _pick(_s, "pmin", OPS[_p + "lt"], swap=False)
    OPS[_p + "pmax"] = _pick(_s, "pmax", OPS[_p + "lt"], swap=True)
    for _op, _to_int, _lane in (("ceil", math.ceil, fceil), ("floor", math.floor, ffloor),
                                ("trunc", math.trunc, ftrunc), ("nearest", round, fnearest)):
        OPS[_p + _op] = _rounding(_s, _op, _to_int, _lane)


# ----- conversions -----

_unpack_f32x4, _pack_f32x4 = F32X4.unpack, F32X4.pack
_unpack_f64x2, _pack_f64x2 = F64X2.unpack, F64X2.pack


def f32x4_demote_f64x2_zero(a: int) -> int:
    """Each f64 lane rounded to f32 (x86 cvtpd2ps: NaN payloads cut, quieted); lanes 2, 3 zero."""
    x0, x1 = _unpack_f64x2(a.to_bytes(16, "little"))
    return _from_bytes(_pack_f32x4(f32_round(x0), f32_round(x1), 0.0, 0.0), "little")


def f64x2_promote_low_f32x4(a: int) -> int:
    """f32 lanes 0, 1 widened exactly; a NaN comes out quieted (x86 cvtps2pd)."""
    return _from_bytes(_pack_f64x2(*_unpack_f32x4(a.to_bytes(16, "little"))[:2]), "little")


def _trunc_f32x4(lane: Callable, signed: bool) -> Callable:
    """Truncate each lane; ``lane`` decides NaN, infinite and out-of-range lanes,
    which make ``int`` or the pack raise."""
    pack = (_I32X4 if signed else _U32X4).pack

    def op(a: int) -> int:
        xs = _unpack_f32x4(a.to_bytes(16, "little"))
        try:
            return _from_bytes(pack(*map(int, xs)), "little")
        except (ValueError, OverflowError, struct.error):
            return _from_bytes(_U32X4.pack(*map(lane, xs)), "little")
    return op


def _trunc_f64x2_zero(lane: Callable) -> Callable:
    def op(a: int) -> int:
        x0, x1 = _unpack_f64x2(a.to_bytes(16, "little"))
        return lane(x0) | lane(x1) << 32
    return op


def _convert_i32x4(fmt: str) -> Callable:
    unpack = struct.Struct(fmt).unpack

    def op(a: int) -> int:
        # An i32 is exact in a double; packing "f" then rounds it once.
        return _from_bytes(_pack_f32x4(*unpack(a.to_bytes(16, "little"))), "little")
    return op


def _convert_low_i32x4(fmt: str) -> Callable:
    unpack = struct.Struct(fmt).unpack

    def op(a: int) -> int:
        return _from_bytes(_pack_f64x2(*unpack(a.to_bytes(16, "little"))[:2]), "little")
    return op


OPS.update({
    "f32x4.demote_f64x2_zero": f32x4_demote_f64x2_zero,
    "f64x2.promote_low_f32x4": f64x2_promote_low_f32x4,
    "i32x4.trunc_sat_f32x4_s": _trunc_f32x4(i32_trunc_sat_s, signed=True),
    "i32x4.trunc_sat_f32x4_u": _trunc_f32x4(i32_trunc_sat_u, signed=False),
    "i32x4.trunc_sat_f64x2_s_zero": _trunc_f64x2_zero(i32_trunc_sat_s),
    "i32x4.trunc_sat_f64x2_u_zero": _trunc_f64x2_zero(i32_trunc_sat_u),
    "f32x4.convert_i32x4_s": _convert_i32x4("<4i"),
    "f32x4.convert_i32x4_u": _convert_i32x4("<4I"),
    "f64x2.convert_low_i32x4_s": _convert_low_i32x4("<4i"),
    "f64x2.convert_low_i32x4_u": _convert_low_i32x4("<4I"),
})
for _name, _fn in OPS.items():
    _fn.__name__ = _name.replace(".", "_")
globals().update({name.replace(".", "_"): fn for name, fn in OPS.items()})


# ----- relaxed SIMD -----
# What Wasmtime 50 gives on x86-64 with AVX2 and FMA, measured (see the tests):
#
# instruction                 | RELAXED (deterministic off)            | RELAXED_DETERMINISTIC
# i8x16.relaxed_swizzle       | pshufb: index with bit 7 -> 0, else    | i8x16.swizzle: index >= 16 -> 0
#                             | lane[index & 15]                       |
# i32x4.relaxed_trunc_f32x4_s | cvttps2dq: NaN / out of range ->       | trunc_sat_f32x4_s
#   and f64x2_s_zero          | 0x80000000                             | trunc_sat_f64x2_s_zero
# i32x4.relaxed_trunc_f32x4_u | trunc_sat_f32x4_u (same in both modes) | trunc_sat_f32x4_u
#   and f64x2_u_zero          | trunc_sat_f64x2_u_zero                 | trunc_sat_f64x2_u_zero
# f32x4/f64x2.relaxed_madd    | fused a*b+c, one rounding (vfmadd); NaN: b's, else a's, else c's,
#   relaxed_nmadd             | quieted (sign not flipped by nmadd); default NaN for 0*inf and inf-inf
#                             | (both modes the same)
# i8x16.relaxed_laneselect    | pblendvb: bit 7 of each mask byte      | bitselect: (a & m) | (b & ~m)
# i16x8.relaxed_laneselect    | bitselect                              | bitselect
# i32x4.relaxed_laneselect    | blendvps: bit 31 of each mask lane     | bitselect
# i64x2.relaxed_laneselect    | blendvpd: bit 63 of each mask lane     | bitselect
# f32x4/f64x2.relaxed_min     | pmin: b < a ? b : a, bits kept         | min
# f32x4/f64x2.relaxed_max     | pmax: a < b ? b : a, bits kept         | max
# i16x8.relaxed_q15mulr_s     | pmulhrsw: (x*y + 2**14) >> 15 wrapped: | q15mulr_sat_s: saturated,
#                             | -32768 * -32768 -> -32768              | -32768 * -32768 -> 32767
# i16x8.relaxed_dot_i8x16_    | pmaddubsw(b, a): b's bytes UNSIGNED,   | both signed, the pair's sum
#   i7x16_s                   | a's signed, pair sum saturated to i16  | wrapped to i16
# i32x4.relaxed_dot_i8x16_    | the two saturated i16 pair sums above  | the four signed products
#   i7x16_add_s               | + c, wrapped to i32                    | summed exactly + c, wrapped

_U8X16 = struct.Struct("<16B")
_I8X16 = struct.Struct("<16b")
_I16X8 = struct.Struct("<8h")
_U16X8 = struct.Struct("<8H")
_ONES8 = 0x01010101010101010101010101010101
_ONES32 = 0x00000001000000010000000100000001
_ONES64 = 0x00000000000000010000000000000001


def _swizzle_pshufb(a: int, s: int) -> int:
    # translate table: index 0..127 -> lane index & 15, 128..255 -> 0.
    return _from_bytes(s.to_bytes(16, "little").translate(a.to_bytes(16, "little") * 8 + bytes(128)), "little")


def _swizzle(a: int, s: int) -> int:
    return _from_bytes(s.to_bytes(16, "little").translate(a.to_bytes(16, "little") + bytes(240)), "little")


def _cvtt_s(x: float) -> int:
    """x86 cvttps2dq / cvttpd2dq on one lane: NaN and out of range give INT_MIN."""
    return int(x) & M32 if -2147483649.0 < x < 2147483648.0 else 0x80000000


def _bitselect(a: int, b: int, m: int) -> int:
    return b ^ ((a ^ b) & m)


def _blend(bits: int, ones: int) -> Callable:
    """x86 blendv: a where the top bit of the mask lane is set, else b."""
    top, lane = bits - 1, (1 << bits) - 1

    def laneselect(a: int, b: int, m: int) -> int:
        return b ^ ((a ^ b) & ((m >> top) & ones) * lane)
    return laneselect


def _q15mulr(saturate: bool) -> Callable:
    def q15mulr(a: int, b: int) -> int:
        xs = _I16X8.unpack(a.to_bytes(16, "little"))
        ys = _I16X8.unpack(b.to_bytes(16, "little"))
        r = [(x * y + 0x4000) >> 15 for x, y in zip(xs, ys)]
        # Only -32768 * -32768 leaves the range, giving 32768.
        r = [min(v, 0x7FFF) if saturate else (v if v < 0x8000 else -0x8000) for v in r]
        return _from_bytes(_I16X8.pack(*r), "little")
    return q15mulr


def _dot_pairs(a: int, b: int, unsigned_b: bool) -> list[int]:
    """i16 lane sums of byte pairs: pmaddubsw (b unsigned, saturated) or exact signed products."""
    xs = _I8X16.unpack(a.to_bytes(16, "little"))
    ys = (_U8X16 if unsigned_b else _I8X16).unpack(b.to_bytes(16, "little"))
    sums = [xs[i] * ys[i] + xs[i + 1] * ys[i + 1] for i in range(0, 16, 2)]
    if unsigned_b:
        return [-0x8000 if v < -0x8000 else 0x7FFF if v > 0x7FFF else v for v in sums]
    return sums


def _dot(unsigned_b: bool) -> Callable:
    def dot(a: int, b: int) -> int:
        return _from_bytes(_U16X8.pack(*(v & 0xFFFF for v in _dot_pairs(a, b, unsigned_b))), "little")
    return dot


def _dot_add(unsigned_b: bool) -> Callable:
    def dot_add(a: int, b: int, c: int) -> int:
        p = _dot_pairs(a, b, unsigned_b)
        cs = _I32X4.unpack(c.to_bytes(16, "little"))
        return _from_bytes(_U32X4.pack(*((p[2 * i] + p[2 * i + 1] + cs[i]) & M32 for i in range(4))), "little")
    return dot_add


def _madd(s: _Shape, negate: bool) -> Callable:
    unpack, lane = s.unpack, _fma_lane(s is F32X4, negate)

    def madd(a: int, b: int, c: int) -> int:
        return _pack_lanes(s, map(lane, unpack(a.to_bytes(16, "little")), unpack(b.to_bytes(16, "little")),
                                  unpack(c.to_bytes(16, "little"))))
    return madd


_COMMON = {
    "i32x4.relaxed_trunc_f32x4_u": OPS["i32x4.trunc_sat_f32x4_u"],
    "i32x4.relaxed_trunc_f64x2_u_zero": OPS["i32x4.trunc_sat_f64x2_u_zero"],
    "i16x8.relaxed_laneselect": _bitselect,
}
for _s in SHAPES:
    _COMMON[_s.name + ".relaxed_madd"] = _madd(_s, negate=False)
    _COMMON[_s.name + ".relaxed_nmadd"] = _madd(_s, negate=True)

RELAXED: dict[str, Callable] = {
    **_COMMON,
    "i8x16.relaxed_swizzle": _swizzle_pshufb,
    "i32x4.relaxed_trunc_f32x4_s": _trunc_f32x4(_cvtt_s, signed=True),
    "i32x4.relaxed_trunc_f64x2_s_zero": _trunc_f64x2_zero(_cvtt_s),
    "i8x16.relaxed_laneselect": _blend(8, _ONES8),
    "i32x4.relaxed_laneselect": _blend(32, _ONES32),
    "i64x2.relaxed_laneselect": _blend(64, _ONES64),
    "f32x4.relaxed_min": OPS["f32x4.pmin"],
    "f32x4.relaxed_max": OPS["f32x4.pmax"],
    "f64x2.relaxed_min": OPS["f64x2.pmin"],
    "f64x2.relaxed_max": OPS["f64x2.pmax"],
    "i16x8.relaxed_q15mulr_s": _q15mulr(saturate=False),
    "i16x8.relaxed_dot_i8x16_i7x16_s": _dot(unsigned_b=True),
    "i32x4.relaxed_dot_i8x16_i7x16_add_s": _dot_add(unsigned_b=True),
}

RELAXED_DETERMINISTIC: dict[str, Callable] = {
    **_COMMON,
    "i8x16.relaxed_swizzle": _swizzle,
    "i32x4.relaxed_trunc_f32x4_s": OPS["i32x4.trunc_sat_f32x4_s"],
    "i32x4.relaxed_trunc_f64x2_s_zero": OPS["i32x4.trunc_sat_f64x2_s_zero"],
    "i8x16.relaxed_laneselect": _bitselect,
    "i32x4.relaxed_laneselect": _bitselect,
    "i64x2.relaxed_laneselect": _bitselect,
    "f32x4.relaxed_min": OPS["f32x4.min"],
    "f32x4.relaxed_max": OPS["f32x4.max"],
    "f64x2.relaxed_min": OPS["f64x2.min"],
    "f64x2.relaxed_max": OPS["f64x2.max"],
    "i16x8.relaxed_q15mulr_s": _q15mulr(saturate=True),
    "i16x8.relaxed_dot_i8x16_i7x16_s": _dot(unsigned_b=False),
    "i32x4.relaxed_dot_i8x16_i7x16_add_s": _dot_add(unsigned_b=False),
}
