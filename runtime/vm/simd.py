"""The SIMD libcalls: every ``v128`` instruction by the name generated code calls it.

A ``v128`` is a Python int of 128 bits, lane 0 in the low bits, so that
``v.to_bytes(16, "little")`` is the vector as it lies in memory. The
bitwise instructions are then one int operation each (inline in generated
code, see ``compile/python/simd_ops``); lane-wise ones are in ``simd_int``
(integer lanes) and ``simd_float`` (float lanes, conversions, relaxed
SIMD). Loads and stores are here: each reads or writes with a ``struct``
whose own bounds check raises ``struct.error`` on an access past the end,
which the API turns into MEMORY_OUT_OF_BOUNDS, before any byte is written.

Why an int, measured (ns per call on this machine): splitting a vector
into lanes costs more than most lane operations (``to_bytes`` + ``struct``
unpack + pack is about 1 us before any work), so integer lanes work on the
whole int with precomputed masks (i8x16.add 230 ns against 2,100 through
``struct``; shifts 150; comparisons and min/max 500-800), ``bytes.translate``
does shuffles and swizzles (820 against 1,790 lane by lane), and only
multiplies and float lanes go through one ``struct`` unpack of both operands
at once (f32x4.add about 700, four scalar f32 adds about the same). The
benchmark pair ``mix_scalar``/``mix_simd`` (``benches/execution.py``): the
same work runs 2.0x faster in v128 than in scalar ops here.
"""

from __future__ import annotations

import struct

from . import simd_float, simd_int

M64 = (1 << 64) - 1
_QQ = struct.Struct("<QQ")
_unpack_qq, _pack_qq = _QQ.unpack_from, _QQ.pack_into
# Lane width in bytes -> (unpack_from, pack_into) of one unsigned lane.
_LANE = {n: (s.unpack_from, s.pack_into) for n, s in
         ((1, struct.Struct("<B")), (2, struct.Struct("<H")), (4, struct.Struct("<I")), (8, struct.Struct("<Q")))}
# extend loads: 8 bytes as 8/4/2 narrow lanes -> 16 bytes of wide lanes.
_EXTEND = {
    "8x8_s": ("<8b", "<8h"), "8x8_u": ("<8B", "<8H"), "16x4_s": ("<4h", "<4i"), "16x4_u": ("<4H", "<4I"),
    "32x2_s": ("<2i", "<2q"), "32x2_u": ("<2I", "<2Q"),
}
# A lane value times this spreads it over every lane of its width.
_SPLAT = {n: int.from_bytes(bytes([1] + [0] * (n - 1)) * (16 // n), "little") for n in (1, 2, 4, 8)}


def load(m, ea: int) -> int:
    lo, hi = _unpack_qq(m, ea)
    return lo | hi << 64


def store(m, ea: int, v: int) -> None:
    _pack_qq(m, ea, v & M64, v >> 64)


def _extend_load(narrow: str, wide: str):
    unpack, pack = struct.Struct(narrow).unpack_from, struct.Struct(wide).pack

    def extend_load(m, ea: int) -> int:
        return int.from_bytes(pack(*unpack(m, ea)), "little")
    return extend_load


def _splat_load(n: int):
    unpack, spread = _LANE[n][0], _SPLAT[n]

    def splat_load(m, ea: int) -> int:
        return unpack(m, ea)[0] * spread
    return splat_load


def _zero_load(n: int):
    unpack = _LANE[n][0]

    def zero_load(m, ea: int) -> int:
        return unpack(m, ea)[0]
    return zero_load


def _lane_load(n: int):
    unpack, bits, mask = _LANE[n][0], 8 * n, (1 << 8 * n) - 1

    def lane_load(lane: int, m, ea: int, v: int) -> int:
        shift = lane * bits
        return v & ~(mask << shift) | unpack(m, ea)[0] << shift
    return lane_load


def _lane_store(n: int):
    pack, bits, mask = _LANE[n][1], 8 * n, (1 << 8 * n) - 1

    def lane_store(lane: int, m, ea: int, v: int) -> None:
        pack(m, ea, v >> lane * bits & mask)
    return lane_store


_MEMORY = {"v128.load": load, "v128.store": store}
for _shape, (_narrow, _wide) in _EXTEND.items():
    _MEMORY[f"v128.load{_shape}"] = _extend_load(_narrow, _wide)
for _n in (1, 2, 4, 8):
    _MEMORY[f"v128.load{8 * _n}_splat"] = _splat_load(_n)
    _MEMORY[f"v128.load{8 * _n}_lane"] = _lane_load(_n)
    _MEMORY[f"v128.store{8 * _n}_lane"] = _lane_store(_n)
for _n in (4, 8):
    _MEMORY[f"v128.load{8 * _n}_zero"] = _zero_load(_n)


def _names(ops: dict, prefix: str) -> dict[str, object]:
    return {prefix + name.replace(".", "_"): fn for name, fn in ops.items()}


# Name in generated code -> function (see compile/python/simd_ops for the naming).
LIBCALLS = {
    **_names(_MEMORY, "_v_"), **_names(simd_int.OPS, "_v_"), **_names(simd_float.OPS, "_v_"),
    **_names(simd_float.RELAXED, "_vr_"), **_names(simd_float.RELAXED_DETERMINISTIC, "_vrd_"),
    "_v_f32x4_canonicalize": simd_float.f32x4_canonicalize, "_v_f64x2_canonicalize": simd_float.f64x2_canonicalize,
}
