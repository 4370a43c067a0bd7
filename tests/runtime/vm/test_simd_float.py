"""simd_float (float lanes, conversions, relaxed SIMD) against Wasmtime 50, bit for bit.

Per instruction one module loops over records in memory (operands at +0,
+16, +32, result at +48, 64 bytes each), so that many inputs cost one call
and no v128 crosses wasmtime-py's function boundary. Every NaN is compared
exactly: simd_float matches Wasmtime's NaN bits everywhere.
"""

from __future__ import annotations

import random
import struct

import pytest

from wasmfuzz.runtime.binary.values import f32_bits, f32_from_bits, f64_bits, f64_from_bits
from wasmfuzz.runtime.binary.wat import wat2wasm
from wasmfuzz.runtime.vm import simd_float as sf

wasmtime = pytest.importorskip("wasmtime")

SHAPES = ("f32x4", "f64x2")
OPS_NAMES = {f"{s}.{op}" for s in SHAPES for op in (
    "splat", "extract_lane", "replace_lane", "eq", "ne", "lt", "gt", "le", "ge", "abs", "neg", "sqrt", "add", "sub",
    "mul", "div", "min", "max", "pmin", "pmax", "ceil", "floor", "trunc", "nearest")} | {
    "f32x4.demote_f64x2_zero", "f64x2.promote_low_f32x4", "i32x4.trunc_sat_f32x4_s", "i32x4.trunc_sat_f32x4_u",
    "i32x4.trunc_sat_f64x2_s_zero", "i32x4.trunc_sat_f64x2_u_zero", "f32x4.convert_i32x4_s", "f32x4.convert_i32x4_u",
    "f64x2.convert_low_i32x4_s", "f64x2.convert_low_i32x4_u"}
RELAXED_NAMES = {
    "i8x16.relaxed_swizzle", "i32x4.relaxed_trunc_f32x4_s", "i32x4.relaxed_trunc_f32x4_u",
    "i32x4.relaxed_trunc_f64x2_s_zero", "i32x4.relaxed_trunc_f64x2_u_zero", "f32x4.relaxed_madd",
    "f32x4.relaxed_nmadd", "f64x2.relaxed_madd", "f64x2.relaxed_nmadd", "i8x16.relaxed_laneselect",
    "i16x8.relaxed_laneselect", "i32x4.relaxed_laneselect", "i64x2.relaxed_laneselect", "f32x4.relaxed_min",
    "f32x4.relaxed_max", "f64x2.relaxed_min", "f64x2.relaxed_max", "i16x8.relaxed_q15mulr_s",
    "i16x8.relaxed_dot_i8x16_i7x16_s", "i32x4.relaxed_dot_i8x16_i7x16_add_s"}

F32_EDGES = [
    0x00000000, 0x80000000, 0x3F800000, 0xBF800000, 0x7F800000, 0xFF800000, 0x00000001, 0x80000001,
    0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0xFF7FFFFF, 0x7FC00000, 0xFFC00000, 0x7FC12345, 0xFFC00001,
    0x7F800001, 0xFFA00005, 0x7FBFFFFF, 0x3F000000, 0x3FC00000, 0x40200000, 0xC0200000, 0xBF000000,
    0x4F000000, 0x4EFFFFFF, 0xCF000000, 0xCF000001, 0x4F800000, 0x4F7FFFFF, 0x501502F9, 0xD01502F9,
    0x3F800001, 0x3F7FFFFF, 0x40400000, 0xBF7FFFFF,
]
F64_EDGES = [
    0x0000000000000000, 0x8000000000000000, 0x3FF0000000000000, 0xBFF0000000000000, 0x7FF0000000000000,
    0xFFF0000000000000, 0x0000000000000001, 0x8000000000000001, 0x7FEFFFFFFFFFFFFF, 0xFFEFFFFFFFFFFFFF,
    0x7FF8000000000000, 0xFFF8000000000001, 0x7FF8000012345678, 0x7FF0000000000001, 0xFFF4000000000000,
    0x7FF00000E0000000, 0x3FE0000000000000, 0x3FF8000000000000, 0x4004000000000000, 0xC004000000000000,
    0x41E0000000000000, 0x41DFFFFFFFC00000, 0xC1E0000000200000, 0xC1E0000000000000, 0x41F0000000000000,
    0x41EFFFFFFFE00000, 0x41EFFFFFFFF00000, 0xBFEFAE147AE147AE, 0x7E37E43C8800759C, 0x01A56E1FC2F8F359,
    0x47EFFFFFE0000000, 0x47EFFFFFDFFFFFFF, 0x36A0000000000000, 0x3690000000000000, 0x3698000000000000,
    0x3FF0000000000001, 0x4330000000000001, 0xC7EFFFFFE0000001,
]
I32_EDGES = [0, 1, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0x80000001, 0x01000001, 0xFEFFFFFF, 0x00FFFFFF,
             0x7FFFFFC0, 0x7FFFFFBF, 0xFFFFFF80]
