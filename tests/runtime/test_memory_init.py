"""Static memory initialisation: the same decision as Wasmtime's, seen through fuel.

Wasmtime turns a module's data segments into one static image per memory
when every active segment is a constant, in-bounds offset into a defined
memory and each memory's initialised span (lowest to highest non-empty
byte) is under twice its data or under ``memory_guaranteed_dense_image_size``
(16 MiB); such segments cost no fuel at instantiation, others cost 1 per
offset operator and per byte. Each module here is instantiated on wasmfuzz
(lazy and eager tables, with and without ``memory_init_cow``) and on
wasmtime-py, at budgets around what instantiation costs, and the outcome,
fuel left and memory contents must be the same.
"""

from __future__ import annotations

import pytest
import wasmfuzz.runtime as wf

wasmtime = pytest.importorskip("wasmtime")

MODULES = {
    # Rust's layout: data after a 1 MiB stack (issue 17's smallest case).
    "after_1mib": '(module (memory (export "m") 17) (data (i32.const 0x100000) "x"))',
    "low": '(module (memory (export "m") 1) (data (i32.const 0) "abc") (data (i32.const 100) "de"))',
    "span_just_under_16mib": '(module (memory (export "m") 300) (data (i32.const 0) "a") (data (i32.const 0xfffffe) "b"))',
    "span_16mib": '(module (memory (export "m") 300) (data (i32.const 0) "a") (data (i32.const 0xffffff) "b"))',
    "high_and_dense": '(module (memory (export "m") 600) (data (i32.const 0x2000000) "abcd") (data (i32.const 0x2000006) "ef"))',
    "overlapping": '(module (memory (export "m") 600) (data (i32.const 0x2000000) "abcd") (data (i32.const 0x2000001) "XY"))',
    "far_empty_segment": '(module (memory (export "m") 600) (data (i32.const 0) "abcd") (data (i32.const 0x2000000) ""))',
    "zeros_only": '(module (memory (export "m") 1) (data (i32.const 8) "\\00\\00"))',
    "passive_and_sparse": '(module (memory (export "m") 600) (data "zz") (data (i32.const 0) "a") (data (i32.const 0x1000001) "b"))',
    "memory64_high": '(module (memory (export "m") i64 70000) (data (i64.const 0x100000000) "abcd"))',
    "out_of_bounds_later": '(module (memory (export "m") 1) (data (i32.const 0) "abcd") (data (i32.const 65535) "ef"))',
    "two_memories": '(module (memory (export "m") 1) (memory 1) (data (memory 1) (i32.const 0) "\\01"))',
    # Data in every memory: Wasmtime charges nothing, where data in only some of them costs a fuel check.
    "data_in_both_memories": '(module (memory (export "m") 1) (memory 2) (data (memory 0) (i32.const 100) "ab") '
                             '(data (memory 1) (i32.const 70000) "cd"))',
    "three_memories_data_in_two": '(module (memory (export "m") 1) (memory 2) (memory 1) '
                                  '(data (memory 0) (i32.const 0) "a") (data (memory 2) (i32.const 5) "b"))',
}


# Addresses where the modules above put data; 8 bytes are read at each one inside the memory.
PROBES = (0, 100, 0x100000, 0xfffffe, 0x2000000, 0x100000000)


def instantiate(api, wat: str, fuel: int, cow: bool = True, lazy: bool | None = None):
    """Outcome, fuel left and the exported memory's bytes at ``PROBES``."""
    config = api.Config()
    config.consume_fuel = True
    config.wasm_memory64 = True
    config.wasm_multi_memory = True
    config.memory_init_cow = cow
    if lazy is not None:
        config.table_lazy_init = lazy
    engine = api.Engine(config)
    store = api.Store(engine)
    store.set_fuel(fuel)
    try:
        instance = api.Instance(store, api.Module(engine, wat), [])
    except api.Trap as t:
        return ("trap", t.trap_code.name)
    memory = instance.exports(store)["m"]
    size = memory.data_len(store)
    return ("ok", store.get_fuel(), [bytes(memory.read(store, a, a + 8)) for a in PROBES if a + 8 <= size])


@pytest.mark.parametrize("cow", [True, False], ids=["cow", "no-cow"])
@pytest.mark.parametrize("name", list(MODULES))
def test_instantiation_fuel_and_memory_match_wasmtime(name, cow):
    wat = MODULES[name]
    ample = instantiate(wasmtime, wat, 10**9, cow)
    need = 10**9 - ample[1] if ample[0] == "ok" else 20
    for fuel in sorted({0, max(need - 1, 0), need, need + 1, 10**6}):
        theirs = instantiate(wasmtime, wat, fuel, cow)
        assert [instantiate(wf, wat, fuel, cow, lazy) for lazy in (True, False)] == [theirs, theirs], f"fuel={fuel}"


def test_an_image_far_into_a_memory64_holds_only_its_data():
    engine = wf.Engine()
    module = wf.Module(engine, '(module (memory (export "m") i64 70000) (data (i64.const 0x100000000) "\\00ab\\00"))')
    image, = module._memory_images.values()
    assert (image.offset, image.data) == (0x100000001, b"ab")
    store = wf.Store(engine)
    memory = wf.Instance(store, module, []).exports(store)["m"]
    assert memory.read(store, 0xffffffff, 0x100000004) == b"\0\0ab\0"


def instantiation_fuel(wat: str, **config) -> int:
    cfg = wf.Config()
    cfg.consume_fuel = True
    for name, value in config.items():
        setattr(cfg, name, value)
    store = wf.Store(wf.Engine(cfg))
    store.set_fuel(1000)
    wf.Instance(store, wf.Module(store.engine, wat), [])
    return 1000 - store.get_fuel()


def test_dense_image_size_is_the_engines():
    low, span_16mib = MODULES["low"], MODULES["span_16mib"]  # spans of 102 and 16 MiB, both over twice their data
    assert [instantiation_fuel(low, memory_guaranteed_dense_image_size=n) for n in (102, 103)] == [8, 0]
    assert instantiation_fuel(span_16mib) == 5
    assert instantiation_fuel(span_16mib, memory_guaranteed_dense_image_size=(16 << 20) + 1) == 0


@pytest.mark.parametrize("value", [-1, 1 << 64, 1.5, True, "16M"])
def test_dense_image_size_rejects_what_is_not_a_byte_count(value):
    with pytest.raises(wf.WasmtimeError, match="memory_guaranteed_dense_image_size"):
        wf.Config().memory_guaranteed_dense_image_size = value
