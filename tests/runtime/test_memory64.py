"""memory64 and multi-memory: memory instructions at edge addresses, and the host API.

The property tests build a module of memory operations (loads, stores,
atomics, grow, size, fill, copy, on one or two memories, 32- or 64-bit) with
addresses and offsets drawn from where bounds checks go wrong: 0, the last
byte, one past it, 2^32-1, 2^32, 2^63, 2^64-1, plus offsets up to 2^64-1,
so ``address + offset`` overflows 32 and 64 bits. Each operation runs on
wasmfuzz and on wasmtime-py, one after the other, and after each the
result (value or trap code) and every memory's bytes must be the same.
"""

from __future__ import annotations

import hashlib
import struct

import pytest
import wasmfuzz.runtime as wf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wasmfuzz.runtime.vm import membuf

wasmtime = pytest.importorskip("wasmtime")

PAGE = 65536
U32, U64 = (1 << 32) - 1, (1 << 64) - 1
# access -> (value type, bytes)
LOADS = {"i32.load": ("i32", 4), "i64.load": ("i64", 8), "f64.load": ("f64", 8), "i32.load8_s": ("i32", 1),
         "i32.load8_u": ("i32", 1), "i32.load16_s": ("i32", 2), "i64.load16_u": ("i64", 2),
         "i64.load32_s": ("i64", 4), "i32.atomic.load": ("i32", 4), "i64.atomic.load8_u": ("i64", 1),
         "i64.atomic.load32_u": ("i64", 4)}
STORES = {"i32.store": ("i32", 4), "i64.store": ("i64", 8), "i32.store8": ("i32", 1), "i64.store16": ("i64", 2),
          "i64.store32": ("i64", 4), "i64.atomic.store": ("i64", 8), "i32.atomic.store16": ("i32", 2)}
RMWS = {"i32.atomic.rmw.add": "i32", "i64.atomic.rmw8.sub_u": "i64", "i32.atomic.rmw16.xchg_u": "i32",
        "i64.atomic.rmw.or": "i64", "i64.atomic.rmw32.cmpxchg_u": "i64", "i32.atomic.rmw.cmpxchg": "i32"}


def config(api):
    c = api.Config()
    c.wasm_memory64 = True
    c.wasm_multi_memory = True
    c.wasm_threads = True
    return c


ENGINES = {"wasmfuzz": (wf, wf.Engine(config(wf))), "wasmtime": (wasmtime, wasmtime.Engine(config(wasmtime)))}


# --- programs --------------------------------------------------------------------

@st.composite
def memories(draw):
    out = []
    for _ in range(draw(st.integers(1, 2))):
        lo = draw(st.integers(0, 2))
        hi = draw(st.one_of(st.none(), st.integers(lo, lo + 2)))
        out.append((draw(st.booleans()), lo, hi))
    return out


def addresses(is64: bool, pages: int):
    size = pages * PAGE
    edges = [0, 1, 4, size - 8, size - 4, size - 1, size, size + 1, 0x7FFFFFFF, U32 - 3, U32]
    if is64:
        edges += [1 << 32, (1 << 32) + 4, 1 << 63, U64 - 7, U64]
    return st.one_of(st.sampled_from([a for a in edges if 0 <= a <= (U64 if is64 else U32)]),
                     st.integers(0, size + 16))


def offsets(is64: bool):
    edges = [0, 1, 4, 8, PAGE - 1, PAGE, U32]
    if is64:
        edges += [1 << 32, 1 << 63, U64 - 7, U64]
    return st.one_of(st.sampled_from(edges), st.integers(0, 16))


def lengths(is64: bool, pages: int):
    edges = [0, 1, pages * PAGE, pages * PAGE + 1, U32] + ([U64] if is64 else [])
    return st.one_of(st.sampled_from(edges), st.integers(0, 32))


