"""Every call from generated code back into the runtime, in one table.

Generated functions receive these as closure bindings under the names in
``LIBCALLS`` (see ``codegen``); the float operations among them live in
``float_ops``, which coverage instrumentation leaves out. Rules every
libcall obeys:

- Arguments are Wasm values in this runtime's representation (unsigned ints,
  floats as described in ``values``) or runtime objects (memory and table
  instances, the ``VMContext``).
- A libcall that fails because of the guest raises ``Trap`` with the right
  ``TrapCode`` and nothing else; it never leaves a partial write behind when
  the spec says the operation traps before writing.
- Cheap pure operations stay inline in generated code; only what needs a
  branch, a loop or a trap lives here.
"""

from __future__ import annotations

import math
import struct

from ..binary.values import MASK128, f32_bits, f32_from_bits, f32_round, f64_bits, f64_from_bits, i64_signed
from ..errors import Trap, TrapCode
from . import atomics, membuf
from .float_ops import (canonical_nan, fceil, fdiv, ffloor, fmax, fmin, fnearest, fsqrt, ftrunc, int_to_f32, load_f32,
                        promote, store_f32)
from .context import UNINIT
from .interrupts import new_epoch, out_of_fuel
from .tailcall import TailCall, trampoline

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF
INF = math.inf


def trap(code: int):
    """Raise the trap with wasmtime-py's number ``code``."""
    raise Trap.from_code(TrapCode(code))


# ----- integer arithmetic -----
# One factory per operation, made for both widths, so the i32 and i64 versions
# cannot drift apart.

def _div_s(bits: int):
    mask, sign, wrap = (1 << bits) - 1, 1 << (bits - 1), 1 << bits

    def div_s(a: int, b: int) -> int:
        """Signed division truncating toward zero; traps on /0 and MIN/-1."""
        if b == 0:
            trap(7)
        if a == sign and b == mask:
            trap(6)
        a = a - wrap if a & sign else a
        b = b - wrap if b & sign else b
        q = abs(a) // abs(b)
        return (q if (a < 0) == (b < 0) else -q) & mask
    return div_s


def _rem_s(bits: int):
    mask, sign, wrap = (1 << bits) - 1, 1 << (bits - 1), 1 << bits

    def rem_s(a: int, b: int) -> int:
        """Signed remainder with the sign of the dividend; traps on /0 only."""
        if b == 0:
            trap(7)
        a = a - wrap if a & sign else a
        b = b - wrap if b & sign else b
        r = abs(a) % abs(b)
        return (-r if a < 0 else r) & mask
    return rem_s


def div_u(a: int, b: int) -> int:
    """Unsigned division (either width); traps on /0."""
    if b == 0:
        trap(7)
    return a // b


def rem_u(a: int, b: int) -> int:
    """Unsigned remainder (either width); traps on /0."""
    if b == 0:
        trap(7)
    return a % b


def _rotl(bits: int):
    mask = (1 << bits) - 1

    def rotl(a: int, b: int) -> int:
        """Rotate left by ``b`` modulo the width."""
        b &= bits - 1
        return ((a << b) | (a >> (bits - b))) & mask
    return rotl


def _rotr(bits: int):
    mask = (1 << bits) - 1

    def rotr(a: int, b: int) -> int:
        """Rotate right by ``b`` modulo the width."""
        b &= bits - 1
        return ((a >> b) | (a << (bits - b))) & mask
    return rotr


i32_div_s, i64_div_s = _div_s(32), _div_s(64)
i32_rem_s, i64_rem_s = _rem_s(32), _rem_s(64)
i32_rotl, i64_rotl = _rotl(32), _rotl(64)
i32_rotr, i64_rotr = _rotr(32), _rotr(64)


def i32_ctz(a: int) -> int:
    """Count trailing zeros (32 for zero)."""
    return (a & -a).bit_length() - 1 if a else 32


def i64_ctz(a: int) -> int:
    """Count trailing zeros (64 for zero)."""
    return (a & -a).bit_length() - 1 if a else 64


# ----- wide arithmetic: 128-bit values as (low, high) i64 pairs -----

def i64_add128(a_lo: int, a_hi: int, b_lo: int, b_hi: int) -> tuple[int, int]:
    s = ((a_lo | a_hi << 64) + (b_lo | b_hi << 64)) & MASK128
    return s & M64, s >> 64


def i64_sub128(a_lo: int, a_hi: int, b_lo: int, b_hi: int) -> tuple[int, int]:
    d = ((a_lo | a_hi << 64) - (b_lo | b_hi << 64)) & MASK128
    return d & M64, d >> 64