BYTE_EDGES = [0x00, 0x01, 0x7F, 0x80, 0x81, 0xFF, 0xFE, 0x40, 0x10, 0x0F, 0x1F, 0x20]
LANE_KINDS = {"f32": (32, F32_EDGES), "f64": (64, F64_EDGES), "i32": (32, I32_EDGES), "i8": (8, BYTE_EDGES)}
SIZE = {"v128": 16, "f32": 4, "f64": 8}
CASES = 300     # random records per instruction, after the edge pairs


def signature(name: str) -> tuple[list[str], str]:
    """(operand types, result type) of an instruction."""
    shape, op = name.split(".")
    scalar = shape[:3]
    if op == "splat":
        return [scalar], "v128"
    if op == "extract_lane":
        return ["v128"], scalar
    if op == "replace_lane":
        return ["v128", scalar], "v128"
    if op in ("relaxed_madd", "relaxed_nmadd", "relaxed_laneselect", "relaxed_dot_i8x16_i7x16_add_s"):
        return ["v128"] * 3, "v128"
    unary = ("abs", "neg", "sqrt", "ceil", "floor", "trunc", "nearest")
    if op in unary or "_f32x4" in op or "_f64x2" in op or "_i32x4" in op:
        return ["v128"], "v128"
    return ["v128", "v128"], "v128"


def lane_kind(name: str, operand: int) -> str:
    """What lanes an operand's v128 holds, for choosing interesting inputs."""
    shape, op = name.split(".")
    if "_f32x4" in op:
        return "f32"
    if "_f64x2" in op:
        return "f64"
    if "_i32x4" in op:
        return "i32"
    if shape in SHAPES:
        return shape[:3]
    if op == "relaxed_dot_i8x16_i7x16_add_s" and operand == 2:
        return "i32"
    return "i8"


def wat(name: str, imm: str = "") -> str:
    args, result = signature(name)
    loads = " ".join(f"({a}.load offset={16 * k} (local.get $p))" for k, a in enumerate(args))
    return f"""(module (memory (export "mem") 2)
      (func (export "run") (local $p i32) (local $end i32)
        (local.set $end (i32.add (i32.const 64) (i32.shl (i32.load (i32.const 0)) (i32.const 6))))
        (local.set $p (i32.const 64))
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
          ({result}.store offset=48 (local.get $p) ({name} {imm} {loads}))
          (local.set $p (i32.add (local.get $p) (i32.const 64)))
          (br $next)))))"""


_ENGINES: dict[bool, object] = {}


def engine(deterministic: bool):
    if deterministic not in _ENGINES:
        config = wasmtime.Config()
        config.wasm_relaxed_simd = True
        config.wasm_relaxed_simd_deterministic = deterministic
        _ENGINES[deterministic] = wasmtime.Engine(config)
    return _ENGINES[deterministic]


def run_wasmtime(name: str, cases: list[tuple[int, ...]], imm: str = "", deterministic: bool = False) -> list[int]:
    """Wasmtime's result bits for each record of operand bits."""
    args, result = signature(name)
    eng = engine(deterministic)
    store = wasmtime.Store(eng)
    instance = wasmtime.Instance(store, wasmtime.Module(eng, wat2wasm(wat(name, imm))), [])
    memory = instance.exports(store)["mem"]
    size = 64 + 64 * len(cases)
    assert size <= memory.data_len(store)
    data = bytearray(size)
    data[0:4] = len(cases).to_bytes(4, "little")
    for i, case in enumerate(cases):
        for k, (a, bits) in enumerate(zip(args, case)):
            p = 64 + 64 * i + 16 * k
            data[p:p + SIZE[a]] = bits.to_bytes(SIZE[a], "little")
    memory.write(store, bytes(data), 0)
    instance.exports(store)["run"](store)
    out = memory.read(store, 0, size)
    n = SIZE[result]
    return [int.from_bytes(out[64 + 64 * i + 48:64 + 64 * i + 48 + n], "little") for i in range(len(cases))]


def run_python(fn, name: str, cases: list[tuple[int, ...]], imm: tuple = ()) -> list[int]:
    args, result = signature(name)
    from_bits = {"v128": int, "f32": f32_from_bits, "f64": f64_from_bits}
    to_bits = {"v128": int, "f32": f32_bits, "f64": f64_bits}[result]
    return [to_bits(fn(*imm, *(from_bits[a](v) for a, v in zip(args, case)))) for case in cases]


def vector(lanes: list[int], bits: int) -> int:
    return sum(x << (bits * i) for i, x in enumerate(lanes))


