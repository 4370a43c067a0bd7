"""The mutate target: C seeds built with clang, rewritten by wasm-mutate, compared
as the differential target compares, plus the semantics oracle for rewrites
that claim to keep the program's meaning (``oracles.semantics``).

The seed tests need Debian's clang and wasm-ld (as the WASI tests do) and skip
without them; the fallback to wasm-smith seeds is tested either way."""

from __future__ import annotations

import random
import re
import subprocess

import pytest
from wasmfuzz.fuzz import seeds, targets
from wasmfuzz.fuzz.case import TestCase
from wasmfuzz.fuzz.calls import call_plan
from wasmfuzz.fuzz.targets import mutate
from wasmfuzz.oracles import Divergence, ExecutionSpec
from wasmfuzz.oracles.pairs import WASMTIME
from wasmfuzz.oracles.semantics import PAIR as SEMANTICS
from wasmfuzz.oracles.semantics import check_semantics
from wasmfuzz.runtime.binary.wat import wasm_tools, wat2wasm


def _c_seeds() -> tuple[tuple[str, bytes], ...]:
    try:
        return seeds.build_all()
    except seeds.ToolchainMissing as e:
        pytest.skip(f"no C seeds here: {e}")


def _wat(wasm: bytes) -> str:
    return subprocess.run([wasm_tools(), "print", "-"], input=wasm, capture_output=True, check=True).stdout.decode()


def _wasmfuzz_features() -> str:
    """The proposals wasmfuzz accepts in a mutate case's configuration, as ``wasm-tools validate --features``
    names them: the rewrites are checked by an oracle other than the one the target used."""
    from wasmfuzz import runtime
    config = runtime.Config()
    for setting, value in ExecutionSpec().settings().items():
        setattr(config, setting, value)
    return runtime.Engine(config).features.wasm_tools_flags()


def _inputs(seed: int, count: int):
    rng = random.Random(seed)
    return [rng.randbytes(rng.randint(16, 400)) for _ in range(count)]


def test_every_source_builds_at_every_level():
    built = dict(_c_seeds())
    assert set(built) == {f"{src.stem}{opt}" for src in seeds.SOURCES for opt in seeds.OPT_LEVELS}
    assert len(seeds.SOURCES) >= 4


def test_seeds_have_real_programs_shapes():
    """What the seeds are for: a shadow stack with the data above it (1 MiB
    at -O2, as Rust links; 64 KiB otherwise, as C toolchains link), no
    imports, and between them the instructions C makes and smith rarely puts
    together."""
    texts = {name: _wat(wasm) for name, wasm in _c_seeds()}
    for name, text in texts.items():
        stack = 1 << 20 if name.endswith("-O2") else 1 << 16
        assert "(import" not in text, name
        assert re.search(rf"global \$__stack_pointer \(;0;\) \(mut i32\) i32\.const {stack}\b", text), name
        offsets = [int(n) for n in re.findall(r"\(data [^\n]*?\(i32\.const (\d+)\)", text)]
        assert offsets and min(offsets) >= stack, name
        assert '(export "memory"' in text and '(export "__indirect_function_table"' in text, name
    everything = "".join(texts.values())
    for instruction in ("call_indirect", "br_table", "memory.copy", "memory.fill", "i64.mul", "i64.div_u", "i64.rem_s",
                        "i32.extend8_s", "f32.sqrt", "i64.trunc_sat_f64_s", "f64.copysign", "i64.rotl"):
        assert instruction in everything, instruction


def test_seeds_agree_with_wasmtime_unmutated():
    """With edge-value arguments, NaNs among them: the seeds never store a NaN
    (its sign and payload are the engine's choice when arithmetic makes it,
    so memories could differ with both engines right)."""
    rng = random.Random(5)
    for name, wasm in _c_seeds():
        for args in (bytes(range(64)), *(rng.randbytes(64) for _ in range(3))):
            verdict = TestCase(wasm, ExecutionSpec(fuel=10**6), (WASMTIME.name,), args, 2).check()
            assert verdict.steps >= 4, name  # every export called twice: each one returned or trapped alike


def test_target_makes_valid_mutated_cases_from_random_bytes():
    originals = {wasm for _, wasm in _c_seeds()}
    features = _wasmfuzz_features()
    cases = [targets.make_case("mutate", data) for data in _inputs(7, 40)]
    made = [c for c in cases if c is not None]
    assert len(made) >= 30  # wasm-mutate gives up now and then; most inputs still make a case
    for case in made:
        valid = subprocess.run([wasm_tools(), "validate", f"--features={features}", "-"], input=case.wasm)
        assert valid.returncode == 0
        assert case.wasm not in originals
        if SEMANTICS.name in case.checks:
            assert case.original in originals
        else:
            assert case.spec.fuel is not None and not case.original  # a rewrite may loop: always metered
    assert any(SEMANTICS.name in c.checks for c in made) and any(SEMANTICS.name not in c.checks for c in made)