@st.composite
def operations(draw, mems):
    """One operation as WAT: a function body with its result type."""
    m = draw(st.integers(0, len(mems) - 1))
    is64, pages, _ = mems[m]
    ix = "i64" if is64 else "i32"
    kind = draw(st.sampled_from(["load", "store", "rmw", "grow", "size", "fill", "copy", "notify", "wait"]))
    addr = f"({ix}.const {draw(addresses(is64, pages))})"
    offset = draw(offsets(is64))
    if kind == "load":
        access = draw(st.sampled_from(sorted(LOADS)))
        return f"(result {LOADS[access][0]}) ({access} $m{m} offset={offset} {addr})"
    if kind in ("store", "rmw"):
        access = draw(st.sampled_from(sorted(STORES) if kind == "store" else sorted(RMWS)))
        ty = STORES[access][0] if kind == "store" else RMWS[access]
        values = " ".join(f"({ty}.const {draw(st.integers(0, U32))})"
                          for _ in range(2 if "cmpxchg" in access else 1))
        result = f"(result {ty}) " if kind == "rmw" else ""
        return f"{result}({access} $m{m} offset={offset} {addr} {values})"
    if kind == "grow":
        delta = draw(st.sampled_from([0, 1, 2, U32] + ([1 << 48, U64] if is64 else [])))
        return f"(result {ix}) (memory.grow $m{m} ({ix}.const {delta}))"
    if kind == "size":
        return f"(result {ix}) (memory.size $m{m})"
    if kind == "fill":
        n = draw(lengths(is64, pages))
        return f"(memory.fill $m{m} {addr} (i32.const {draw(st.integers(0, 255))}) ({ix}.const {n}))"
    if kind == "copy":
        s = draw(st.integers(0, len(mems) - 1))
        s64, spages, _ = mems[s]
        nx = "i64" if is64 and s64 else "i32"  # the length is i32 unless both are 64-bit
        n = draw(lengths(nx == "i64", min(pages, spages)))
        src = f"({'i64' if s64 else 'i32'}.const {draw(addresses(s64, spages))})"
        return f"(memory.copy $m{m} $m{s} {addr} {src} ({nx}.const {n}))"
    if kind == "notify":
        return f"(result i32) (memory.atomic.notify $m{m} offset={offset} {addr} (i32.const 1))"
    # wait on an unshared memory: traps (after the alignment and bounds checks)
    return f"(result i32) (memory.atomic.wait32 $m{m} offset={offset} {addr} (i32.const 0) (i64.const 0))"


@st.composite
def programs(draw):
    mems = draw(memories())
    ops = draw(st.lists(operations(mems), min_size=1, max_size=8))
    lines = ["(module"]
    for k, (is64, lo, hi) in enumerate(mems):
        limits = f"{lo}" if hi is None else f"{lo} {hi}"
        lines.append(f'  (memory $m{k} (export "m{k}") {"i64 " if is64 else ""}{limits})')
    if mems[0][1]:
        lines.append(f'  (data (memory $m0) ({"i64" if mems[0][0] else "i32"}.const 0) "\\01\\02\\03\\04\\f0\\ff")')
    lines += [f'  (func (export "op{k}") {op})' for k, op in enumerate(ops)]
    return "\n".join(lines) + ")", len(ops), len(mems)


# --- running ---------------------------------------------------------------------

def _plain(value):
    """A result comparable across engines: floats by their bits, ints as unsigned."""
    if isinstance(value, float):
        return ("f64", struct.unpack("<Q", struct.pack("<d", value))[0])
    return value & U64 if isinstance(value, int) else value


def run(engine: str, wat: str, nops: int, nmems: int) -> list:
    """Each operation's outcome and the memories' digest after it."""
    api, eng = ENGINES[engine]
    store = api.Store(eng)
    ex = api.Instance(store, api.Module(eng, wat), []).exports(store)
    out = []
    for k in range(nops):
        try:
            result = ("ok", _plain(ex[f"op{k}"](store)))
        except api.Trap as t:
            result = ("trap", t.trap_code.name)
        digests = [hashlib.sha1(ex[f"m{i}"].read(store)).hexdigest() for i in range(nmems)]
        out.append((k, result, [ex[f"m{i}"].size(store) for i in range(nmems)], digests))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_memory_operations_match_wasmtime(program):
    wat, nops, nmems = program
    assert run("wasmfuzz", wat, nops, nmems) == run("wasmtime", wat, nops, nmems), wat


