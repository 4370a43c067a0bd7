"""Threads: shared memories, atomic instructions, wait/notify across real threads."""

from __future__ import annotations

import sys
import threading
import time

import pytest
import wasmfuzz.runtime as wf

wasmtime = pytest.importorskip("wasmtime")


def threads_config(api, shared_memory: bool = True):
    c = api.Config()
    c.wasm_threads = True
    c.wasm_memory64 = True
    c.shared_memory = shared_memory
    return c


ENGINE = wf.Engine(threads_config(wf))
WASMTIME_ENGINE = wasmtime.Engine(threads_config(wasmtime))

# --- which trap wins, measured against Wasmtime -------------------------------------

OPS = {
    "load": "(drop (i32.atomic.load offset={o} ({ix}.const {a})))",
    "store": "(i32.atomic.store offset={o} ({ix}.const {a}) (i32.const 1))",
    "rmw": "(drop (i32.atomic.rmw.add offset={o} ({ix}.const {a}) (i32.const 1)))",
    "cmpxchg": "(drop (i32.atomic.rmw.cmpxchg offset={o} ({ix}.const {a}) (i32.const 1) (i32.const 1)))",
    "notify": "(drop (memory.atomic.notify offset={o} ({ix}.const {a}) (i32.const 1)))",
    "wait": "(drop (memory.atomic.wait32 offset={o} ({ix}.const {a}) (i32.const 1) (i64.const 0)))",
}
# (64-bit memory, index, offset): misaligned and out of bounds at once, sums
# overflowing the index type (aligned or not), plain misaligned, in bounds.
EDGES = [(False, 4, 0xFFFFFFFF), (False, 0xFFFFFFFC, 8), (False, 0xFFFFFFFD, 0), (False, 1, 0x10000),
         (False, 65532, 0), (True, 2**64 - 1, 4), (True, 2**64 - 1, 5), (True, 2**64 - 2, 1),
         (True, 2**63 + 1, 2**63), (True, 2**63, 2**63 + 4), (True, 2**64 - 4, 0), (True, 8, 65528)]


def outcome(api, engine, wat: str):
    store = api.Store(engine)
    instance = api.Instance(store, api.Module(engine, wat), [])
    try:
        instance.exports(store)["f"](store)
        return "ok"
    except api.Trap as t:
        return t.trap_code.name


@pytest.mark.parametrize("shared", [False, True], ids=["unshared", "shared"])
@pytest.mark.parametrize("is64, index, offset", EDGES)
@pytest.mark.parametrize("op", sorted(OPS))
def test_atomic_trap_order_matches_wasmtime(op, is64, index, offset, shared):
    ix = "i64" if is64 else "i32"
    memory = f"(memory {'i64 ' if is64 else ''}1 1{' shared' if shared else ''})"
    wat = f'(module {memory} (func (export "f") {OPS[op].format(o=offset, a=index, ix=ix)}))'
    assert outcome(wf, ENGINE, wat) == outcome(wasmtime, WASMTIME_ENGINE, wat)


def test_misaligned_wins_over_out_of_bounds():
    wat = '(module (memory 1 1) (func (export "f") (drop (i64.atomic.load offset=1 (i32.const 0xFFFFFFF0)))))'
    assert outcome(wf, ENGINE, wat) == "HEAP_MISALIGNED"


def test_wait_on_an_unshared_memory_traps_after_the_address_checks():
    wat = '(module (memory 1) (func (export "f") (drop (memory.atomic.wait64 (i32.const {}) (i64.const 0) (i64.const 0)))))'
    assert outcome(wf, ENGINE, wat.format(0)) == "ATOMIC_WAIT_NON_SHARED_MEMORY"
    assert outcome(wf, ENGINE, wat.format(4)) == "HEAP_MISALIGNED"
    assert outcome(wf, ENGINE, wat.format(65536)) == "MEMORY_OUT_OF_BOUNDS"


# --- shared memories across threads --------------------------------------------------

WAITER = '''(module
  (import "env" "mem" (memory 1 1 shared))
  (func (export "wait") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32 i32) (result i32)
    (memory.atomic.notify (local.get 0) (local.get 1)))
  (func (export "add") (param i32 i32)
    (loop $l
      (drop (i32.atomic.rmw.add (i32.const 64) (i32.const 1)))
      (br_if $l (local.tee 1 (i32.sub (local.get 1) (i32.const 1))))))
  (func (export "get") (param i32) (result i32) (i32.atomic.load (local.get 0)))
  (func (export "set") (param i32 i32) (i32.atomic.store (local.get 0) (local.get 1))))'''
MODULE = wf.Module(ENGINE, WAITER)


def shared_memory():
    return wf.SharedMemory(ENGINE, wf.MemoryType(wf.Limits(1, 1), shared=True))