def test_semantics_preserving_mutations_agree_with_the_original():
    _c_seeds()
    checked = 0
    for data in _inputs(11, 60):
        case = targets.make_case("mutate", data)
        if case is None or SEMANTICS.name not in case.checks:
            continue
        verdict = check_semantics(case.original, case.wasm, case.spec, call_plan(case.args, case.invocations))
        assert verdict.compared == [SEMANTICS.name] and verdict.steps > 0
        checked += 1
    assert checked >= 15


ADD_ONE = "(module (func (export \"f\") (param i32) (result i32) local.get 0 i32.const {k} i32.add))"
ADD_ONE_SWAPPED = "(module (func (export \"f\") (param i32) (result i32) i32.const 1 local.get 0 i32.add))"


def test_semantics_oracle_accepts_a_rewrite_and_poisons_a_change_wasmtime_sees_too():
    """A rewrite that changes the program on Wasmtime as well is wasm-mutate's
    fault, not wasmfuzz's: the check is poisoned with that reason."""
    original = wat2wasm(ADD_ONE.format(k=1))
    spec = ExecutionSpec()
    plan = call_plan(bytes(range(32)), 2)
    assert check_semantics(original, wat2wasm(ADD_ONE_SWAPPED), spec, plan).steps == 2
    verdict = check_semantics(original, wat2wasm(ADD_ONE.format(k=2)), spec, plan)
    assert verdict.compared == [SEMANTICS.name]
    assert "Wasmtime sees it differ too" in verdict.poisoned[SEMANTICS.name]


def test_semantics_oracle_reports_a_difference_only_wasmfuzz_makes(monkeypatch):
    """A wasmfuzz bug the rewrite reaches and the original does not (here
    i32.sub planted wrong, x - (-1) as x + 2) is a divergence."""
    from wasmfuzz.runtime.binary import opcodes
    from wasmfuzz.runtime.compile.python import codegen
    monkeypatch.setitem(codegen._SIMPLE, opcodes.NAMES["i32.sub"], ("b", "(({a} - {b} + 1) & 0xFFFFFFFF)"))
    original = wat2wasm(ADD_ONE.format(k=1))
    rewrite = wat2wasm('(module (func (export "f") (param i32) (result i32) local.get 0 i32.const -1 i32.sub))')
    with pytest.raises(Divergence) as caught:
        check_semantics(original, rewrite, ExecutionSpec(), call_plan(bytes(range(32)), 2))
    assert caught.value.signature.startswith(SEMANTICS.name)
    report = caught.value.report()
    assert "wasmfuzz (original): returned" in report and "wasmfuzz (mutated): returned" in report


def test_a_semantics_case_replays_from_its_saved_form():
    wasm, original = wat2wasm(ADD_ONE.format(k=2)), wat2wasm(ADD_ONE.format(k=1))
    case = TestCase(wasm, ExecutionSpec(), (WASMTIME.name, SEMANTICS.name), b"\1\2", 1, original)
    replayed = TestCase.from_json(case.to_json(), wasm)
    assert replayed == case
    assert "Wasmtime sees it differ too" in replayed.check().poisoned[SEMANTICS.name]  # the replay got that far


ENDLESS = ('(module (func (export "f") (param i32) (result i32) (loop $l (br_if $l (i32.const 1))) local.get 0)'
           ' (func (export "g") (param i32) (result i32) local.get 0))')


def test_a_rewrite_that_never_returns_is_not_run_without_fuel():
    """wasm-mutate can make a loop endless under --preserve-semantics: the case
    is poisoned (said where it ran away) instead of hanging every fuel-off execution
    of it, while a rewrite that ends is compared as before."""
    original = wat2wasm(ADD_ONE.format(k=1).replace('"f"', '"f") (export "g"'))
    looping = TestCase(wat2wasm(ENDLESS), ExecutionSpec(), (WASMTIME.name, SEMANTICS.name), b"\1\2", 1, original)
    verdict = looping.check()  # returns: wasmfuzz never ran the endless call
    assert sorted(verdict.poisoned) == sorted([WASMTIME.name, SEMANTICS.name]) and verdict.steps == 1
    reason = verdict.poisoned[SEMANTICS.name]
    assert reason.startswith("call 1: f(i32:") and "does not end" in reason
    ending = TestCase(wat2wasm(ADD_ONE_SWAPPED), ExecutionSpec(), (WASMTIME.name, SEMANTICS.name), b"\1\2", 2,
                      wat2wasm(ADD_ONE.format(k=1)))
    assert ending.check().compared == [WASMTIME.name, SEMANTICS.name]


def test_mutation_failure_is_no_case():
    with pytest.raises(mutate.MutateFailed, match="exit 2"):  # wasm-tools mutate: input does not parse
        mutate.mutate(b"\0asm\1\0\0\0\xff", 0, 1, False, frozenset())


