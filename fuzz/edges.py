"""The values where engines go wrong, one table per type, as bit patterns.

Engine bugs live at the edges of a type's range: INT_MIN / -1, shift counts
at and past the width, ±0, infinities, NaNs with payloads (signalling ones
included), subnormals, the largest and smallest normals, floats just past
the range of an integer conversion, and addresses and lengths that end
exactly at, one before or one past a bound. Call arguments
(``calls``), program constants (``instruction_ops``, ``interrupt_ops``,
``table_ops``, ``memory_ops``) and smith's constants (``const_edges``)
are drawn from here most of the time, after Wasmtime's
``DiffValue::arbitrary_of_type``, which picks such values half the time.
"""

from __future__ import annotations

from .source import Source, boolean, choice

WIDTH = {"i32": 32, "i64": 64, "f32": 32, "f64": 64}


def _ints(bits: int) -> tuple[int, ...]:
    top, umax = 1 << (bits - 1), (1 << bits) - 1
    shifts = (bits - 1, bits, bits + 1, 2 * bits - 1, 2 * bits)  # at and past the width (counts wrap)
    values = (0, 1, 2, umax, umax - 1, top, top - 1, top + 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF,
              0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1 << 32, (1 << 32) + 1, *shifts)
    return tuple(dict.fromkeys(v & umax for v in values))


def _floats(exp_bits: int, frac_bits: int) -> tuple[int, ...]:
    sign, exp = 1 << (exp_bits + frac_bits), ((1 << exp_bits) - 1) << frac_bits
    quiet, bias = 1 << (frac_bits - 1), (1 << (exp_bits - 1)) - 1

    def pow2(e: int) -> int:  # the bits of 2**e
        return (bias + e) << frac_bits
    one = pow2(0)
    pos = (0, one, pow2(1), one | quiet,  # 0, 1, 2, 1.5
           pow2(-1), pow2(-1) | quiet,  # 0.5 and 0.75: rounding ties and truncation
           pow2(1) | (quiet >> 1),  # 2.5: ties to even
           exp, exp | quiet, exp | quiet | 1, exp | (quiet - 1), exp | 1, exp | (quiet >> 1),  # inf, NaNs, sNaNs
           1, quiet, quiet - 1 | quiet,  # subnormals: smallest, a middle one, largest
           1 << frac_bits, exp - 1,  # smallest and largest normal
           pow2(31), pow2(31) - 1, pow2(32), pow2(32) - 1, pow2(63), pow2(63) - 1, pow2(64), pow2(64) - 1)
    return pos + tuple(p | sign for p in pos)


TABLES: dict[str, tuple[int, ...]] = {
    "i32": _ints(32),
    "i64": _ints(64),
    "f32": _floats(8, 23),
    "f64": _floats(11, 52),
}
CANONICAL_NAN = {"f32": 0x7FC00000, "f64": 0x7FF8000000000000}
# Addresses: near 2**31, 2**32 and (64-bit) 2**63 and 2**64, where address + offset overflows.
ADDRESSES_32 = (0, 1, 3, 4, 7, 8, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF8, 0xFFFFFFFC, 0xFFFFFFFF)
ADDRESSES_64 = ADDRESSES_32 + (1 << 32, (1 << 32) + 1, 1 << 63, (1 << 64) - 8, (1 << 64) - 4, (1 << 64) - 1)


def edge(src: Source, type_: str) -> int:
    """One edge value of ``type_`` (its bits)."""
    return choice(src, TABLES[type_])


def value(src: Source, type_: str, edge_percent: int = 75) -> int:
    """The bits of a value of ``type_``: an edge value ``edge_percent`` of
    the time, otherwise arbitrary bits."""
    if boolean(src, edge_percent):
        return edge(src, type_)
    return src.int_in(0, (1 << WIDTH[type_]) - 1)


def near(src: Source, bound: int, limit: int = (1 << 64) - 1) -> int:
    """A length, index or address around ``bound`` (a size): exactly at it,
    one before or one past it, or a little further off; at most ``limit``."""
    return min(limit, max(0, bound + choice(src, (0, 0, -1, 1, -2, 2, -4, 4, -8, 8))))


def address(src: Source, size: int, is64: bool = False) -> int:
    """A memory address: around the memory's ``size``, or a bounds-check edge."""
    limit = (1 << 64) - 1 if is64 else 0xFFFFFFFF
    if boolean(src):
        return near(src, size, limit)
    return choice(src, ADDRESSES_64 if is64 else ADDRESSES_32)
