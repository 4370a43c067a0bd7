"""Memory images: instances start from the module's data, copy-on-write when large."""

import sys

import pytest
from wasmfuzz.runtime import Config, Engine, Instance, Module, PoolingAllocationConfig, Store
from wasmfuzz.runtime.vm import membuf

DATA = bytes(range(256)) * 512  # 128 KiB: large enough to be mapped, not copied
WAT_DATA = "".join("\\%02x" % b for b in DATA)
WAT = f"""(module
  (memory (export "m") 4 8)
  (data (i32.const 1000) "{WAT_DATA}")
  (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2))))"""

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="memfd images are Linux-only")


def instance(engine, module):
    store = Store(engine)
    return store, Instance(store, module, []).exports(store)


@linux_only
def test_instances_map_the_image_and_do_not_see_each_others_writes():
    engine = Engine()
    module = Module(engine, WAT)
    (s1, a), (s2, b) = instance(engine, module), instance(engine, module)
    assert isinstance(a["m"]._mem.data, membuf._CowMap)
    assert a["m"].read(s1, 1000, 1000 + len(DATA)) == DATA
    a["poke"](s1, 1000, 0xEE)
    a["poke"](s1, 200_000, 7)
    assert (a["peek"](s1, 1000), b["peek"](s2, 1000)) == (0xEE, 0)
    assert (a["peek"](s1, 200_000), b["peek"](s2, 200_000)) == (7, 0)
    a["copy"](s1, 5000, 1000, 300)  # overlapping-free copy inside the mapped image
    assert a["m"].read(s1, 5000, 5300) == bytes([0xEE]) + DATA[1:300]


@linux_only
def test_growing_a_mapped_image_keeps_its_contents():
    engine = Engine()
    store, ex = instance(engine, Module(engine, WAT))
    ex["poke"](store, 3, 9)
    assert ex["grow"](store, 2) == 4
    assert not isinstance(ex["m"]._mem.data, membuf._CowMap)
    assert ex["peek"](store, 3) == 9 and ex["peek"](store, 1001) == DATA[1]
    ex["poke"](store, 6 * 65536 - 1, 1)
    assert ex["m"].size(store) == 6


@linux_only
def test_a_pooled_slot_is_reset_to_the_image_by_dropping_pages():
    config = Config()
    config.allocation_strategy = "pooling"
    config.pooling_allocation_config = PoolingAllocationConfig(total_core_instances=1)
    engine = Engine(config)
    module = Module(engine, WAT)
    store, ex = instance(engine, module)
    first = ex["m"]._mem.data
    ex["poke"](store, 1000, 0xEE)
    ex["poke"](store, 100_000, 5)
    ex["poke"](store, 200_000, 6)  # past the image
    store.close()
    store2, ex2 = instance(engine, module)
    assert ex2["m"]._mem.data is first  # the same mapping, reset
    assert [ex2["peek"](store2, a) for a in (1000, 100_000, 200_000)] == [DATA[0], DATA[99_000], 0]
    assert ex2["m"].read(store2, 1000, 1000 + len(DATA)) == DATA


def test_small_images_are_copied_into_a_bytearray():
    engine = Engine()
    module = Module(engine, '(module (memory (export "m") 1) (data (i32.const 0) "abc"))')
    store, ex = instance(engine, module)
    assert isinstance(ex["m"]._mem.data, bytearray)
    assert ex["m"].read(store, 0, 3) == bytearray(b"abc")


@pytest.mark.parametrize("size", [16, len(DATA)], ids=["copied", "mapped"])
def test_a_pooled_slot_is_reset_around_an_image_that_starts_high(size):
    config = Config()
    config.allocation_strategy = "pooling"
    config.pooling_allocation_config = PoolingAllocationConfig(total_core_instances=1)
    engine = Engine(config)
    module = Module(engine, WAT.replace("(i32.const 1000)", "(i32.const 70000)").replace(WAT_DATA, WAT_DATA[:3 * size]))
    image, = module._memory_images.values()
    assert (image.offset, len(image.data)) == (70001, size - 1)  # the leading zero byte is trimmed
    store, ex = instance(engine, module)
    for address in (5, 70000, 70001, 70000 + size + 5):
        ex["poke"](store, address, 0xEE)
    store.close()
    store2, ex2 = instance(engine, module)
    assert [ex2["peek"](store2, a) for a in (5, 70000, 70001, 70000 + size + 5)] == [0, 0, DATA[1], 0]
    assert ex2["m"].read(store2, 70000, 70000 + size) == DATA[:size]


@linux_only
@pytest.mark.parametrize("shared", ["", " 10 shared"], ids=["unshared", "shared"])
@pytest.mark.parametrize("pages", [1, 4, 6], ids=["smaller", "same", "larger"])
def test_a_pooled_slot_that_mapped_an_image_serves_a_memory_without_one(pages, shared):
    """Found by a two-job differential campaign: a slot whose last memory
    mapped an image (4 pages) handed to a memory with no data crashed with
    IndexError when the new memory was smaller and shared (a shared memory
    is always a mapping, so the slot's was resized for it). A mapping of an image is
    never reused for another memory, whatever its size."""
    config = Config()
    config.allocation_strategy = "pooling"
    config.pooling_allocation_config = PoolingAllocationConfig(total_core_instances=1)
    config.wasm_threads = config.shared_memory = True
    engine = Engine(config)
    store, ex = instance(engine, Module(engine, WAT))
    ex["poke"](store, 1000, 0xEE)
    store.close()
    store2, ex2 = instance(engine, Module(engine, f'(module (memory {pages}{shared}) '
                                                  '(func (export "size") (result i32) memory.size) '
                                                  '(func (export "peek") (param i32) (result i32) '
                                                  '(i32.load8_u (local.get 0))))'))
    assert ex2["size"](store2) == pages
    assert [ex2["peek"](store2, a) for a in (0, 1000, 1001, 2000, (pages << 16) - 1)] == [0] * 5  # no image left
