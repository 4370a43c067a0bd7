"""Epoch interruption: checks at function entry and loop headers, trap, callback and async yield."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import wasmfuzz.runtime as wf

wasmtime = pytest.importorskip("wasmtime")

LOOP = """(module
  (import "env" "tick" (func $tick))
  (global $iters (export "iters") (mut i32) (i32.const 0))
  (func $callee)
  (func (export "spin") (loop $l (global.set $iters (i32.add (global.get $iters) (i32.const 1))) (br $l)))
  (func (export "tick_loop") (param i32)
    (loop $l
      (global.set $iters (i32.add (global.get $iters) (i32.const 1)))
      (if (i32.eq (global.get $iters) (local.get 0)) (then (call $tick)))
      (br $l)))
  (func (export "tick_then_call") (call $tick) (call $callee))
  (func (export "tick_every") (loop $l
    (global.set $iters (i32.add (global.get $iters) (i32.const 1))) (call $tick) (br $l)))
  (func (export "sum") (param i32) (result i64) (local i64)
    (loop $l
      (local.set 1 (i64.add (local.get 1) (i64.extend_i32_u (local.get 0))))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get 1)))"""


def setup(api, deadline: int = 1):
    config = api.Config()
    config.epoch_interruption = True
    engine = api.Engine(config)
    store = api.Store(engine)
    store.set_epoch_deadline(deadline)
    tick = api.Func(store, api.FuncType([], []), engine.increment_epoch)
    instance = api.Instance(store, api.Module(engine, LOOP), [tick])
    return engine, store, instance.exports(store)


def test_infinite_loop_is_interrupted_by_another_thread():
    engine, store, ex = setup(wf)
    ticker = threading.Timer(0.2, engine.increment_epoch)
    ticker.start()
    with pytest.raises(wf.Trap) as info:
        ex["spin"](store)
    assert info.value.trap_code == wf.TrapCode.INTERRUPT
    assert "wasm trap: interrupt" in str(info.value)
    assert ex["iters"].value(store) > 0


def test_deadline_in_the_past_interrupts_at_the_next_check():
    engine, store, ex = setup(wf, deadline=0)
    with pytest.raises(wf.Trap) as info:
        ex["sum"](store, 10)
    assert info.value.trap_code == wf.TrapCode.INTERRUPT


@pytest.mark.parametrize("n", [1, 2, 5, 100])
def test_interrupt_point_matches_wasmtime(n):
    """The epoch advances at iteration n from inside the loop; the loop header
    check after that must stop both engines after the same iteration."""
    seen = []
    for api in (wf, wasmtime):
        engine, store, ex = setup(api)
        with pytest.raises(api.Trap) as info:
            ex["tick_loop"](store, n)
        assert info.value.trap_code.name == "INTERRUPT"
        seen.append(ex["iters"].value(store))
    assert seen[0] == seen[1] == n


def test_function_entry_is_a_check_point_as_in_wasmtime():
    outcomes = []
    for api in (wf, wasmtime):
        engine, store, ex = setup(api)
        try:
            ex["tick_then_call"](store)
            outcomes.append("returned")
        except api.Trap as t:
            outcomes.append(t.trap_code.name)
    assert outcomes == ["INTERRUPT", "INTERRUPT"]


def test_callback_extends_the_deadline_or_interrupts():
    engine, store, ex = setup(wf)
    calls = []

    def callback(s):
        calls.append(ex["iters"].value(s))
        return 1 if len(calls) < 3 else None

    store.epoch_deadline_callback(callback)
    with pytest.raises(wf.Trap) as info:
        ex["tick_every"](store)  # the epoch advances once per iteration
    assert info.value.trap_code == wf.TrapCode.INTERRUPT
    assert calls == [1, 2, 3]


def test_callback_continuing_lets_the_call_finish():
    engine, store, ex = setup(wf, deadline=0)
    store.epoch_deadline_callback(lambda s: 10)
    assert ex["sum"](store, 1000) == 500500


def test_async_calls_interleave_and_return_uninterrupted_results(monkeypatch):
    from wasmfuzz.runtime.vm import async_call
    yields = []
    real_yield = async_call.yield_to_event_loop

    def counting_yield():
        yields.append(1)
        real_yield()

    monkeypatch.setattr(async_call, "yield_to_event_loop", counting_yield)
    engine, store, ex = setup(wf)
    store.epoch_deadline_async_yield_and_update(1)
    expected = {n: ex["sum"](store, n) for n in (200_000, 300_000, 400_000)}
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            engine.increment_epoch()
            time.sleep(0.001)

    thread = threading.Thread(target=ticker)
    thread.start()
    order = []

    async def one(n):
        result = await ex["sum"].call_async(store, n)
        order.append(n)
        return result

    async def side_task(log):
        for _ in range(20):
            log.append("side")
            await asyncio.sleep(0)

    async def main():
        log = []
        results = await asyncio.gather(*(one(n) for n in expected), side_task(log))
        return results[:-1], log

    try:
        results, log = asyncio.run(main())
    finally:
        stop.set()
        thread.join()
    assert dict(zip(expected, results)) == expected
    assert len(yields) >= 3  # the calls really were suspended mid-loop and resumed
    assert len(log) == 20  # and the event loop ran other tasks meanwhile


def test_yield_from_a_synchronous_call_is_an_error():
    engine, store, ex = setup(wf, deadline=0)
    store.epoch_deadline_async_yield_and_update(1)
    with pytest.raises(wf.WasmtimeError, match="call_async"):
        ex["sum"](store, 10)


def test_epoch_api_requires_epoch_interruption():
    with pytest.raises(wf.WasmtimeError, match="epoch interruption is not enabled"):
        wf.Store().set_epoch_deadline(1)


def test_stores_of_one_engine_are_woken_at_their_own_deadlines():
    """Many stores on one engine, deadlines 1..5 ticks away: each call is
    interrupted once the epoch reaches its own store's deadline, however
    the others' are set (stores wait by deadline; a tick wakes only those due)."""
    config = wf.Config()
    config.epoch_interruption = True
    engine = wf.Engine(config)
    module = wf.Module(engine, LOOP.replace('(import "env" "tick" (func $tick))', "")
                       .replace("(call $tick)", "(nop)"))
    stores = []
    for deadline in [1, 2, 3, 4, 5] * 4:
        store = wf.Store(engine)
        store.set_epoch_deadline(deadline)
        stores.append((deadline, store, wf.Instance(store, module, []).exports(store)["sum"]))
    for tick in range(1, 6):
        engine.increment_epoch()
        for deadline, store, run in stores:
            if deadline > tick:
                assert run(store, 10) == 55
            else:
                with pytest.raises(wf.Trap) as info:
                    run(store, 10)
                assert info.value.trap_code == wf.TrapCode.INTERRUPT


def test_freed_stores_leave_no_deadlines_behind():
    """A store freed before its deadline came is forgotten: an engine a whole
    campaign keeps does not collect a deadline for every store it ever had."""
    config = wf.Config()
    config.epoch_interruption = True
    engine = wf.Engine(config)
    for i in range(2000):
        wf.Store(engine).set_epoch_deadline(1 << 40)
        engine.increment_epoch()
    assert len(engine._epoch._waiting) < 200
    for i in range(20_000):  # every store waiting for the same deadline, as the oracles' stores do
        wf.Store(engine).set_epoch_deadline(1 << 40)
    assert sum(len(refs) for refs in engine._epoch._waiting.values()) < 200
