"""The oracles: values, allowed differences, the lockstep comparison, reports."""

from __future__ import annotations

import pytest
from wasmfuzz.fuzz.calls import call_plan
from wasmfuzz.oracles import PAIRS, Divergence, ExecutionSpec, allowed, capabilities, compare, supports
from wasmfuzz.oracles.outcome import CRASHED, ERROR, RETURNED, TRAPPED, Outcome
from wasmfuzz.oracles.pairs import WASMTIME
from wasmfuzz.oracles.values import Value
from wasmfuzz.runtime.binary.wat import wat2wasm
from wasmfuzz.runtime.vm import libcalls

NAN_BITS = (0x7FC00000, 0x7FC00001, 0xFFC00000, 0x7FFFFFFF)  # quiet NaNs: a signalling one must match


def test_value_keeps_float_bits_and_signed_ints_round_trip():
    assert Value.of("f64", -0.0).bits == 0x8000000000000000
    assert Value.of("i32", -1) == Value("i32", 0xFFFFFFFF)
    assert Value("i64", 0xFFFFFFFFFFFFFFFF).to_host() == -1


@pytest.mark.parametrize("a", NAN_BITS)
@pytest.mark.parametrize("b", NAN_BITS)
def test_any_two_nans_are_equal(a, b):
    assert allowed.values_equal(Value("f32", a), Value("f32", b))


def test_zero_signs_differ():
    assert not allowed.values_equal(Value.of("f32", 0.0), Value.of("f32", -0.0))


def test_references_compare_function_index_only_when_both_sides_know_it():
    assert allowed.values_equal(Value("funcref", None, "() -> (i32)", 3), Value("funcref", None, "() -> (i32)"))
    assert not allowed.values_equal(Value("funcref", None, "() -> (i32)", 3), Value("funcref", None, "() -> (i32)", 4))
    assert not allowed.values_equal(Value("funcref", None, "null"), Value("funcref", None, "() -> (i32)"))


def test_stack_exhaustion_poisons_and_a_crash_never_agrees():
    assert allowed.non_deterministic(Outcome(TRAPPED, trap="STACK_OVERFLOW"))
    # found by a main-job campaign: a table past the pooled slot's size, on a pooling engine only
    assert allowed.non_deterministic(Outcome(ERROR, message="table minimum size of 47096 elements exceeds "
                                                             "the pooling allocator's table_elements of 20000"))
    assert not allowed.non_deterministic(Outcome(ERROR, message="unknown import: `a::b` has not been defined"))
    crash = Outcome(CRASHED, message="TypeError", crash_site="TypeError at x.py:f")
    assert not allowed.outcomes_agree(crash, crash)
    assert not allowed.outcomes_agree(Outcome(TRAPPED, trap="UNREACHABLE"), Outcome(TRAPPED, trap="INTERRUPT"))


def test_disabled_feature_is_unsupported(monkeypatch):
    monkeypatch.setenv("WASMFUZZ_DISABLE", "table_lazy_init")
    capabilities.supports.cache_clear()
    try:
        assert not supports("table_lazy_init")
    finally:
        monkeypatch.delenv("WASMFUZZ_DISABLE")
        capabilities.supports.cache_clear()


def test_unknown_setting_probes_as_unsupported(monkeypatch):
    monkeypatch.setitem(capabilities.PROBES, "teleport", ({"wasm_teleport": True}, ("", ())))
    assert not capabilities.supports.__wrapped__("teleport")


WAT = """(module
  (memory (export "mem") 1)
  (global (export "g") (mut i32) (i32.const 0))
  (table (export "t") 2 funcref)
  (func $f (result i32) (i32.const 7))
  (elem (i32.const 1) $f)
  (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "fill") (param i32) (memory.fill (local.get 0) (i32.const 255) (i32.const 4))
    (global.set 0 (local.get 0))))"""


def test_same_module_agrees_on_every_available_pair():
    verdict = compare(wat2wasm(WAT), ExecutionSpec(), list(PAIRS.values()), call_plan(bytes(range(64)), 3))
    assert WASMTIME.name in verdict.compared and verdict.steps == 6
    assert not verdict.poisoned
    assert set(verdict.compared) | set(verdict.skipped) == set(PAIRS)


