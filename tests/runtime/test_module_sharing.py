"""``Module(engine, wasm, shared_with=other)``: what a Module of the same bytes
for another engine takes from the first, and that both still behave as
their own engine's configuration says."""

from __future__ import annotations

import gc
import linecache

import pytest
from wasmfuzz.runtime import Config, Engine, Instance, Module, Store, Trap

WAT = """(module
  (type $v (func (result i32)))
  (table (export "t") 2 funcref)
  (elem (i32.const 0) func $seven)
  (func $seven (type $v) (i32.const 7))
  (func (export "at") (param i32) (result i32) (call_indirect (type $v) (local.get 0)))
  (func (export "spin") (loop (br 0))))"""


def engine(**settings) -> Engine:
    config = Config()
    for name, value in settings.items():
        setattr(config, name, value)
    return Engine(config)


def test_same_code_generation_options_share_the_compiled_code():
    first = Module(engine(table_lazy_init=True), WAT)
    pooled = Module(engine(table_lazy_init=True, allocation_strategy="pooling"), WAT, shared_with=first)
    assert pooled._code is first._code and pooled._info is first._info


def test_other_options_share_the_decoding_and_compile_their_own_code():
    first = Module(engine(table_lazy_init=True), WAT)
    eager = Module(engine(table_lazy_init=False), WAT, shared_with=first)
    assert eager._info is first._info and eager._code is not first._code
    assert not eager._code.lazy_tables and first._code.lazy_tables
    for module in (first, eager):
        store = Store(module.engine)
        exports = Instance(store, module, []).exports(store)
        assert exports["at"](store, 0) == 7
        with pytest.raises(Trap):
            exports["at"](store, 1)  # a null element in both modes
        assert exports["t"].get(store, 1) is None


def test_fuel_is_compiled_in_only_where_the_engine_consumes_it():
    plain = Module(engine(), WAT)
    metered = Module(engine(consume_fuel=True), WAT, shared_with=plain)
    store = Store(metered.engine)
    store.set_fuel(1000)
    with pytest.raises(Trap) as info:
        Instance(store, metered, []).exports(store)["spin"](store)
    assert "fuel" in info.value.message


def test_other_proposals_decode_again():
    first = Module(engine(), WAT)
    other = Module(engine(wasm_memory64=False), WAT, shared_with=first)
    assert first.engine.features != other.engine.features
    assert other._info is not first._info


def test_shared_with_a_module_of_other_bytes_is_refused():
    with pytest.raises(ValueError):
        Module(engine(), "(module)", shared_with=Module(engine(), WAT))


def test_lent_code_keeps_its_source_registered_until_the_borrower_goes():
    """Code lent from one ModuleCode to another (a function without
    call_indirect, the same in lazy and eager mode) keeps its generated source
    in linecache while either module lives, and lets it go once both are
    collected (one collection: lending makes no cycle of its own)."""
    wat = WAT.replace("(module", "(module $lent_probe", 1)
    lender = Module(engine(table_lazy_init=True), wat)
    borrower = Module(engine(table_lazy_init=False), wat, shared_with=lender)
    seven = lender._code.function(0)
    assert borrower._code.function(0).__code__ is seven.__code__
    filename = seven.__code__.co_filename
    assert linecache.getline(filename, 1)
    del lender, seven
    gc.collect()
    assert linecache.getline(filename, 1)  # the borrower still runs it
    del borrower
    gc.collect()
    assert not linecache.getline(filename, 1)
