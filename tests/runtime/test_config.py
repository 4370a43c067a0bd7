"""Config, Engine and Store: switches, unsupported features, limits."""

import pytest
from wasmfuzz.runtime import Config, Engine, Instance, Module, Store, WasmtimeError


def test_disabling_a_feature_rejects_modules_that_use_it():
    config = Config()
    config.wasm_bulk_memory = False
    engine = Engine(config)
    with pytest.raises(WasmtimeError):
        Module(engine, "(module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))))")
    Module(Engine(), "(module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))))")


@pytest.mark.parametrize("switch", ["wasm_stack_switching", "wasm_component_model"])
def test_unimplemented_switches_refuse_to_turn_on(switch):
    config = Config()
    setattr(config, switch, False)  # turning off what is off is fine
    with pytest.raises(WasmtimeError, match="not supported"):
        setattr(config, switch, True)


def test_simd_is_on_by_default_and_relaxed_simd_needs_it():
    simd = "(module (func (result i32) (i8x16.all_true (v128.const i64x2 -1 -1))))"
    relaxed = "(module (func (result v128) (i8x16.relaxed_swizzle (v128.const i64x2 0 0) (v128.const i64x2 0 0))))"
    Module(Engine(), simd)
    Module(Engine(), relaxed)
    config = Config()
    config.wasm_relaxed_simd = False
    engine = Engine(config)
    Module(engine, simd)
    with pytest.raises(WasmtimeError):
        Module(engine, relaxed)
    config = Config()
    config.wasm_simd = False
    with pytest.raises(WasmtimeError, match="cannot disable the simd proposal but enable the relaxed simd"):
        Engine(config)  # (wasmtime-py 50 aborts the process here)
    config = Config()
    config.wasm_simd = config.wasm_relaxed_simd = False
    with pytest.raises(WasmtimeError):
        Module(Engine(config), simd)


def test_config_is_write_only_and_rejects_unknown_settings():
    config = Config()
    with pytest.raises(AttributeError):
        config.wasm_bulk_memory
    with pytest.raises(AttributeError):
        config.no_such_setting = True
    with pytest.raises(TypeError):
        config.wasm_multi_value = "yes"


def test_store_limits_on_memory_and_instances():
    store = Store()
    store.set_limits(memory_size=2 * 65536, instances=1)
    m = Module(store.engine, '''(module (memory 1)
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))''')
    ex = Instance(store, m, []).exports(store)
    assert ex["grow"](store, 2) == -1
    assert ex["grow"](store, 1) == 1
    with pytest.raises(WasmtimeError, match="resource limit"):
        Instance(store, m, [])


def test_store_data():
    assert Store(Engine(), data={"k": 1}).data() == {"k": 1}