def test_a_module_exporting_v128_is_compared_with_wasmtime_through_what_it_can_touch():
    """wasmtime-py 50 aborts the process on a v128 type: whatever made the module,
    ``compare`` hides those exports from both engines (oracles.hidden_types)."""
    wat = """(module (memory (export "m") 1)
      (global (export "g") v128 (v128.const i64x2 1 2))
      (func (export "v") (result v128) (v128.const i64x2 3 4))
      (func (export "lanes") (result i64) (v128.store (i32.const 0) (call 0))
        (i64x2.extract_lane 1 (v128.load (i32.const 0)))))"""
    seen = []

    def plan(exports):
        seen.append(sorted(e.name for e in exports))
        return [_call("lanes")]
    verdict = compare(wat2wasm(wat), ExecutionSpec(), [WASMTIME], plan)
    assert verdict.compared == [WASMTIME.name] and seen == [["lanes", "m"]]


def test_wrong_trap_code_is_reported_with_pair_step_and_both_sides(monkeypatch):
    def div_u(a, b):
        if b == 0:
            libcalls.trap(6)
        return a // b
    monkeypatch.setitem(libcalls.LIBCALLS, "_i32_div_u", div_u)
    with pytest.raises(Divergence) as info:
        compare(wat2wasm(WAT), ExecutionSpec(), [WASMTIME], lambda exports: [_call("div", 1, 0)])
    d = info.value
    assert (d.pair, d.aspect, d.reference, d.candidate) == (WASMTIME.name, "outcome", "wasmtime", "wasmfuzz")
    assert d.kind == "trap INTEGER_DIVISION_BY_ZERO vs trap INTEGER_OVERFLOW"
    assert "call 1: div(i32:1, i32:0)" in d.report()


def test_memory_difference_names_the_first_differing_byte(monkeypatch):
    def fill(m, d, val, n):
        m[d:d + n] = bytes([val & 0xFE]) * n
    monkeypatch.setitem(libcalls.LIBCALLS, "_memory_fill", fill)
    with pytest.raises(Divergence) as info:
        compare(wat2wasm(WAT), ExecutionSpec(), [WASMTIME], lambda exports: [_call("fill", 100)])
    assert info.value.aspect == "memory 'mem'" and "at 100:" in info.value.expected


def test_outcome_text():
    assert str(Outcome(RETURNED, (Value("i32", 1),), fuel_consumed=3)) == "returned [i32:1] (fuel consumed 3)"


def _call(name, *ints):
    from wasmfuzz.oracles.compare import Call
    return Call(name, tuple(Value("i32", i) for i in ints))


def test_engine_crashing_while_state_is_read_is_a_divergence(monkeypatch):
    from wasmfuzz.runtime import Table

    def broken_get(self, store, idx):
        raise KeyError(idx)
    monkeypatch.setattr(Table, "get", broken_get)
    with pytest.raises(Divergence) as info:
        compare(wat2wasm(WAT), ExecutionSpec(), [WASMTIME], lambda exports: [])
    assert info.value.aspect == "reading tables" and info.value.kind.startswith("crashed (KeyError")


def test_same_bytes_compares_in_place_or_by_copy():
    import mmap

    from wasmfuzz.oracles.memcmp import same_bytes
    a, b = mmap.mmap(-1, 1 << 16), mmap.mmap(-1, 1 << 16)
    va, vb = memoryview(a), memoryview(b)
    assert same_bytes(va, vb)
    b[65535] = 1
    assert not same_bytes(va, vb)
    assert not same_bytes(memoryview(bytes(65535)), memoryview(bytes(65536)))  # read-only: copies compared
    assert same_bytes(memoryview(bytes(4)), memoryview(bytearray(4)))
    va.release(), vb.release()
    a.resize(1 << 17)  # nothing left pinned


GROW = """(module (memory (export "mem") 1 4)
  (func (export "grow") (result i32) (i32.store (i32.const 70000) (memory.grow (i32.const 1))) (memory.size)))"""


def test_memories_compared_in_place_can_still_grow():
    from wasmfuzz.oracles.pairs import LAZY_VS_EAGER
    verdict = compare(wat2wasm(GROW), ExecutionSpec(lazy_init=True), [WASMTIME, LAZY_VS_EAGER],
                      lambda exports: [_call("grow")] * 3)
    assert verdict.steps == 3 and not verdict.poisoned


