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


def test_unknown_target_is_refused():
    with pytest.raises(ValueError, match="unknown fuzz target"):
        targets.load("nope")