def test_a_rewrite_over_the_size_cap_is_kept_only_when_large(monkeypatch):
    """wasm-mutate may grow a data segment to megabytes: such a rewrite counts
    as not applied unless the input drew ``large``."""
    small = wat2wasm(ADD_ONE.format(k=1))
    big = wat2wasm(f'(module (memory 1) (data "{"x" * (mutate.LARGE_REWRITE + 1)}"))')
    runs, limits = [], set()

    def grows(args, data, timeout=None, max_output=None):
        runs.append(args)
        limits.add(max_output)
        return mutate.tool_runs.Run(0, big, b"")
    monkeypatch.setattr(mutate.tool_runs, "run", grows)
    with pytest.raises(mutate.MutateFailed, match="0 of 1 mutations applied"):
        mutate.mutate(small, 0, 1, False, frozenset())
    assert len(runs) == mutate.ATTEMPTS and limits == {mutate.LARGE_REWRITE}
    assert mutate.mutate(small, 0, 1, False, frozenset(), large=True) == big and limits == {mutate.LARGE_REWRITE, None}


def test_a_rewrite_known_to_be_over_the_cap_counts_as_not_applied(monkeypatch):
    """tool_runs answers None for a run it knows prints more than ``max_output``."""
    monkeypatch.setattr(mutate.tool_runs, "run", lambda args, data, timeout=None, max_output=None: None)
    with pytest.raises(mutate.MutateFailed, match="0 of 2 mutations applied"):
        mutate.mutate(wat2wasm(ADD_ONE.format(k=1)), 0, 2, False, frozenset())


def test_a_slow_mutation_is_no_case(monkeypatch):
    def slow(args, data, timeout, max_output=None):  # tool_runs' own tests time real runs out
        assert timeout == mutate.MUTATE_TIMEOUT
        raise subprocess.TimeoutExpired(args, timeout)
    monkeypatch.setattr(mutate.tool_runs, "run", slow)
    with pytest.raises(mutate.MutateFailed, match="took over"):
        mutate.mutate(wat2wasm(ADD_ONE.format(k=1)), 0, 1, False, frozenset())


def test_without_clang_the_seeds_say_why(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("WASMFUZZ_SEED_CACHE", str(tmp_path / "cache"))
    with pytest.raises(seeds.ToolchainMissing, match="clang is not installed"):
        seeds.build(seeds.SOURCES[0], "-O2")


def test_without_c_seeds_the_target_mutates_smith_modules_and_says_so_once(monkeypatch, capsys):
    def missing():
        raise seeds.ToolchainMissing("clang is not installed (test)")
    monkeypatch.setattr(seeds, "build_all", missing)
    mutate._c_seeds.cache_clear()
    try:
        made = [targets.make_case("mutate", data) for data in _inputs(3, 6)]
    finally:
        mutate._c_seeds.cache_clear()
    assert any(c is not None for c in made)
    for case in made:
        if case is not None:
            case.check()
    assert capsys.readouterr().err.count("no C seeds (clang is not installed (test))") == 1


def test_the_semantics_check_shares_the_rewrites_execution(monkeypatch):
    """One lockstep: Wasmtime (guarded, so it also stands for the run-away
    check), the rewrite lazy and eager on wasmfuzz, and the original: four
    executions, where a separate semantics check made six."""
    from wasmfuzz.oracles.execution import ApiExecution
    from wasmfuzz.oracles.pairs import LAZY_VS_EAGER
    made = []
    real = ApiExecution.instantiate
    monkeypatch.setattr(ApiExecution, "instantiate", lambda self, wasm: made.append(self.name) or real(self, wasm))
    case = TestCase(wat2wasm(ADD_ONE_SWAPPED), ExecutionSpec(lazy_init=True),
                    (WASMTIME.name, LAZY_VS_EAGER.name, SEMANTICS.name), b"\1\2", 2, wat2wasm(ADD_ONE.format(k=1)))
    verdict = case.check()
    assert verdict.compared == [WASMTIME.name, LAZY_VS_EAGER.name, SEMANTICS.name] and not verdict.poisoned
    assert len(made) == 4 and sum("(original)" in name for name in made) == 1
    assert made[0].startswith("wasmtime[fuel=")  # the guard goes first


def test_a_rewrite_hiding_exports_from_wasmtime_is_compared_through_the_same_exports():
    """wasm-mutate may add a v128 function: the rewrite's table is then not
    exported to Wasmtime (``hidden_types``), and the original is seen without
    it too, so the two still export alike and are compared."""
    body = '(table (export "t") 1 funcref) (elem (i32.const 0) func 0) {extra}' \
           '(func (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add)'
    original = wat2wasm(f"(module {body.format(extra='')})")
    rewrite = wat2wasm(f"(module {body.format(extra='(func (param v128))')})")
    plan = call_plan(bytes(range(32)), 2)
    case = TestCase(rewrite, ExecutionSpec(), (WASMTIME.name, SEMANTICS.name), bytes(range(32)), 2, original)
    verdict = case.check()
    assert verdict.compared == [WASMTIME.name, SEMANTICS.name] and not verdict.poisoned and verdict.steps == 2
    assert check_semantics(original, rewrite, ExecutionSpec(), plan).poisoned == {}