def test_executions_of_one_comparison_share_engines_and_compiled_code():
    from wasmfuzz.oracles.execution import ApiExecution, Engines
    engines = Engines()
    lazy, eager = ApiExecution(ExecutionSpec(lazy_init=True), engines), ApiExecution(ExecutionSpec(lazy_init=False),
                                                                                       engines)
    pooled = ApiExecution(ExecutionSpec(lazy_init=True, pooling=True), engines)
    fuel_a = ApiExecution(ExecutionSpec(fuel=10), engines)
    fuel_b = ApiExecution(ExecutionSpec(fuel=1 << 40), engines)
    assert fuel_a.engine is fuel_b.engine and lazy.engine is not eager.engine is not pooled.engine
    wasm = wat2wasm(WAT)
    for e in (lazy, eager, pooled, fuel_a, fuel_b):
        assert e.instantiate(wasm).status == RETURNED
    modules = {name: engines.module(e.api, e.engine, wasm) for name, e in
               (("lazy", lazy), ("eager", eager), ("pooled", pooled), ("fuel", fuel_a))}
    assert engines.module(fuel_b.api, fuel_b.engine, wasm) is modules["fuel"]  # one Module, two Stores
    assert modules["pooled"]._code is modules["lazy"]._code  # same code-generation options
    assert modules["eager"]._code is not modules["lazy"]._code and modules["eager"]._info is modules["lazy"]._info


def test_kept_engines_keep_the_modules_of_the_last_distinct_bytes():
    from wasmfuzz.oracles.execution import ApiExecution, Engines
    engines = Engines(keep=2)
    a, b, c = (wat2wasm(f"(module (func (export \"f\") (result i32) i32.const {i}))") for i in range(3))

    def module(spec, wasm):  # what a later comparison's execution of ``wasm`` would get
        execution = ApiExecution(spec, engines)
        return engines.module(execution.api, execution.engine, wasm)
    first = {spec: module(spec, a) for spec in (ExecutionSpec(), ExecutionSpec(engine="wasmtime"))}
    assert all(module(spec, a) is m for spec, m in first.items())  # kept for later comparisons
    module(ExecutionSpec(), b)
    module(ExecutionSpec(), a)  # a used again: b is now the least recently used
    module(ExecutionSpec(), c)
    assert all(module(spec, a) is m for spec, m in first.items())
    kept_b = module(ExecutionSpec(), b)  # b was dropped for c, and is made again
    assert module(ExecutionSpec(), b) is kept_b
    engines.forget()
    assert module(ExecutionSpec(), b) is not kept_b


def test_kept_engines_keep_modules_within_a_byte_budget(monkeypatch):
    from wasmfuzz.oracles import execution
    a, b = (wat2wasm(f"(module (func (export \"f\") (result i32) i32.const {i}))") for i in range(2))
    monkeypatch.setattr(execution, "KEPT_MODULE_BYTES", len(a) + len(b) - 1)  # room for one of them
    engines = execution.Engines(keep=8)

    def module(wasm):
        e = execution.ApiExecution(ExecutionSpec(), engines)
        return engines.module(e.api, e.engine, wasm)
    first_a = module(a)
    assert module(a) is first_a
    module(b)  # over the budget with both: a, the least recently used, goes
    assert module(a) is not first_a and engines._module_bytes == len(a)  # and b went for it


def test_kept_engines_drop_the_least_recently_used_configuration_with_its_modules(monkeypatch):
    from wasmfuzz.oracles import execution
    monkeypatch.setattr(execution, "KEPT_ENGINES", 2)
    engines = execution.Engines(keep=4)
    wasm = wat2wasm(WAT)
    plain, fuel, epochs = ExecutionSpec(), ExecutionSpec(fuel=10), ExecutionSpec(epoch_deadline=1)

    def module(spec):
        execution_ = execution.ApiExecution(spec, engines)
        return execution_.engine, engines.module(execution_.api, execution_.engine, wasm)
    first_plain, first_fuel = module(plain), module(fuel)
    assert module(plain) == first_plain
    module(epochs)  # a third configuration: fuel's, the least recently used, goes
    assert module(plain) == first_plain
    again = module(fuel)
    assert again[0] is not first_fuel[0] and again[1] is not first_fuel[1]


def test_a_kept_module_never_shares_a_generated_file_name_with_a_new_one():
    """The fuzz targets clear ``linecache`` after every input; a kept module's
    functions still own their file names, under which their backtrace line
    maps are filed."""
    import linecache

    from wasmfuzz.runtime.compile.python import pycompile
    kept = pycompile.unique_filename("m", 0)
    linecache.cache.pop(kept, None)
    again = pycompile.unique_filename("m", 0)
    assert again != kept
    pycompile.forget([kept, again])
    assert pycompile.unique_filename("m", 0) == kept
    pycompile.forget([kept])


