"""The official spec test suite on wasmfuzz.runtime, and checks of the runner itself.

One pytest item per top-level ``.wast`` file of the suite (WebAssembly 2.0;
``simd_*.wast`` run in ``test_spec_3_0``), each requiring every command to
pass. The suite is data beside the project, never copied into it: its
location is ``$WASMFUZZ_SPEC_TESTSUITE``, else ``../shared/spec-testsuite``
next to this checkout.

Commands wasmfuzz is known to fail are listed, with a reason, in
``KNOWN_FAILURES`` and nowhere else; an entry that starts passing fails the
test too, so the list stays true.

The runner is checked on real Wasmtime (scripts that pass there cleanly) and
its value comparison rules are checked directly, so a failure on wasmfuzz
points at wasmfuzz.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from wasmfuzz.runtime.binary.features import WASM2
from wasmfuzz.runtime.binary.values import f32_from_bits, f64_from_bits
from wasmfuzz.runtime.errors import Trap, TrapCode

from wasmfuzz.cli import wast

SUITE = Path(os.environ.get("WASMFUZZ_SPEC_TESTSUITE")
             or Path(__file__).parents[3] / "shared" / "spec-testsuite")

# {"file.wast": {line: "why wasmfuzz fails this command"}}
KNOWN_FAILURES: dict[str, dict[int, str]] = {}


def _core_scripts() -> list:
    if not SUITE.is_dir():
        reason = f"spec test suite not found at {SUITE} (set WASMFUZZ_SPEC_TESTSUITE)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason))]
    return sorted(p.name for p in SUITE.glob("*.wast") if not p.name.startswith("simd_"))


def _problems(report: wast.WastReport, known: dict[int, str]) -> list[str]:
    """Every way the report falls short of "all pass, except the known failures"."""
    failed = {o.line for o in report.failures()}
    return ([str(o) for o in report.outcomes if o.status == wast.FAILED and o.line not in known]
            + [str(o) for o in report.outcomes if o.status == wast.SKIPPED]
            + [f"line {line}: listed in KNOWN_FAILURES ({why}) but passes"
               for line, why in known.items() if line not in failed])


# Both table modes: lazy initialisation (the default) and the eager reference semantics.
@pytest.mark.parametrize("lazy", [True, False], ids=["lazy", "eager"])
@pytest.mark.parametrize("name", _core_scripts())
def test_spec_script(name, lazy):
    import wasmfuzz.runtime as api

    report = wast.run_wast(SUITE / name, api, WASM2, config_options={"table_lazy_init": lazy})
    problems = _problems(report, KNOWN_FAILURES.get(name, {}))
    assert not problems, f"{name}: {report.summary()}\n" + "\n".join(problems)


# --- the runner on real Wasmtime ---------------------------------------------------

# Scripts wasmtime-py passes completely: they cover registration and linking,
# the spectest module, traps, exhaustion, uninstantiable modules, references,
# text and binary malformed modules, and canonical/arithmetic NaN results.
# (Scripts returning f32 signalling NaNs fail on wasmtime-py: its ctypes f32
# conversion quiets them.)
CLEAN_ON_WASMTIME = ["i32.wast", "f32.wast", "f64.wast", "linking.wast", "imports.wast",
                     "call_indirect.wast", "data.wast", "ref_null.wast", "table_get.wast",
                     "binary-leb128.wast", "comments.wast", "skip-stack-guard-page.wast"]


@pytest.mark.skipif(not SUITE.is_dir(), reason=f"spec test suite not found at {SUITE}")
@pytest.mark.parametrize("name", CLEAN_ON_WASMTIME)
def test_runner_passes_clean_scripts_on_wasmtime(name):
    wasmtime = pytest.importorskip("wasmtime")
    report = wast.run_wast(SUITE / name, wasmtime, WASM2)
    assert report.outcomes and not _problems(report, {}), "\n".join(_problems(report, {}))


def _run_text(tmp_path, text: str, **options) -> wast.WastReport:
    wasmtime = pytest.importorskip("wasmtime")
    path = tmp_path / "script.wast"
    path.write_text(text)
    return wast.run_wast(path, wasmtime, **options)


def test_failed_module_fails_later_commands_naming_it(tmp_path):
    report = _run_text(tmp_path, '(module (import "nowhere" "f" (func)))\n'
                                 '(assert_return (invoke "g"))\n')
    first, second = report.outcomes
    assert first.status == wast.FAILED and "unknown import" in first.reason
    assert second.status == wast.FAILED and "module at line 1 did not load" in second.reason


def test_one_bad_command_does_not_stop_the_file(tmp_path):
    report = _run_text(tmp_path, '(module (func (export "f") (result i32) i32.const 1))\n'
                                 '(assert_return (invoke "f") (i32.const 2))\n'
                                 '(assert_return (invoke "f") (i32.const 1))\n')
    assert [o.status for o in report.outcomes] == [wast.PASSED, wast.FAILED, wast.PASSED]
    assert report.outcomes[1].reason == "invoke 'f': result 0: got 1 (0x1), expected 2 (0x2)"


def test_commands_needing_an_off_proposal_are_skipped(tmp_path):
    report = _run_text(tmp_path, '(module (func (export "f") (param v128)))\n'
                                 '(assert_return (invoke "f" (v128.const i32x4 0 0 0 0)))\n',
                       features=WASM2)
    assert [o.status for o in report.outcomes] == [wast.SKIPPED, wast.SKIPPED]
    assert report.outcomes[0].reason == "needs the simd proposal, which is off"


def test_assert_trap_checks_the_trap_code(tmp_path):
    report = _run_text(tmp_path, '(module (func (export "f") unreachable))\n'
                                 '(assert_trap (invoke "f") "unreachable")\n'
                                 '(assert_trap (invoke "f") "integer overflow")\n')
    assert [o.status for o in report.outcomes] == [wast.PASSED, wast.PASSED, wast.FAILED]
    assert "UNREACHABLE" in report.outcomes[2].reason


def test_missing_script_is_a_wast_error(tmp_path):
    with pytest.raises(wast.WastError, match="no such file"):
        wast.run_wast(tmp_path / "absent.wast", pytest.importorskip("wasmtime"))


# --- comparison rules ------------------------------------------------------------------

@pytest.mark.parametrize("bits, canonical, arithmetic", [
    (0x7FC00000, True, True),
    (0xFFC00000, True, True),        # the sign is free
    (0x7FC00001, False, True),       # payload beyond the quiet bit
    (0x7FA00000, False, False),      # signalling
    (0x7F800000, False, False),      # infinity
    (0x3F800000, False, False),
])
def test_f32_nan_classes(bits, canonical, arithmetic):
    assert wast.is_canonical_nan("f32", bits) is canonical
    assert wast.is_arithmetic_nan("f32", bits) is arithmetic


@pytest.mark.parametrize("bits, canonical, arithmetic", [
    (0x7FF8000000000000, True, True),
    (0xFFF8000000000000, True, True),
    (0x7FF8000000000001, False, True),
    (0x7FF4000000000000, False, False),
    (0x7FF0000000000000, False, False),
])
def test_f64_nan_classes(bits, canonical, arithmetic):
    assert wast.is_canonical_nan("f64", bits) is canonical
    assert wast.is_arithmetic_nan("f64", bits) is arithmetic


def _f32(value: str) -> dict:
    return {"type": "f32", "value": value}


def test_float_results_compare_bit_patterns():
    assert wast.result_mismatch(_f32("2147483648"), -0.0) is None
    assert wast.result_mismatch(_f32("2147483648"), 0.0) is not None
    snan = 0x7FA00001
    assert wast.result_mismatch(_f32(str(snan)), f32_from_bits(snan)) is None
    assert wast.result_mismatch(_f32(str(snan)), f32_from_bits(snan | 0x400000)) is not None
    assert wast.result_mismatch({"type": "f64", "value": str(0x7FF4000000000001)},
                                f64_from_bits(0x7FF4000000000001)) is None


def test_nan_patterns_apply_their_rules():
    assert wast.result_mismatch(_f32("nan:canonical"), f32_from_bits(0xFFC00000)) is None
    assert wast.result_mismatch(_f32("nan:canonical"), f32_from_bits(0x7FC00001)) is not None
    assert wast.result_mismatch(_f32("nan:arithmetic"), f32_from_bits(0x7FC00001)) is None
    assert wast.result_mismatch(_f32("nan:arithmetic"), f32_from_bits(0x7FA00000)) is not None
    assert wast.result_mismatch(_f32("nan:arithmetic"), 1.0) is not None


def test_float_result_must_be_a_float():
    assert "expected an f32" in wast.result_mismatch(_f32("0"), 0)


def test_integers_compare_masked():
    assert wast.result_mismatch({"type": "i32", "value": "4294967295"}, -1) is None
    assert wast.result_mismatch({"type": "i32", "value": "-1"}, -1) is None
    assert wast.result_mismatch({"type": "i64", "value": "18446744073709551615"}, -1) is None
    assert wast.result_mismatch({"type": "i32", "value": "2"}, 1) is not None
    assert wast.result_mismatch({"type": "i32", "value": "1"}, 1.0) is not None


def test_references_compare_by_host_value_and_null():
    assert wast.result_mismatch({"type": "externref", "value": "null"}, None) is None
    assert wast.result_mismatch({"type": "externref", "value": "1"}, wast.HostRef(1)) is None
    assert wast.result_mismatch({"type": "externref", "value": "1"}, wast.HostRef(2)) is not None
    assert wast.result_mismatch({"type": "externref", "value": "1"}, None) is not None
    assert wast.result_mismatch({"type": "funcref", "value": "null"}, object()) is not None
    assert wast.result_mismatch({"type": "funcref"}, object()) is None


def test_either_accepts_any_alternative():
    either = {"type": "either", "values": [_f32("0"), _f32("nan:canonical")]}
    assert wast.result_mismatch(either, f32_from_bits(0x7FC00000)) is None
    assert wast.result_mismatch(either, 1.0) is not None


def test_arguments_cross_as_wasmtime_py_values():
    assert wast.arg_value({"type": "i32", "value": "4294967295"}) == -1
    assert wast.arg_value({"type": "i64", "value": "9223372036854775808"}) == -2**63
    assert wast.arg_value({"type": "externref", "value": "null"}) is None
    assert wast.arg_value({"type": "externref", "value": "7"}) == wast.HostRef(7)


@pytest.mark.parametrize("text, code", [
    ("unreachable", TrapCode.UNREACHABLE),
    ("uninitialized element 2", TrapCode.INDIRECT_CALL_TO_NULL),
    ("undefined element", TrapCode.TABLE_OUT_OF_BOUNDS),
    ("call stack exhausted", TrapCode.STACK_OVERFLOW),
])
def test_trap_texts_map_to_trap_codes(text, code):
    assert wast.trap_mismatch(Trap.from_code(code), text) is None
    assert wast.trap_mismatch(Trap.from_code(TrapCode.INTEGER_OVERFLOW), text) is not None
