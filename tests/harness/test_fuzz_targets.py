"""Every fuzz target runs the three ways it is meant to: under Hypothesis
(here), on one saved input (``wasmfuzz repro``, tests/harness/test_corpus.py) and
under atheris (tests/harness/test_fuzz_commands.py). Each Hypothesis run is small
and derandomised, so this file stays fast and gives the same verdict every
time; a failure here is a divergence to read with ``pytest -x``."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from wasmfuzz.fuzz import strategies, targets
from wasmfuzz.fuzz.memory_ops import MemoryOpsProgram
from wasmfuzz.fuzz.source import Unstructured
from wasmfuzz.fuzz.table_ops import TableOpsProgram
from wasmfuzz.runtime.binary.wat import wat2wasm

SMALL = settings(max_examples=4, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                        HealthCheck.data_too_large])


@pytest.mark.parametrize("name", targets.NAMES)
def test_target_under_hypothesis(name):
    @SMALL
    @given(strategies.cases(name))
    def run(case):
        case.check()
    run()


@SMALL
@given(strategies.table_programs())
def test_table_programs_are_valid_modules(program: TableOpsProgram):
    assert wat2wasm(program.wat()).startswith(b"\0asm")


@SMALL
@given(strategies.memory_programs(memory64=True, multi_memory=True, atomics=True))
def test_memory_programs_with_every_proposal_are_valid_for_wasmtime(program: MemoryOpsProgram):
    import wasmtime
    config = wasmtime.Config()
    config.wasm_memory64 = config.wasm_multi_memory = config.wasm_threads = True
    wasmtime.Module.validate(wasmtime.Engine(config), wat2wasm(program.wat()))


@pytest.mark.parametrize("name", targets.NAMES)
def test_empty_input_still_makes_a_case(name):
    assert targets.make_case(name, b"").wasm.startswith(b"\0asm")


def test_instantiate_compares_wasmtime_and_lazy_tables_always_and_the_other_pairs_on_a_share():
    import random

    from wasmfuzz.oracles.pairs import LAZY_VS_EAGER, PAIRS, WASMTIME
    rng = random.Random(5)
    cases = [targets.make_case("instantiate", rng.randbytes(400)) for _ in range(80)]
    checks = [case.checks for case in cases if case is not None]  # None: an input smith turns down
    assert all(WASMTIME.name in c and LAZY_VS_EAGER.name in c for c in checks)
    assert set().union(*checks) == set(PAIRS)
    assert 3 < sum(map(len, checks)) / len(checks) < 5  # of seven


def test_epoch_compares_wasmtime_always_and_each_pair_that_runs_to_the_end_on_half_the_inputs():
    import random

    from wasmfuzz.oracles.pairs import EPOCH_ASYNC_YIELDS, EPOCH_CALLBACKS, EPOCHS_VS_NONE, WASMTIME
    rng = random.Random(5)
    cases = [targets.make_case("epoch", rng.randbytes(300)) for _ in range(120)]
    checks = [case.checks for case in cases if case is not None]
    assert all(c[0] == WASMTIME.name for c in checks)
    for pair in (EPOCHS_VS_NONE, EPOCH_CALLBACKS, EPOCH_ASYNC_YIELDS):
        assert 0.3 < sum(pair.name in c for c in checks) / len(checks) < 0.7, pair.name
    assert {len(c) for c in checks} == {1, 2, 3, 4}  # none of the three, and all of them, happen too


def test_the_main_job_draws_each_generator_for_its_share_of_inputs():
    """An input's first draw picks who makes its module: the same case as
    that target makes of the rest of the input; 0 (an empty input) is smith."""
    from wasmfuzz.fuzz.targets import differential
    starts, at = {}, 0
    for name, percent in differential.GENERATORS:
        starts[name], at = at, at + percent
    assert at == 100 and differential.GENERATORS[0][0] == "smith"
    rest = bytes(range(7, 250))
    for name in starts:
        if name != "smith":
            mine = targets.make_case("differential", bytes([starts[name]]) + rest)
            theirs = targets.make_case(name, rest)
            assert (mine.wasm, mine.checks, mine.spec) == (theirs.wasm, theirs.checks, theirs.spec), name
    smith = differential.smith_case(Unstructured(rest))
    assert targets.make_case("differential", b"\0" + rest).wasm == smith.wasm


def test_unknown_target_is_refused():
    with pytest.raises(ValueError, match="unknown fuzz target"):
        targets.load("nope")


def test_interrupt_programs_stay_short_without_fuel():
    """A chain of functions, each calling the next from nested loops, once ran
    125**3 inner calls: minutes with fuel off, past libFuzzer's timeout in the
    fuel target. Bounded, a call runs at most MAX_STEPS statements: measured
    here as fuel, a few units per statement."""
    from wasmfuzz import runtime as wf
    from wasmfuzz.fuzz import interrupt_ops

    def chain(k):
        return (("loop", 5, (("loop", 5, (("loop", 5, (("call", k + 1), ("work", 1))),)),)),)
    bodies = (chain(0), chain(1), chain(2), (("work", 1),))
    assert interrupt_ops.steps(bodies[0], {1: 10**6}) > 10**8  # what the unbounded chain would run
    program = interrupt_ops.bounded(bodies)
    config = wf.Config()
    config.consume_fuel = True
    engine = wf.Engine(config)
    store = wf.Store(engine)
    store.set_fuel(10**9)
    tick = wf.Func(store, wf.FuncType([], []), lambda: None)
    f0 = wf.Instance(store, wf.Module(engine, program.wat()), [tick]).exports(store)["f0"]
    assert f0(store, 0) > 0  # the accumulator moved: the calls that remain ran
    assert 10**9 - store.get_fuel() < 20 * interrupt_ops.MAX_STEPS


def test_instruction_programs_cover_every_shape_and_are_valid():
    """Every instruction in ``instruction_ops.SHAPES`` makes a module Wasmtime accepts."""
    import random

    import wasmtime
    from wasmfuzz.fuzz import instruction_ops
    from wasmfuzz.fuzz.source import Unstructured
    engine = wasmtime.Engine()
    for name, shape in instruction_ops.SHAPES.items():
        for k in range(3):
            src = Unstructured(random.Random(f"{name}/{k}").randbytes(300))
            program = instruction_ops.InstructionProgram(name, (shape(instruction_ops._Builder(src, name)),))
            wasmtime.Module(engine, wat2wasm(program.wat()))
    assert {"i32.rem_s", "br_table", "f64.promote_f32", "call_indirect", "memory.init", "i64.load32_s"} \
        <= set(instruction_ops.SHAPES)


def test_a_campaign_keeps_code_and_collects_cycles_less_often_and_restores_both():
    import gc

    from wasmfuzz.runtime.compile.python import twins
    before = gc.get_threshold()
    with targets.campaign():
        assert gc.get_threshold() == targets.GC_THRESHOLD and twins._capacity == targets.KEPT_FUNCTIONS
    assert gc.get_threshold() == before and twins._capacity == 0