def exports_for(mem):
    """The exports of a fresh instance, in a store of its own, importing ``mem``:
    one per thread, as wasmtime-py's threading model asks."""
    store = wf.Store(ENGINE)
    ex = wf.Instance(store, MODULE, [mem]).exports(store)
    return {name: (lambda f: lambda *a: f(store, *a))(ex[name]) for name in ex}


def in_thread(fn, *args):
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", fn(*args)), daemon=True)
    thread.start()
    return thread, result


def test_wait_returns_not_equal_or_times_out():
    ex = exports_for(shared_memory())
    assert ex["wait"](0, 1, 0) == 1  # memory holds 0, not 1
    start = time.monotonic()
    assert ex["wait"](0, 0, 20_000_000) == 2  # 20 ms
    assert time.monotonic() - start >= 0.019


def test_notify_wakes_a_thread_blocked_in_wait():
    mem = shared_memory()
    waiter, result = in_thread(exports_for(mem)["wait"], 8, 0, -1)  # no timeout
    main = exports_for(mem)
    deadline = time.monotonic() + 10
    woken = 0
    while not woken and time.monotonic() < deadline:  # until the waiter is queued
        woken = main["notify"](8, 1)
        time.sleep(0.001)
    waiter.join(10)
    assert (woken, result) == (1, {"value": 0})
    assert main["notify"](8, 1) == 0  # nobody left


def test_notify_wakes_at_most_count_waiters_on_that_address():
    mem = shared_memory()
    waiters = [in_thread(exports_for(mem)["wait"], 16, 0, 5_000_000_000) for _ in range(3)]
    other, other_result = in_thread(exports_for(mem)["wait"], 20, 0, 200_000_000)
    main = exports_for(mem)
    deadline = time.monotonic() + 10
    while sum(len(q) for q in mem._mem.waiters.values()) < 4 and time.monotonic() < deadline:
        time.sleep(0.001)
    assert main["notify"](16, 2) == 2
    assert main["notify"](16, 5) == 1
    for thread, _ in waiters:
        thread.join(10)
    other.join(10)
    assert [r for _, r in waiters] == [{"value": 0}] * 3
    assert other_result == {"value": 2}  # a different address: never woken, timed out


def test_read_modify_write_is_atomic_across_threads():
    mem = shared_memory()
    start = threading.Barrier(4)

    def add(ex):
        start.wait()  # all four run the loop at the same time
        ex["add"](0, 20_000)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as CPython will
    try:
        threads = [in_thread(add, exports_for(mem))[0] for _ in range(4)]
        for thread in threads:
            thread.join(60)
    finally:
        sys.setswitchinterval(old)
    assert exports_for(mem)["get"](64) == 4 * 20_000


def test_stores_from_one_thread_are_seen_by_another():
    mem = shared_memory()
    a, b = exports_for(mem), exports_for(mem)
    a["set"](32, 0xDEAD)
    assert b["get"](32) == 0xDEAD
    assert mem.grow(0) == 1 and mem.size() == 1 and mem.data_len() == 65536


# --- the API of shared memories -----------------------------------------------------

def test_shared_memories_need_config_shared_memory():
    engine = wf.Engine(threads_config(wf, shared_memory=False))
    ty = wf.MemoryType(wf.Limits(1, 2), shared=True)
    with pytest.raises(wf.WasmtimeError, match="shared_memory"):
        wf.SharedMemory(engine, ty)
    module = wf.Module(engine, "(module (memory 1 2 shared))")
    with pytest.raises(wf.WasmtimeError, match="shared_memory"):
        wf.Instance(wf.Store(engine), module, [])


def test_shared_memory_types_are_checked():
    with pytest.raises(wf.WasmtimeError, match="maximum"):
        wf.MemoryType(wf.Limits(1, None), shared=True)
    with pytest.raises(wf.WasmtimeError, match="shared MemoryType"):
        wf.SharedMemory(ENGINE, wf.MemoryType(wf.Limits(1, 2)))
    with pytest.raises(wf.WasmtimeError, match="SharedMemory"):
        wf.Memory(wf.Store(ENGINE), wf.MemoryType(wf.Limits(1, 2), shared=True))


def test_exported_shared_memory_is_a_shared_memory_that_grows_to_its_maximum():
    store = wf.Store(ENGINE)
    ex = wf.Instance(store, wf.Module(ENGINE, '(module (memory (export "m") 1 3 shared))'), []).exports(store)
    mem = ex["m"]
    assert isinstance(mem, wf.SharedMemory) and mem.type().is_shared
    assert mem.grow(2) == 1
    with pytest.raises(wf.WasmtimeError, match="failed to grow"):
        mem.grow(1)
    with pytest.raises(wf.WasmtimeError, match="memory types differ"):
        wf.Instance(store, wf.Module(ENGINE, '(module (import "" "m" (memory 1 3)))'), [mem])