def i64_mul_wide_s(a: int, b: int) -> tuple[int, int]:
    p = i64_signed(a) * i64_signed(b) & MASK128
    return p & M64, p >> 64


def i64_mul_wide_u(a: int, b: int) -> tuple[int, int]:
    p = a * b
    return p & M64, p >> 64


# ----- float to integer (the rest of float arithmetic is in float_ops) -----

def _trunc_checked(a: float, lo: float, hi: float, mask: int) -> int:
    if a != a:
        trap(8)
    if not lo < a < hi:
        trap(6)
    return int(a) & mask


def i32_trunc_s(a: float) -> int:
    """Truncate to a signed i32; traps on NaN (8) and out of range (6)."""
    return _trunc_checked(a, -2147483649.0, 2147483648.0, M32)


def i32_trunc_u(a: float) -> int:
    """Truncate to an unsigned i32; traps on NaN and out of range."""
    return _trunc_checked(a, -1.0, 4294967296.0, M32)


def i64_trunc_s(a: float) -> int:
    """Truncate to a signed i64; traps on NaN and out of range."""
    return _trunc_checked(a, -9223372036854777856.0, 9223372036854775808.0, M64)


def i64_trunc_u(a: float) -> int:
    """Truncate to an unsigned i64; traps on NaN and out of range."""
    return _trunc_checked(a, -1.0, 18446744073709551616.0, M64)


def _trunc_sat(a: float, lo: int, hi: int, mask: int) -> int:
    if a != a:
        return 0
    if a in (INF, -INF):
        return (hi if a > 0 else lo) & mask
    v = int(a)
    return (hi if v > hi else lo if v < lo else v) & mask


def i32_trunc_sat_s(a: float) -> int:
    """Saturating truncation to signed i32 (NaN -> 0)."""
    return _trunc_sat(a, -0x80000000, 0x7FFFFFFF, M32)


def i32_trunc_sat_u(a: float) -> int:
    """Saturating truncation to unsigned i32 (NaN -> 0)."""
    return _trunc_sat(a, 0, M32, M32)


def i64_trunc_sat_s(a: float) -> int:
    """Saturating truncation to signed i64 (NaN -> 0)."""
    return _trunc_sat(a, -0x8000000000000000, 0x7FFFFFFFFFFFFFFF, M64)


def i64_trunc_sat_u(a: float) -> int:
    """Saturating truncation to unsigned i64 (NaN -> 0)."""
    return _trunc_sat(a, 0, M64, M64)


# ----- memory -----

def memory_grow(mem, delta: int) -> int:
    """memory.grow: the old size in pages, or -1 (as an unsigned value) on failure."""
    return mem.grow_pages(delta)


def memory_fill(m, d: int, val: int, n: int) -> None:
    """memory.fill: bounds-checked before any write."""
    if d + n > len(m):
        trap(1)
    membuf.fill(m, d, val & 0xFF, n)


def memory_copy(dst, d: int, src, s: int, n: int) -> None:
    """memory.copy (memmove semantics), also between two memories; both
    ranges checked before any write."""
    if d + n > len(dst) or s + n > len(src):
        trap(1)
    membuf.copy(dst, d, src, s, n)


def memory_init(vm, dataidx: int, m, d: int, s: int, n: int) -> None:
    """memory.init from a (possibly dropped) data segment; checked before writing."""
    data = vm.datas[dataidx]
    if s + n > len(data) or d + n > len(m):
        trap(1)
    if n:
        m[d:d + n] = data[s:s + n]


def data_drop(vm, dataidx: int) -> None:
    """data.drop: the segment becomes empty for this instance."""
    vm.datas[dataidx] = b""


# ----- tables -----

def table_get(table, i: int):
    """table.get with a bounds check; a never-read lazy element is built first."""
    elems = table.elems
    if i >= len(elems):
        trap(3)
    v = elems[i]
    return table.resolve(i) if v is UNINIT else v


def table_set(table, i: int, v) -> None:
    """table.set with a bounds check."""
    elems = table.elems
    if i >= len(elems):
        trap(3)
    elems[i] = v


def table_grow(table, init, n: int) -> int:
    """table.grow: the old size, or -1 (unsigned) when the table cannot grow."""
    return table.grow(n, init)


def table_fill(table, i: int, v, n: int) -> None:
    """table.fill: bounds-checked before any write."""
    elems = table.elems
    if i + n > len(elems):
        trap(3)
    elems[i:i + n] = [v] * n


