"""Every integer/bitwise SIMD function in simd_int.OPS against Wasmtime.

Per instruction, one module whose functions (one per immediate) load the
operands from memory, apply the instruction and store the result; inputs are
written and results read through the exported memory, so no v128 value crosses
wasmtime-py's function boundary (which it cannot handle).
"""

from __future__ import annotations

import random

import pytest
from wasmfuzz.runtime.binary.wat import wat2wasm
from wasmfuzz.runtime.vm import simd_int

wasmtime = pytest.importorskip("wasmtime")

ENGINE = wasmtime.Engine()
WIDTH = {"i8x16": 8, "i16x8": 16, "i32x4": 32, "i64x2": 64, "v128": 8}
SCALAR_BITS = {"i32": 32, "i64": 64, "v128": 128}
OFFSETS = (0, 16, 32)  # operands; a scalar sits at the same place as a v128 would
RESULT = 64

SHUFFLES = [tuple(range(16)), tuple(range(15, -1, -1)), tuple(range(16, 32)), (5,) * 16,
            (0, 16) * 8, (31, 0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12, 29, 14),
            tuple(random.Random(7).randrange(32) for _ in range(16))]
SHIFTS = [0, 1, 31, 32, 63, 64, 2**32 - 1]


def expected_names() -> set[str]:
    """The instruction list of the brief, written out independently of simd_int."""
    names = {f"v128.{op}" for op in ("not", "and", "andnot", "or", "xor", "bitselect", "any_true")}
    names |= {"i8x16.shuffle", "i8x16.swizzle", "i8x16.popcnt", "i16x8.q15mulr_sat_s", "i32x4.dot_i16x8_s"}
    shapes = ("i8x16", "i16x8", "i32x4", "i64x2")
    for s in shapes:
        names |= {f"{s}.{op}" for op in ("splat", "replace_lane", "eq", "ne", "abs", "neg", "all_true", "bitmask",
                                          "shl", "shr_s", "shr_u", "add", "sub")}
        names |= {f"{s}.{c}_s" for c in ("lt", "gt", "le", "ge")}
    for s in shapes[:3]:
        names |= {f"{s}.{c}_u" for c in ("lt", "gt", "le", "ge")}
        names |= {f"{s}.{op}_{u}" for op in ("min", "max") for u in "su"}
    for s in shapes[:2]:
        names |= {f"{s}.extract_lane_s", f"{s}.extract_lane_u", f"{s}.avgr_u"}
        names |= {f"{s}.{op}_{u}" for op in ("add_sat", "sub_sat") for u in "su"}
    names |= {"i32x4.extract_lane", "i64x2.extract_lane", "i16x8.mul", "i32x4.mul", "i64x2.mul"}
    names |= {f"{n}_{u}" for n in ("i8x16.narrow_i16x8", "i16x8.narrow_i32x4") for u in "su"}
    for wide, narrow in (("i16x8", "i8x16"), ("i32x4", "i16x8"), ("i64x2", "i32x4")):
        names |= {f"{wide}.{op}_{h}_{narrow}_{u}" for op in ("extend", "extmul") for h in ("low", "high") for u in "su"}
    names |= {f"{w}.extadd_pairwise_{n}_{u}" for w, n in (("i16x8", "i8x16"), ("i32x4", "i16x8")) for u in "su"}
    return names


def test_ops_cover_exactly_the_instruction_list():
    assert set(simd_int.OPS) == expected_names()
    for name, fn in simd_int.OPS.items():
        assert getattr(simd_int, name.replace(".", "_")) is fn


def signature(name: str):
    """(immediates, operand types, result type); immediates is [None] when there are none."""
    shape, op = name.split(".")
    lanes = 128 // WIDTH[shape]
    scalar = "i64" if shape == "i64x2" else "i32"
    if op == "shuffle":
        return SHUFFLES, ("v128", "v128"), "v128"
    if op.startswith("extract_lane"):
        return list(range(lanes)), ("v128",), scalar
    if op == "replace_lane":
        return list(range(lanes)), ("v128", scalar), "v128"
    if op == "splat":
        return [None], (scalar,), "v128"
    if op in ("shl", "shr_s", "shr_u"):
        return [None], ("v128", "i32"), "v128"
    if op in ("any_true", "all_true", "bitmask"):
        return [None], ("v128",), "i32"
    if op in ("not", "abs", "neg", "popcnt") or op.startswith(("extend_", "extadd_")):
        return [None], ("v128",), "v128"
    if op == "bitselect":
        return [None], ("v128", "v128", "v128"), "v128"
    return [None], ("v128", "v128"), "v128"


def module_text(name: str) -> str:
    imms, operands, result = signature(name)
    loads = " ".join(f"({t}.load (i32.const {o}))" for t, o in zip(operands, OFFSETS))
    funcs = []
    for k, imm in enumerate(imms):
        imm_text = "" if imm is None else " ".join(map(str, imm)) if isinstance(imm, tuple) else str(imm)
        funcs.append(f'(func (export "f{k}") ({result}.store (i32.const {RESULT}) ({name} {imm_text} {loads})))')
    return f'(module (memory (export "mem") 1) {" ".join(funcs)})'


def input_width(name: str) -> int:
    """Lane width of the operands: the narrow shape of extend/extmul/..., else the instruction's."""
    shape, op = name.split(".")
    for s in ("i8x16", "i16x8", "i32x4"):
        if f"_{s}" in op:
            return WIDTH[s]
    return WIDTH[shape]


