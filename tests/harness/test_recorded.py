"""An execution answered from a recording (oracles.recorded) answers as the
real one does, runs nothing while it can, and runs for real where it cannot."""

from __future__ import annotations

import random

import pytest
from wasmfuzz.fuzz import targets
from wasmfuzz.oracles import Divergence, ExecutionSpec
from wasmfuzz.oracles.execution import ApiExecution, Engines
from wasmfuzz.oracles.recorded import PAGE, RecordedExecution, Recordings
from wasmfuzz.oracles.values import Value
from wasmfuzz.runtime.binary.wat import wat2wasm

WAT = """(module
  (memory (export "mem") 3)
  (global $g (export "g") (mut i32) (i32.const 5))
  (table (export "t") 2 funcref)
  (elem (i32.const 0) $store)
  (func $store (export "store") (param i32 i32)
    (i32.store (local.get 0) (local.get 1))
    (global.set $g (i32.add (global.get $g) (local.get 1))))
  (func (export "grow") (result i32) (memory.grow (i32.const 1)))
  (func (export "boom") (param i32) (result i32) (i32.div_u (i32.const 7) (local.get 0))))"""

SPEC = ExecutionSpec()


def i32(v: int) -> Value:
    return Value("i32", v)


STEPS = [("store", (i32(8), i32(42))), ("boom", (i32(0),)), ("store", (i32(PAGE * 2 + 4), i32(7))), ("grow", ()),
         ("boom", (i32(7),))]


def answers(execution, wasm: bytes, steps) -> list:
    """Everything the comparison asks of an execution, step by step."""
    seen = [execution.instantiate(wasm), execution.exports(), execution.globals(), execution.memories()]
    for name, args in steps:
        seen.append(execution.call(name, args))
        views = execution.memory_views()
        seen += [execution.globals(), {n: v.tobytes() for n, v in views.items()}]
        for v in views.values():
            v.release()
    seen.append(execution.tables())
    return seen


def recorded(recordings: Recordings, engines: Engines, started: list) -> RecordedExecution:
    def start():
        started.append(1)
        return ApiExecution(SPEC, engines)
    return RecordedExecution(SPEC, recordings, start)


def test_a_replay_runs_nothing_and_answers_as_the_real_execution():
    wasm, engines, recordings, started = wat2wasm(WAT), Engines(), Recordings(), []
    real = answers(ApiExecution(SPEC, engines), wasm, STEPS)
    first = answers(recorded(recordings, engines, started), wasm, STEPS)
    assert first == real and started == [1]
    again = recorded(recordings, engines, started)
    assert answers(again, wasm, STEPS) == real
    assert started == [1] and again._live is None  # nothing ran


def test_other_calls_run_for_real_from_where_they_part_and_are_recorded_too():
    wasm, engines, recordings, started = wat2wasm(WAT), Engines(), Recordings(), []
    answers(recorded(recordings, engines, started), wasm, STEPS)
    other = STEPS[:2] + [("store", (i32(16), i32(9))), ("grow", ())]
    assert answers(recorded(recordings, engines, started), wasm, other) == \
        answers(ApiExecution(SPEC, engines), wasm, other)
    assert len(started) == 2  # the second started where its calls parted, after two steps answered
    for steps in (STEPS, other):  # both paths are in the tree now
        replay = recorded(recordings, engines, started)
        answers(replay, wasm, steps)
        assert replay._live is None
    assert len(started) == 2


def test_a_read_not_recorded_runs_for_real_with_the_requests_so_far():
    wasm, engines, recordings, started = wat2wasm(WAT), Engines(), Recordings(), []
    first = recorded(recordings, engines, started)
    first.instantiate(wasm)
    first.call(*STEPS[0])  # no reads after it
    second = recorded(recordings, engines, started)
    second.instantiate(wasm)
    second.call(*STEPS[0])
    assert second._live is None
    assert second.globals() == {"g": i32(47)}  # 5 + 42: the real execution made the call again
    assert second.memories()["mem"][8:12] == (42).to_bytes(4, "little")
    assert len(started) == 2


def test_memories_share_the_pages_a_call_left_alone_and_old_trees_go_past_the_budget():
    wasm, engines, started = wat2wasm(WAT), Engines(), []
    recordings = Recordings(budget=5 * PAGE)
    answers(recorded(recordings, engines, started), wasm, STEPS[:1])
    tree = recordings.tree(wasm, SPEC)
    after_instantiation = tree.root.children[("instantiate",)]
    after_store = after_instantiation.children[("call", *STEPS[0])]
    before, after = after_instantiation.reads["memories"]["mem"], after_store.reads["memories"]["mem"]
    assert before[0] is not after[0] and before[1] is after[1] and before[2] is after[2]
    assert tree.held == 4 * PAGE  # three pages, then the one the store changed
    other = wat2wasm(WAT.replace("(i32.const 5)", "(i32.const 6)"))
    answers(recorded(recordings, engines, started), other, STEPS[:1])
    assert list(recordings._trees) == [next(k for k in recordings._trees if k[2] == SPEC)]  # the old one went
    assert recordings._held == 4 * PAGE


def _preserved_cases(n: int):
    rng, found = random.Random(11), []
    while len(found) < n:
        case = targets.make_case("mutate", rng.randbytes(400))
        if case is not None and case.original:
            found.append(case)
    return found


def verdict(case, engines):
    try:
        v = case.check(engines)
        return "ok", v.compared, sorted(v.poisoned.items()), v.steps
    except Divergence as d:
        return "divergence", str(d)


def test_a_campaigns_semantics_check_gives_the_verdict_of_a_fresh_one_and_runs_the_original_once(monkeypatch):
    campaign, made = Engines(keep=32), []
    real_init = RecordedExecution.__init__

    def keeping_init(self, *args):
        made.append(self)
        real_init(self, *args)

    monkeypatch.setattr(RecordedExecution, "__init__", keeping_init)
    for case in _preserved_cases(3):
        first = verdict(case, campaign)
        assert first == verdict(case, Engines())
        made.clear()
        assert verdict(case, campaign) == first
        assert len(made) == 1 and made[0]._live is None  # the original answered, not run


@pytest.mark.parametrize("pooling", [False, True])
def test_only_a_campaign_records_and_never_a_pooled_execution(pooling):
    from wasmfuzz.oracles.compare import compare
    from wasmfuzz.oracles.semantics import PAIR
    from wasmfuzz.fuzz.calls import call_plan
    wasm = wat2wasm(WAT)
    campaign, fresh = Engines(keep=32), Engines()
    assert fresh.recordings is None
    compare(wasm, ExecutionSpec(pooling=pooling), [PAIR], call_plan(bytes(16), 1), campaign, original=wasm)
    assert bool(campaign.recordings._trees) != pooling
