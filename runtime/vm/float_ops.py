"""IEEE float operations Python lacks, and f32 loads and stores, for generated code.

Python's float is an IEEE double with C's conversions, so most Wasm float
arithmetic is inline in generated code; what needs a branch is here:
division and square root where Python raises, min and max with NaN and
signed zeros, rounding that keeps -0 and quiets NaNs, integer-to-f32
rounding in one step, NaN canonicalisation, and f32 memory accesses that
keep a signalling NaN's bits. All of it is pure value code, bound into
generated code through ``libcalls.LIBCALLS``.

The fuzz harness leaves this module out of atheris's coverage
instrumentation (``fuzz.atheris_main.UNINSTRUMENTED``): these functions
run for every float instruction of a program, f32 loads alone were a sixth
of the mutate target's time and traced they cost twice that, while the
branches they take only depend on which special values flow through, which
every comparison checks bit for bit anyway.
"""

from __future__ import annotations

import math
import struct

from ..binary.values import f32_bits, f32_from_bits, f32_round, f64_from_bits

CANONICAL_NAN = f64_from_bits(0x7FF8000000000000)
INF = math.inf


def fdiv(a: float, b: float) -> float:
    """IEEE division, where Python would raise ZeroDivisionError on a zero divisor."""
    if b:
        return a / b
    if a != a or b != b or a == 0:
        return a + b if (a != a or b != b) else math.nan
    return math.copysign(INF, a) * math.copysign(1.0, b)


def fsqrt(a: float) -> float:
    """IEEE square root: NaN for negative inputs, -0 for -0."""
    if a != a:
        return a + a
    if a < 0:
        return math.nan
    return math.sqrt(a)


def fmin(a: float, b: float) -> float:
    """Wasm min: NaN if either is NaN, and -0 < +0."""
    if a != a or b != b:
        return a + b
    if a == b:
        return a if math.copysign(1.0, a) < 0 else b
    return a if a < b else b


def fmax(a: float, b: float) -> float:
    """Wasm max: NaN if either is NaN, and +0 > -0."""
    if a != a or b != b:
        return a + b
    if a == b:
        return b if math.copysign(1.0, a) < 0 else a
    return a if a > b else b


def fceil(a: float) -> float:
    """Round up, keeping -0, infinities and (quieted) NaNs."""
    if a != a:
        return a + a
    if a in (INF, -INF) or a == 0:
        return a
    r = float(math.ceil(a))
    return -0.0 if r == 0 and a < 0 else r


def ffloor(a: float) -> float:
    """Round down, keeping -0, infinities and (quieted) NaNs."""
    if a != a:
        return a + a
    if a in (INF, -INF) or a == 0:
        return a
    return float(math.floor(a))


def ftrunc(a: float) -> float:
    """Round toward zero, keeping the sign of zero results."""
    if a != a:
        return a + a
    if a in (INF, -INF) or a == 0:
        return a
    return math.copysign(float(math.trunc(a)), a)


def fnearest(a: float) -> float:
    """Round to nearest, ties to even, keeping the sign of zero results."""
    if a != a:
        return a + a
    if a in (INF, -INF) or a == 0:
        return a
    return math.copysign(float(round(a)), a)


def promote(a: float) -> float:
    """f64.promote_f32: exact, except that a NaN comes out quiet."""
    return a if a == a else a + a


def int_to_f32(v: int) -> float:
    """Round an integer (any size) to the nearest f32, ties to even, in one rounding."""
    if -(1 << 53) <= v <= (1 << 53):
        return f32_round(float(v))
    neg = v < 0
    v = -v if neg else v
    shift = v.bit_length() - 24
    kept, rest = v >> shift, v & ((1 << shift) - 1)
    half = 1 << (shift - 1)
    if rest > half or (rest == half and kept & 1):
        kept += 1
    r = f32_round(float(kept << shift))
    return -r if neg else r


def canonical_nan(x: float) -> float:
    """Config.cranelift_nan_canonicalization: a NaN result becomes the canonical
    NaN, positive and quiet (the same Python float for f32 and f64: it narrows
    to 0x7fc00000)."""
    return x if x == x else CANONICAL_NAN


# ----- f32 memory access -----

_LD32 = struct.Struct("<I").unpack_from
_ST32 = struct.Struct("<I").pack_into
_LDF32 = struct.Struct("<f").unpack_from
_STF32 = struct.Struct("<f").pack_into


def load_f32(m, ea: int) -> float:
    """f32.load: the f32 at ``ea``, signalling NaNs kept. A number is read as
    one (exact); only a NaN, which the C conversion may quiet, is read again
    as bits and widened by hand (one struct call instead of three: f32 loads
    were a sixth of a float program's time)."""
    v = _LDF32(m, ea)[0]
    return f32_from_bits(_LD32(m, ea)[0]) if v != v else v


def store_f32(m, ea: int, v: float) -> None:
    """f32.store: write ``v``'s exact f32 bits at ``ea`` (a number, which this
    runtime's f32 representation holds exactly, directly; a NaN by its bits)."""
    if v != v:
        _ST32(m, ea, f32_bits(v))
    else:
        _STF32(m, ea, v)
