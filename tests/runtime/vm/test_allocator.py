"""Instance allocation: pooling limits, slot reuse across stores, reset of reused slots."""

import gc
import threading

import pytest
from wasmfuzz.runtime import Config, Engine, Instance, Module, PoolingAllocationConfig, Store, WasmtimeError

WAT = """(module
  (memory (export "m") 1 4)
  (table (export "t") 2 10 funcref)
  (data (i32.const 8) "\\01\\02")
  (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"""


def pooling(**limits) -> Engine:
    config = Config()
    config.allocation_strategy = "pooling"
    config.pooling_allocation_config = PoolingAllocationConfig(**limits)
    return Engine(config)


def test_instance_limit_is_a_clear_error_and_slots_come_back_on_close():
    engine = pooling(total_core_instances=2)
    module = Module(engine, WAT)
    stores = [Store(engine) for _ in range(3)]
    Instance(stores[0], module, [])
    Instance(stores[1], module, [])
    with pytest.raises(WasmtimeError, match="maximum concurrent core instance limit of 2"):
        Instance(stores[2], module, [])
    stores[0].close()
    Instance(stores[2], module, [])


def test_slots_of_collected_stores_are_reused():
    engine = pooling(total_core_instances=1, total_memories=1, total_tables=1)
    module = Module(engine, WAT)
    for _ in range(5):
        store = Store(engine)
        Instance(store, module, [])
        del store
        gc.collect()


def test_reused_memory_slot_starts_from_the_module_image():
    engine = pooling(total_core_instances=1)
    module = Module(engine, WAT)
    store = Store(engine)
    ex = Instance(store, module, []).exports(store)
    ex["poke"](store, 8, 99)
    ex["poke"](store, 1000, 7)
    assert ex["grow"](store, 2) == 1
    ex["poke"](store, 65536 * 2, 5)
    store.close()
    store2 = Store(engine)
    ex2 = Instance(store2, module, []).exports(store2)
    assert [ex2["peek"](store2, a) for a in (8, 9, 1000)] == [1, 2, 0]
    assert ex2["m"].size(store2) == 1


def test_memory_larger_than_a_slot_is_refused_and_growth_stops_at_the_slot():
    engine = pooling(max_memory_size=2 * 65536)
    with pytest.raises(WasmtimeError, match="max_memory_size"):
        Instance(Store(engine), Module(engine, "(module (memory 3))"), [])
    store = Store(engine)
    ex = Instance(store, Module(engine, WAT), []).exports(store)
    assert ex["grow"](store, 1) == 1
    assert ex["grow"](store, 1) == -1


def test_table_elements_limit():
    engine = pooling(table_elements=5)
    with pytest.raises(WasmtimeError, match="table_elements"):
        Instance(Store(engine), Module(engine, "(module (table 6 funcref))"), [])


def test_allocation_strategy_must_be_known():
    with pytest.raises(WasmtimeError):
        Config().allocation_strategy = "arena"


def test_slots_released_by_a_finalizer_inside_the_allocators_lock_do_not_deadlock():
    """The cycle collector may run a dropped store's finalizer at any allocation,
    including one the allocator makes while it holds its lock."""
    engine = pooling(total_core_instances=4)
    module = Module(engine, WAT)
    allocator = engine._allocator
    store = Store(engine)
    Instance(store, module, [])
    slots = store._pool_slots

    def release_while_locked():
        with allocator._lock:
            allocator._release(slots)  # what the finalizer does

    worker = threading.Thread(target=release_while_locked, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "releasing slots inside the allocator's lock deadlocked"
    assert allocator._instances == 0
