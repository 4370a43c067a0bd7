"""Code generated for one module's function reused for the same function of
another module (``compile.python.twins``): when it is, when it is not, and
that what is reused behaves, traps and reports frames as freshly generated
code does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import wasmfuzz.runtime as api
from wasmfuzz.runtime import Config, Engine, Instance, Module, Store, Trap
from wasmfuzz.runtime.binary.features import DEFAULTS
from wasmfuzz.runtime.binary.module_info import FuncBody, ModuleInfo
from wasmfuzz.runtime.compile.python import backend, body_scan, twins

from wasmfuzz.cli import wast

# Where tests/spec finds the spec suites (its SUITE), the 3.0 one beside it.
SUITE = Path(os.environ.get("WASMFUZZ_SPEC_TESTSUITE") or Path(__file__).parents[4] / "shared" / "spec-testsuite")

# $load is the function the variants share; $twice calls it; the variants differ around them.
BASE = '''(module $%s %s
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  (func $load (param i32) (result i32) (global.set $g (local.get 0)) (i32.load (local.get 0)))
  (func $twice (export "twice") (param i32) (result i32)
    (i32.add (call $load (local.get 0)) (call $load (local.get 0))))
  %s)'''


def module_text(name: str = "m", before: str = "", after: str = "") -> str:
    return BASE % (name, before, after)


@pytest.fixture
def kept(monkeypatch, compiles):
    """Twins on, from empty, for this test only; the count of compile() calls."""
    monkeypatch.setattr(twins, "_units", type(twins._units)())
    monkeypatch.setattr(twins, "_wholes", {})
    monkeypatch.setattr(twins, "_held", 0)
    monkeypatch.setattr(twins, "_filings", {})
    twins.keep(64)
    yield compiles
    twins.keep(0)


def run_twice(text: str, arg: int, **switches):
    config = Config()
    for name, value in switches.items():
        setattr(config, name, value)
    engine = Engine(config)
    store = Store(engine)
    if switches.get("consume_fuel"):
        store.set_fuel(10_000)
    instance = Instance(store, Module(engine, text), [])
    try:
        return instance.exports(store)["twice"](store, arg)
    except Trap as trap:
        return trap.trap_code, [(f.func_index, f.func_offset, f.module_offset) for f in trap.frames]


def test_a_function_of_another_module_is_not_compiled_again(kept):
    first = run_twice(module_text(), 8)
    assert kept[0] == 2
    # Other exports, a data segment, another module name: none of it is code context.
    again = run_twice(module_text("other", after='(export "g" (global $g)) (data (i32.const 8) "\\05")'), 8)
    assert kept[0] == 2 and twins.stats()["hits"] >= 2
    assert (first, again) == (0, 10)


def test_code_filed_under_several_option_sets_counts_once_against_the_budget(kept):
    run_twice(module_text(), 8)  # integer code: the same under either NaN setting, tables lazy or eager
    units = {id(u): u for u in twins._units.values()}
    assert kept[0] == 2 and len(twins._units) > len(units) == 2
    assert twins._held == sum(len(u.source) for u in units.values())
    twins.keep(len(twins._units) - 1)  # one key goes: its unit is still filed under another
    assert twins._held == sum(len(u.source) for u in units.values())
    twins.keep(0)
    assert twins._held == 0 and not twins._filings


def test_reused_code_reports_frames_where_its_own_module_has_them(kept):
    """A custom section in front moves the code: the frames of a trap must move with it."""
    run_twice(module_text(), 65536)
    moved = module_text(before='(@custom "pad" "0123456789abcdef0123456789abcdef")')
    reused = run_twice(moved, 65536)
    assert kept[0] == 2
    twins.keep(0)
    fresh = run_twice(moved, 65536)
    assert kept[0] == 4
    assert reused == fresh and reused[1][0][2] > 0


@pytest.mark.parametrize("change,compiled", [
    # a global $load writes, with its body changed to match: $load compiles again, $twice names no global
    (("(global $g (mut i32) (i32.const 0))", "(global $g (mut i64) (i64.const 0))"), 1),
    (("(memory 1)", "(memory i64 1)"), 2),  # the memory: the whole memory section is code context
])
def test_a_different_context_compiles_again(kept, change, compiled):
    old, new = change
    run_twice(module_text(), 8)
    text = module_text().replace(old, new)
    if "i64" in new and "global" in new:
        text = text.replace("(global.set $g (local.get 0))", "(global.set $g (i64.extend_i32_u (local.get 0)))")
    if "memory i64" in new:
        text = text.replace("(i32.load (local.get 0))", "(i32.load (i64.extend_i32_u (local.get 0)))")
    assert run_twice(text, 8) == 0
    assert kept[0] == 2 + compiled


def test_a_function_is_keyed_on_the_functions_and_globals_it_names_only(kept):
    """A global or a function of a type the module has added after the others
    (as wasm-mutate adds them) changes no code; a global a body reads, made immutable with the
    body's bytes unchanged, changes that body's code."""
    reader = '(global $c (mut i32) (i32.const 3)) (func (export "c") (result i32) (global.get $c))'
    run_twice(module_text(after=reader), 8)
    assert kept[0] == 2  # "c" is never called
    added = '(global $h i64 (i64.const 7)) (func $new (param i32) (result i32) (local.get 0))'  # no new type
    assert run_twice(module_text(after=reader + added), 8) == 0
    assert kept[0] == 2
    engine = Engine()
    store = Store(engine)
    for text in (module_text(after=reader), module_text(after=reader.replace("(mut i32)", "i32"))):
        assert Instance(store, Module(engine, text), []).exports(store)["c"](store) == 3
    assert kept[0] == 4  # "c" under a mutable, then an immutable $c


def test_a_module_met_again_finds_its_code_without_reading_bodies(kept, monkeypatch):
    """Only a function whose module changed in its function or global
    section has its body decoded to key it on what it names."""
    named_for = []
    real = twins._named
    monkeypatch.setattr(twins, "_named", lambda info, funcidx: named_for.append(funcidx) or real(info, funcidx))
    run_twice(module_text(), 8)
    assert named_for and kept[0] == 2
    named_for.clear()
    run_twice(module_text("again"), 8)
    assert named_for == [] and kept[0] == 2
    run_twice(module_text(after="(global $h i32 (i32.const 1))"), 8)
    assert sorted(set(named_for)) == [0, 1] and kept[0] == 2


def test_other_code_generation_options_compile_again(kept):
    run_twice(module_text(), 8)
    assert run_twice(module_text(), 8, consume_fuel=True) == 0
    assert kept[0] == 4


def test_off_by_default_bounded_and_restored(monkeypatch):
    monkeypatch.setattr(twins, "_units", type(twins._units)())
    monkeypatch.setattr(twins, "_wholes", {})
    monkeypatch.setattr(twins, "_held", 0)
    monkeypatch.setattr(twins, "_filings", {})
    run_twice(module_text(), 8)
    assert len(twins._units) == 0
    with twins.kept(1):
        run_twice(module_text(), 8)
        assert len(twins._units) == 1 and twins._held > 0
        twins.keep(8, source_chars=1)
        run_twice(module_text("x"), 8)
        assert len(twins._units) == 0
        twins.keep(8)
        run_twice(module_text("y"), 8)
    assert len(twins._units) == 0 and twins._held == 0 and twins.key(None, 0, None) is None


# Everything code generation may read of a ModuleInfo: the decoded code context
# (decode.CODE_CONTEXT_SECTIONS), the methods over it, the function's own body,
# and the names the line map carries (rebuilt for a twin).
# Of the functions and globals, only what func_sig and global_sigs give, and
# only for those the function names (twins.named), which the twins key on one by one.
CONTEXT = {"types", "type_ids", "type_supers", "imports", "tables", "memories", "tags",
           "imports_of", "num_imported_funcs", "num_imported_tables", "num_imported_memories",
           "num_imported_globals", "tag_type_indices", "func_sig", "table_sigs",
           "memory_sigs", "global_sigs", "code", "name", "func_names"}
SCRIPTS = ["struct.wast", "array.wast", "br_on_cast.wast", "try_table.wast", "call_indirect.wast",
           "return_call_indirect.wast", "global.wast", "memory64.wast", "table_copy.wast", "simd_lane.wast",
           "ref_func.wast", "throw_ref.wast", "memory_grow.wast", "i31.wast", "call_ref.wast"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_code_generation_reads_only_the_code_context(script, monkeypatch):
    """What twins key on is all code generation reads: spec scripts whose
    modules use every kind of module entity, compiled with every read of
    the ModuleInfo and of function bodies recorded."""
    path = next((p for p in (SUITE.parent / "spec-testsuite-3.0" / script, SUITE / script) if p.exists()), None)
    if path is None:
        pytest.skip(f"spec script {script} not found beside the checkout")
    read: set[str] = set()
    other_bodies: list[int] = []
    unnamed: list[str] = []  # a function or global read that is not one the function names
    state = {"emitting": None, "inside": False, "named": (set(), set())}
    real_getattribute = ModuleInfo.__getattribute__
    real_code = FuncBody.code
    real_func_sig, real_global_sigs = ModuleInfo.func_sig, ModuleInfo.global_sigs

    def recording(self, name):
        if state["emitting"] is not None and not state["inside"]:
            read.add(name)
        return real_getattribute(self, name)

    def inside(method):
        state["inside"] = True
        try:
            return method()
        finally:
            state["inside"] = False

    def func_sig(self, funcidx):
        if state["emitting"] is not None and funcidx not in state["named"][0]:
            unnamed.append(f"function {funcidx}")
        return inside(lambda: real_func_sig(self, funcidx))

    class GlobalSigs(list):
        def __getitem__(self, g):
            if state["emitting"] is not None and g not in state["named"][1]:
                unnamed.append(f"global {g}")
            return list.__getitem__(self, g)

        def __iter__(self):
            if state["emitting"] is not None:
                unnamed.append("every global")
            return list.__iter__(self)

    def global_sigs(self):
        return GlobalSigs(inside(lambda: real_global_sigs(self)))

    def body_code(self):
        if state["emitting"] is not None and self is not state["emitting"]:
            other_bodies.append(id(self))
        return real_code.fget(self)

    real_emit = backend.emit

    def emit(info, funcidx, *args, **kwargs):
        state["emitting"] = info.code[funcidx - info.num_imported_funcs]
        state["named"] = body_scan.named(state["emitting"].code, funcidx)
        try:
            return real_emit(info, funcidx, *args, **kwargs)
        finally:
            state["emitting"] = None

    monkeypatch.setattr(ModuleInfo, "__getattribute__", recording)
    monkeypatch.setattr(ModuleInfo, "func_sig", func_sig)
    monkeypatch.setattr(ModuleInfo, "global_sigs", global_sigs)
    monkeypatch.setattr(FuncBody, "code", property(body_code))
    monkeypatch.setattr(backend, "emit", emit)
    wast.run_wast(path, api, DEFAULTS)
    assert read, "nothing was compiled"
    assert read <= CONTEXT, f"code generation read {sorted(read - CONTEXT)}, outside the twins' key"
    assert not other_bodies, "code generation read another function's body"
    assert not unnamed, f"code generation read {unnamed[0]}, which the function does not name"