def test_a_case_checked_again_with_kept_engines_gives_the_same_verdict():
    from wasmfuzz.fuzz.targets import make_case
    from wasmfuzz.oracles.execution import Engines
    engines = Engines(keep=4)
    case = make_case("table_ops", bytes(range(7, 200)))
    first, again = case.check(engines), case.check(engines)
    assert (first.compared, first.steps, first.poisoned) == (again.compared, again.steps, again.poisoned)
    assert first.steps > 0


def test_pooled_instances_of_later_comparisons_take_the_slots_earlier_ones_wrote():
    from wasmfuzz.oracles.execution import ApiExecution, Engines, reset_pooled_engines
    from wasmfuzz.oracles.pairs import ON_DEMAND_VS_POOLING
    wasm = wat2wasm("""(module (import "host" "tick" (func $tick)) (memory (export "m") 1)
      (func (export "write") call $tick (i32.store (i32.const 100) (i32.const -1))))""")
    reset_pooled_engines()
    first = ApiExecution(ExecutionSpec(pooling=True), Engines())
    assert first.instantiate(wasm).status == RETURNED and first.call("write", ()).status == RETURNED
    slot = first.memory_views()["m"].obj
    del first  # its store is freed at once (the import's host function does not hold it): the slot is free
    second = ApiExecution(ExecutionSpec(pooling=True), Engines())  # another comparison, the same engine
    assert second.instantiate(wasm).status == RETURNED
    view = second.memory_views()["m"]
    assert view.obj is slot and not any(view)  # the written slot again, reset
    view.release()
    compare(wasm, ExecutionSpec(), [ON_DEMAND_VS_POOLING], lambda exports: [_call("write")])
    reset_pooled_engines()
    assert ApiExecution(ExecutionSpec(pooling=True), Engines()).engine is not second.engine


def test_table_elements_name_their_function_types():
    wat = """(module (type $a (func (param i32) (result i64))) (type $b (func))
      (func $f (type $a) (i64.const 0)) (func $g (type $b))
      (table (export "t") 6 funcref) (elem (i32.const 0) func $f $g $f $g $f))"""
    from wasmfuzz.oracles.execution import ApiExecution
    for engine in ("wasmtime", "wasmfuzz"):
        e = ApiExecution(ExecutionSpec(engine))
        assert e.instantiate(wat2wasm(wat)).status == RETURNED
        assert [v.ref for v in e.tables()["t"]] == ["(i32) -> (i64)", "() -> ()"] * 2 + ["(i32) -> (i64)", "null"]


def test_wasmtime_tables_read_in_place_as_table_get_reads_them():
    """``tables`` reads Wasmtime's reference tables through the C bindings; each
    element must come out as wasmtime-py's ``Table.get`` gives it: null, a
    function (by its type), a host object, and an externalized i31 (no host
    data: it reads as null, the allowance in ``allowed``)."""
    wat = """(module (type $a (func (param i32) (result i64))) (func $f (type $a) (i64.const 0)) (func $g)
      (table (export "t") 5 funcref) (elem (i32.const 1) func $f $g $f)
      (table (export "e") 4 externref)
      (func (export "put") (table.set 1 (i32.const 1) (extern.convert_any (ref.i31 (i32.const 7))))))"""
    from wasmfuzz.oracles.execution import ApiExecution
    e = ApiExecution(ExecutionSpec("wasmtime"))
    assert e.instantiate(wat2wasm(wat)).status == RETURNED and e.call("put", ()).status == RETURNED
    e._exports["e"].set(e.store, 2, "host data")
    slow = {name: tuple(e.value(elem, t.get(e.store, i)) for i in range(t.size(e.store)))
            for name, t, elem in e._by_kind().tables}
    fast = e.tables()
    assert fast == slow
    assert [v.ref for v in fast["e"]] == ["null", "null", "ref", "null"]
    assert [v.ref for v in fast["t"]] == ["null", "(i32) -> (i64)", "() -> ()", "(i32) -> (i64)", "null"]