def table_copy(dst, d: int, src, s: int, n: int) -> None:
    """table.copy (overlap-safe); both ranges checked before any write. Lazy
    source elements are built first: an element's plan entry belongs to its
    position, so copying the "not yet initialised" marker would change it."""
    if d + n > len(dst.elems) or s + n > len(src.elems):
        trap(3)
    if n:
        src.resolve_range(s, n)
        dst.elems[d:d + n] = src.elems[s:s + n]


def table_init(vm, elemidx: int, table, d: int, s: int, n: int) -> None:
    """table.init from a (possibly dropped) element segment; checked before writing."""
    items = vm.elem_items(elemidx)
    if s + n > len(items) or d + n > len(table.elems):
        trap(3)
    if n:
        table.elems[d:d + n] = items[s:s + n]


def elem_drop(vm, elemidx: int) -> None:
    """elem.drop: the segment becomes empty for this instance."""
    vm.drop_elem(elemidx)


def ref_func(vm, funcidx: int):
    """ref.func: this instance's reference to function ``funcidx``, made on first use."""
    return vm.funcref(funcidx)


# Name in generated code -> object. Struct methods are bound once here.
LIBCALLS = {
    "_trap": trap,
    "_i32_div_s": i32_div_s, "_i32_div_u": div_u, "_i32_rem_s": i32_rem_s, "_i32_rem_u": rem_u,
    "_i64_div_s": i64_div_s, "_i64_div_u": div_u, "_i64_rem_s": i64_rem_s, "_i64_rem_u": rem_u,
    "_i32_rotl": i32_rotl, "_i32_rotr": i32_rotr, "_i64_rotl": i64_rotl, "_i64_rotr": i64_rotr,
    "_i32_ctz": i32_ctz, "_i64_ctz": i64_ctz,
    "_i64_add128": i64_add128, "_i64_sub128": i64_sub128, "_i64_mul_wide_s": i64_mul_wide_s,
    "_i64_mul_wide_u": i64_mul_wide_u,
    "_fdiv": fdiv, "_fsqrt": fsqrt, "_fmin": fmin, "_fmax": fmax, "_fceil": fceil, "_ffloor": ffloor,
    "_ftrunc": ftrunc, "_fnearest": fnearest, "_promote": promote, "_f32r": f32_round,
    "_canonical_nan": canonical_nan,
    "_copysign": math.copysign,
    "_i32_trunc_s": i32_trunc_s, "_i32_trunc_u": i32_trunc_u, "_i64_trunc_s": i64_trunc_s,
    "_i64_trunc_u": i64_trunc_u, "_i32_trunc_sat_s": i32_trunc_sat_s, "_i32_trunc_sat_u": i32_trunc_sat_u,
    "_i64_trunc_sat_s": i64_trunc_sat_s, "_i64_trunc_sat_u": i64_trunc_sat_u, "_int_to_f32": int_to_f32,
    "_f32_bits": f32_bits, "_f32_from_bits": f32_from_bits, "_f64_bits": f64_bits,
    "_f64_from_bits": f64_from_bits,
    "_ld_u32": struct.Struct("<I").unpack_from, "_ld_i32": struct.Struct("<i").unpack_from,
    "_ld_u64": struct.Struct("<Q").unpack_from, "_ld_u16": struct.Struct("<H").unpack_from,
    "_ld_i16": struct.Struct("<h").unpack_from, "_ld_f64": struct.Struct("<d").unpack_from,
    "_st_u32": struct.Struct("<I").pack_into, "_st_u64": struct.Struct("<Q").pack_into,
    "_st_u16": struct.Struct("<H").pack_into,
    "_st_f64": struct.Struct("<d").pack_into,
    "_load_f32": load_f32, "_store_f32": store_f32,
    "_memory_grow": memory_grow, "_memory_fill": memory_fill, "_memory_copy": memory_copy,
    "_memory_init": memory_init, "_data_drop": data_drop,
    "_table_get": table_get, "_table_set": table_set, "_table_grow": table_grow, "_table_fill": table_fill,
    "_table_copy": table_copy, "_table_init": table_init, "_elem_drop": elem_drop, "_ref_func": ref_func,
    "_atomic_load": atomics.atomic_load, "_atomic_store": atomics.atomic_store,
    "_atomic_rmw": atomics.atomic_rmw, "_atomic_cmpxchg": atomics.atomic_cmpxchg,
    "_atomic_wait": atomics.atomic_wait, "_atomic_notify": atomics.atomic_notify,
    "_UNINIT": UNINIT, "_out_of_fuel": out_of_fuel, "_new_epoch": new_epoch, "_TailCall": TailCall,
    "_trampoline": trampoline,
}