# --- targeted cases ------------------------------------------------------------

def instance(wat: str, store=None):
    store = store or wf.Store(ENGINES["wasmfuzz"][1])
    return store, wf.Instance(store, wf.Module(store.engine, wat), []).exports(store)


def trap_code(fn, *args):
    with pytest.raises(wf.Trap) as info:
        fn(*args)
    return info.value.trap_code


def test_address_plus_offset_past_2_64_traps_without_wrapping():
    store, ex = instance('''(module (memory i64 1)
      (func (export "load") (param i64) (result i32) (i32.load offset=0xFFFFFFFFFFFFFFFF (local.get 0)))
      (func (export "store") (param i64) (i64.store8 offset=0xFFFFFFFFFFFFFFFF (local.get 0) (i64.const 7)))
      (func (export "at0") (result i32) (i32.load8_u (i64.const 0))))''')
    for index in (0, 1, 2, (1 << 63), -1):  # -1 is 2^64-1: the sum would wrap to offset-1
        assert trap_code(ex["load"], store, index) == wf.TrapCode.MEMORY_OUT_OF_BOUNDS
        assert trap_code(ex["store"], store, index) == wf.TrapCode.MEMORY_OUT_OF_BOUNDS
    assert ex["at0"](store) == 0


def test_failed_grow_of_a_64_bit_memory_is_minus_one_as_i64():
    store, ex = instance('''(module (memory i64 1 3)
      (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
      (func (export "size") (result i64) (memory.size)))''')
    assert ex["grow"](store, 2) == 1
    for delta in (1, 1 << 32, 1 << 48, -1):
        assert ex["grow"](store, delta) == -1
    assert ex["size"](store) == 3


def test_copy_between_a_32_and_a_64_bit_memory_checks_both_ranges_first():
    store, ex = instance('''(module
      (memory $a 1) (memory $b i64 2)
      (data (memory $a) (i32.const 10) "hello")
      (func (export "a_to_b") (param i64 i32 i32) (memory.copy $b $a (local.get 0) (local.get 1) (local.get 2)))
      (func (export "b_to_a") (param i32 i64 i32) (memory.copy $a $b (local.get 0) (local.get 1) (local.get 2)))
      (export "a" (memory $a)) (export "b" (memory $b)))''')
    ex["a_to_b"](store, 2 * PAGE - 5, 10, 5)
    assert ex["b"].read(store, 2 * PAGE - 5) == b"hello"
    ex["b_to_a"](store, PAGE - 5, 2 * PAGE - 5, 5)
    assert ex["a"].read(store, PAGE - 5) == b"hello"
    before = (ex["a"].read(store), ex["b"].read(store))
    assert trap_code(ex["a_to_b"], store, 2 * PAGE - 4, 10, 5) == wf.TrapCode.MEMORY_OUT_OF_BOUNDS
    assert trap_code(ex["b_to_a"], store, 0, (1 << 63), 1) == wf.TrapCode.MEMORY_OUT_OF_BOUNDS
    assert (ex["a"].read(store), ex["b"].read(store)) == before  # no partial copy


def test_data_segments_target_any_memory():
    store, ex = instance('''(module
      (memory $a 1) (memory $b i64 1) (memory $c 1)
      (data (memory $c) (i32.const 5) "c") (data (memory $b) (i64.const 65535) "b")
      (export "a" (memory $a)) (export "b" (memory $b)) (export "c" (memory $c)))''')
    assert ex["b"].read(store, PAGE - 1) == b"b"
    assert ex["c"].read(store, 5, 6) == b"c"
    assert ex["a"].read(store) == bytes(PAGE)