def test_wasmtime_calls_through_the_c_bindings_give_what_wasmtime_py_gives():
    """``wasmtime_raw.call`` against wasmtime-py's ``Func.__call__``: every
    number type at edge values (NaNs with payloads among them), null
    references in, a function reference and several results out, and a trap."""
    import math
    import struct

    import wasmtime
    from wasmfuzz.oracles import wasmtime_raw
    wat = """(module (elem declare func $r)
      (func (export "id") (param i32 i64 f32 f64) (result i32 i64 f32 f64)
        local.get 0 local.get 1 local.get 2 local.get 3)
      (func (export "refs") (param funcref externref) (result funcref i32 i32)
        ref.func $r (ref.is_null (local.get 0)) (ref.is_null (local.get 1)))
      (func $r (export "trap") (result i32) unreachable))"""
    store = wasmtime.Store()
    exports = wasmtime.Instance(store, wasmtime.Module(store.engine, wat2wasm(wat)), []).exports(store)
    nan32 = struct.unpack("<f", struct.pack("<I", 0x7FA00001))[0]
    nan64 = struct.unpack("<d", struct.pack("<Q", 0x7FF4000000000001))[0]
    for args in ([-2**31, -2**63, nan32, nan64], [2**31 - 1, 2**63 - 1, -0.0, math.inf], [7, -1, 1.5, 2.0**-1074]):
        fast = wasmtime_raw.call(store, exports["id"], ("i32", "i64", "f32", "f64"), ("i32", "i64", "f32", "f64"), args)
        slow = exports["id"](store, *args)
        assert [struct.pack("<d", v) if isinstance(v, float) else v for v in fast] == \
            [struct.pack("<d", v) if isinstance(v, float) else v for v in slow]
    fast = wasmtime_raw.call(store, exports["refs"], ("funcref", "externref"), ("funcref", "i32", "i32"), [None, None])
    slow = exports["refs"](store, None, None)
    assert fast[1:] == slow[1:] == [1, 1] and type(fast[0]) is type(slow[0]) is wasmtime.Func
    assert fast[0].type(store).results == slow[0].type(store).results
    with pytest.raises(wasmtime.Trap) as raw_trap:
        wasmtime_raw.call(store, exports["trap"], (), ("i32",), [])
    with pytest.raises(wasmtime.Trap) as py_trap:
        exports["trap"](store)
    assert raw_trap.value.trap_code == py_trap.value.trap_code == wasmtime.TrapCode.UNREACHABLE


def test_swarm_keeps_the_always_pairs_and_draws_the_others_from_the_seed():
    from wasmfuzz.oracles.pairs import LAZY_VS_EAGER, swarm
    others = [p for p in PAIRS.values() if p not in (WASMTIME, LAZY_VS_EAGER)]
    drawn = [swarm(bytes([i, 7]), (WASMTIME, LAZY_VS_EAGER), others, 0.2) for i in range(200)]
    assert all(d[:2] == (WASMTIME.name, LAZY_VS_EAGER.name) for d in drawn)
    assert {name for d in drawn for name in d[2:]} == {p.name for p in others}  # each drawn for some inputs
    assert 2.5 < sum(map(len, drawn)) / len(drawn) < 4
    assert drawn == [swarm(bytes([i, 7]), (WASMTIME, LAZY_VS_EAGER), others, 0.2) for i in range(200)]
    assert swarm(b"x", (WASMTIME,), others, 0.0) == (WASMTIME.name,)


def test_async_calls_run_to_their_end_without_an_event_loop():
    """The oracle resumes a yielding async call at once (``run_to_end``): the
    call yields at every tick and still returns what a synchronous call does;
    a coroutine awaiting anything but a yield is refused, not spun on."""
    import wasmfuzz.runtime as wf
    from wasmfuzz.oracles.execution import run_to_end
    from wasmfuzz.runtime.vm import async_call

    config = wf.Config()
    config.epoch_interruption = True
    engine = wf.Engine(config)
    store = wf.Store(engine)
    tick = wf.Func(store, wf.FuncType([], []), engine.increment_epoch)
    module = wf.Module(engine, """(module (import "" "tick" (func $t))
      (func (export "f") (param i32) (result i32) (local i32)
        (loop $l (call $t) (local.set 1 (i32.add (local.get 1) (local.get 0)))
          (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
        (local.get 1)))""")
    f = wf.Instance(store, module, [tick]).exports(store)["f"]
    store.epoch_deadline_async_yield_and_update(1)
    yields = []
    real_yield = async_call.yield_to_event_loop
    async_call.yield_to_event_loop = lambda: (yields.append(1), real_yield())
    try:
        assert run_to_end(f.call_async(store, 100)) == 5050
    finally:
        async_call.yield_to_event_loop = real_yield
    assert len(yields) >= 99

    class Pending:  # what an asyncio future hands up while it waits
        def __await__(self):
            yield self

    async def waits():
        await Pending()
    with pytest.raises(RuntimeError, match="needs an event loop"):
        run_to_end(waits())