def fma_cases(rng: random.Random, bits: int) -> list[tuple[int, int, int]]:
    """Lanes where a fused multiply-add differs from a rounded product plus c:
    c is minus the rounded product, so the result is the product's rounding error."""
    fmt = "f" if bits == 32 else "d"
    out = []
    for _ in range(40):
        lanes = []
        for _ in range(128 // bits):
            a, b = rng.uniform(1, 2) * 2.0 ** rng.randint(-20, 20), rng.uniform(-2, 2)
            a, b = struct.unpack("<2" + fmt, struct.pack("<2" + fmt, a, b))
            c = -struct.unpack("<" + fmt, struct.pack("<" + fmt, a * b))[0]
            lanes.append([int.from_bytes(struct.pack("<" + fmt, x), "little") for x in (a, b, c)])
        out.append(tuple(vector([lane[k] for lane in lanes], bits) for k in range(3)))
    return out


def make_cases(name: str, seed: int) -> list[tuple[int, ...]]:
    """Every pair of edge lanes (first two operands), then random records
    mixing edge lanes and random bit patterns."""
    rng = random.Random(f"{name}/{seed}")
    args, _ = signature(name)
    kinds = [LANE_KINDS[lane_kind(name, k)] for k in range(len(args))]

    def operand(k: int, lanes=None) -> int:
        bits, edges = kinds[k]
        if args[k] != "v128":
            return rng.choice(edges) if rng.random() < 0.7 else rng.getrandbits(bits)
        lanes = lanes or [rng.choice(edges) if rng.random() < 0.6 else rng.getrandbits(bits)
                          for _ in range(128 // bits)]
        return vector(lanes, bits)

    cases = []
    bits, edges = kinds[0]
    per = 128 // bits
    if len(args) >= 2 and args[1] == "v128":
        pairs = [(x, y) for x in edges for y in edges]
        for i in range(0, len(pairs), per):
            chunk = pairs[i:i + per]
            cases.append((vector([x for x, _ in chunk], bits), vector([y for _, y in chunk], bits),
                          *(operand(k) for k in range(2, len(args)))))
    elif args[0] != "v128":     # splat: each edge value
        cases += [(x,) for x in edges]
    else:
        cases += [(vector(edges[i:i + per], bits), *(operand(k) for k in range(1, len(args))))
                  for i in range(0, len(edges), per)]
    cases += [tuple(operand(k) for k in range(len(args))) for _ in range(CASES)]
    if "madd" in name:
        cases += fma_cases(rng, bits)
    return cases


def check(fn, name: str, deterministic: bool = False) -> None:
    _, result = signature(name)
    op = name.split(".")[1]
    imms = [(lane,) for lane in range(128 // int(name[1:3]))] if op.endswith("_lane") else [()]
    for imm in imms:
        cases = make_cases(name, imm[0] if imm else 0)
        expected = run_wasmtime(name, cases, " ".join(map(str, imm)), deterministic)
        got = run_python(fn, name, cases, imm)
        bad = [(tuple(hex(x) for x in c), hex(e), hex(g)) for c, e, g in zip(cases, expected, got) if e != g]
        assert not bad, f"{name}{imm}: {len(bad)} of {len(cases)} differ, first: operands, wasmtime, ours: {bad[:3]}"


def test_tables_hold_exactly_the_instructions():
    assert set(sf.OPS) == OPS_NAMES
    assert set(sf.RELAXED) == RELAXED_NAMES
    assert set(sf.RELAXED_DETERMINISTIC) == RELAXED_NAMES
    for name, fn in sf.OPS.items():
        assert getattr(sf, name.replace(".", "_")) is fn


@pytest.mark.parametrize("name", sorted(OPS_NAMES))
def test_op_matches_wasmtime(name):
    check(sf.OPS[name], name)


@pytest.mark.parametrize("deterministic", [False, True], ids=["native", "deterministic"])
@pytest.mark.parametrize("name", sorted(RELAXED_NAMES))
def test_relaxed_matches_wasmtime(name, deterministic):
    table = sf.RELAXED_DETERMINISTIC if deterministic else sf.RELAXED
    check(table[name], name, deterministic)


def test_deterministic_setting_reaches_wasmtime():
    # wasmtime-py silently accepts a misspelt Config attribute; the modes must differ here.
    case = [(vector([0x80] * 16, 8), vector([0x11] * 16, 8), vector([0x80] * 16, 8))]
    name = "i32x4.relaxed_laneselect"
    assert run_wasmtime(name, case, deterministic=False) != run_wasmtime(name, case, deterministic=True)


@pytest.mark.parametrize("shape", SHAPES)
def test_canonicalize(shape):
    bits = int(shape[1:3])
    edges = F32_EDGES if bits == 32 else F64_EDGES
    canonical = 0x7FC00000 if bits == 32 else 0x7FF8000000000000
    fn = getattr(sf, f"{shape}_canonicalize")
    exp, mantissa = (0x7F800000, 0x7FFFFF) if bits == 32 else (0x7FF0000000000000, (1 << 52) - 1)
    rng = random.Random(shape)
    for _ in range(300):
        lanes = [rng.choice(edges) if rng.random() < 0.7 else rng.getrandbits(bits) for _ in range(128 // bits)]
        want = [canonical if x & exp == exp and x & mantissa else x for x in lanes]
        assert fn(vector(lanes, bits)) == vector(want, bits)