def test_memory_that_starts_empty_grown_by_a_callee_is_seen_by_the_caller():
    store, ex = instance('''(module (memory 0)
      (func $grow (drop (memory.grow (i32.const 1))))
      (func (export "f") (result i32)
        (call $grow)
        (i32.store (i32.const 100) (i32.const 42))
        (i32.load (i32.const 100))))''')
    assert ex["f"](store) == 42


def test_buffer_changes_at_most_once_then_grows_in_place():
    mem = wf.Memory(wf.Store(ENGINES["wasmfuzz"][1]), wf.MemoryType(wf.Limits(1, None), is_64=True))
    mem.write(None, b"kept", PAGE - 4)
    assert mem.grow(None, 1) == 1
    buf = mem._mem.data
    for _ in range(3):
        assert mem.grow(None, 1000) > 1
        assert mem._mem.data is buf or not membuf._USE_MMAP
    assert mem.data_len() == 3002 * PAGE and mem.read(None, 3002 * PAGE - 1) == b"\0"
    assert mem.read(None, PAGE - 4, PAGE) == b"kept"


# --- host API -------------------------------------------------------------------

def test_host_api_takes_64_bit_sizes_and_offsets():
    store = wf.Store(ENGINES["wasmfuzz"][1])
    ty = wf.MemoryType(wf.Limits(1, 1 << 48), is_64=True)
    assert (ty.is_64, ty.limits.max) == (True, 1 << 48)
    mem = wf.Memory(store, ty)
    assert mem.type(store).is_64 and mem.size(store) == 1
    assert mem.grow(store, 1) == 1
    for delta in ((1 << 48), U64):
        with pytest.raises(wf.WasmtimeError, match="failed to grow"):
            mem.grow(store, delta)
    with pytest.raises(wf.WasmtimeError):
        mem.grow(store, 1 << 64)
    assert mem.write(store, b"xy", 2 * PAGE - 2) == 2
    assert mem.read(store, 2 * PAGE - 2, 1 << 64) == b"xy"
    assert mem.read(store, 1 << 63, 1 << 64) == b""
    with pytest.raises(IndexError):
        mem.write(store, b"z", 1 << 63)


@pytest.mark.parametrize("limits, is64, message", [
    ((65537, None), False, "minimum size"),
    ((1, 65537), False, "maximum size"),
    ((2, 1), False, "maximum size"),
    (((1 << 48) + 1, None), True, "minimum size"),
    ((1, None), False, None),
])
def test_memory_type_limits_are_checked_against_the_index_type(limits, is64, message):
    if message is None:
        wf.MemoryType(wf.Limits(*limits), is_64=is64)
        return
    with pytest.raises(wf.WasmtimeError, match=message):
        wf.MemoryType(wf.Limits(*limits), is_64=is64)


def test_store_memory_limit_applies_to_64_bit_memories():
    store = wf.Store(ENGINES["wasmfuzz"][1])
    store.set_limits(memory_size=3 * PAGE)
    wat = '(module (memory (export "m") i64 2) (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0))))'
    store, ex = instance(wat, store)
    assert ex["grow"](store, 2) == -1
    assert ex["grow"](store, 1) == 2
    with pytest.raises(wf.WasmtimeError, match="exceeds memory limits"):
        instance(wat.replace("i64 2", "i64 4"), store)


def test_store_memory_limit_applies_to_pooled_memories_too():
    from wasmfuzz.runtime import PoolingAllocationConfig
    config = wf.Config()
    config.allocation_strategy = "pooling"
    config.pooling_allocation_config = PoolingAllocationConfig(total_core_instances=4, total_memories=4,
                                                               total_tables=4)
    store = wf.Store(wf.Engine(config))
    store.set_limits(memory_size=PAGE)
    with pytest.raises(wf.WasmtimeError, match="exceeds memory limits"):
        wf.Instance(store, wf.Module(store.engine, "(module (memory 2))"), [])