def edges(w: int) -> list[int]:
    """Interesting lane values of width w, as unsigned ints."""
    m, lo = (1 << w) - 1, 1 << (w - 1)
    vals = [0, 1, 2, -1, -2, lo, lo + 1, lo - 1, lo - 2, 0x80, 0x7F, 0x81, 0xFF, 0x100, 0x8000, 0x7FFF, 0xFFFF]
    return sorted({v & m for v in vals})


def pack(lanes: list[int], w: int) -> int:
    return sum(x << (i * w) for i, x in enumerate(lanes))


def vectors(w: int, rng: random.Random, count: int) -> list[int]:
    """Vectors with every edge value in every lane position, then random ones."""
    e, n = edges(w), 128 // w
    out = [pack([e[(i + k) % len(e)] for i in range(n)], w) for k in range(len(e))]
    out += [pack([rng.choice(e) for _ in range(n)], w) for _ in range(count // 2)]
    out += [rng.getrandbits(128) for _ in range(count // 2)]
    return out


def vector_pairs(w: int, rng: random.Random) -> list[tuple[int, int]]:
    """Every pair of edge values side by side in some lane, equal operands, random pairs."""
    e, n = edges(w), 128 // w
    pairs = [(x, y) for x in e for y in e]
    out = []
    for k in range(0, len(pairs), n):
        chunk = pairs[k:k + n]
        chunk += pairs[:n - len(chunk)]
        out.append((pack([x for x, _ in chunk], w), pack([y for _, y in chunk], w)))
    out += [(v, v) for v in vectors(w, rng, 4)]
    out += [(a, b) for a, b in zip(vectors(w, rng, 40), vectors(w, rng, 40))]
    return out


def scalars(bits: int, rng: random.Random) -> list[int]:
    m = (1 << bits) - 1
    return sorted({v & m for w in (8, 16, 32, 64) if w <= bits for v in edges(w)}) + [rng.getrandbits(bits)
                                                                                        for _ in range(8)]


def swizzle_indices(rng: random.Random) -> list[int]:
    picks = list(range(16)) + [16, 17, 31, 0x7F, 0x80, 0xF0, 0xFF]
    out = [pack(picks[k:k + 16] + picks[:max(0, k + 16 - len(picks))], 8) for k in range(0, len(picks), 3)]
    return out + [pack([rng.choice(picks) for _ in range(16)], 8) for _ in range(10)]


def cases(name: str) -> list[tuple[int, ...]]:
    """Operand tuples (no immediates) for the instruction."""
    rng = random.Random(name)
    w = input_width(name)
    _, operands, _ = signature(name)
    shape, op = name.split(".")
    if operands == ("v128",):
        return [(v,) for v in vectors(w, rng, 30)]
    if op == "swizzle":
        vs = vectors(8, rng, 4)
        return [(v, s) for v in vs for s in swizzle_indices(rng)]
    if operands == ("v128", "v128"):
        return vector_pairs(w, rng)
    if op == "bitselect":
        vs = vectors(8, rng, 6)
        return [(a, b, c) for a, b in zip(vs, vs[3:]) for c in vs[:6]] + [tuple(rng.getrandbits(128) for _ in "abc")
                                                                          for _ in range(20)]
    if op in ("shl", "shr_s", "shr_u"):
        counts = sorted(set(SHIFTS + [w - 1, w, w + 1]))
        return [(v, n) for v in vectors(w, rng, 6) for n in counts]
    if op == "splat":
        return [(x,) for x in scalars(SCALAR_BITS[operands[0]], rng)]
    if op == "replace_lane":
        return [(v, x) for v in vectors(w, rng, 2)[:4] for x in scalars(SCALAR_BITS[operands[1]], rng)]
    raise AssertionError(f"no cases for {name}")


def run_wasmtime(name: str, inputs: list[tuple[int, ...]]) -> dict[tuple, int]:
    """{(immediate index, operands): result} from Wasmtime."""
    imms, operands, result = signature(name)
    store = wasmtime.Store(ENGINE)
    instance = wasmtime.Instance(store, wasmtime.Module(ENGINE, wat2wasm(module_text(name))), [])
    exports = instance.exports(store)
    mem = exports["mem"]
    size = SCALAR_BITS[result] // 8
    out = {}
    for k in range(len(imms)):
        f = exports[f"f{k}"]
        for args in inputs:
            for t, o, x in zip(operands, OFFSETS, args):
                mem.write(store, x.to_bytes(SCALAR_BITS[t] // 8, "little"), o)
            f(store)
            out[k, args] = int.from_bytes(mem.read(store, RESULT, RESULT + size), "little")
    return out


@pytest.mark.parametrize("name", sorted(expected_names()))
def test_matches_wasmtime(name):
    fn = simd_int.OPS[name]
    imms, _, result = signature(name)
    inputs = cases(name)
    want = run_wasmtime(name, inputs)
    limit = 1 << SCALAR_BITS[result]
    failures = []
    for (k, args), expected in want.items():
        imm = () if imms[k] is None else (imms[k],)
        got = fn(*imm, *args)
        if type(got) is not int or not 0 <= got < limit or got != expected:
            failures.append(f"{name}{imm + args!r} = {got!r}, Wasmtime: {expected:#x}")
    assert not failures, f"{len(failures)} of {len(want)} differ, e.g.\n" + "\n".join(failures[:5])
