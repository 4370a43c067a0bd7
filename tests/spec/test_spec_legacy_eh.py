"""The legacy exception-handling scripts of the 3.0 spec suite (``legacy/``).

``try``, ``catch``, ``catch_all``, ``delegate`` and ``rethrow`` exist only
with ``Config.wasm_legacy_exceptions`` (Wasmtime has no such switch and
rejects them). One pytest item per script and code layout; every command
must pass. Then: the switch, delegation cases the scripts leave out (in
both layouts, which must agree on results and fuel), and handlers nested
deeper than the structured layout can express.

The scripts write ``try`` folded, which wasm-tools cannot read;
``wast`` unfolds it first (``wast.unfold_try``).
"""

from __future__ import annotations

import pytest
from test_spec import SUITE, _problems
from wasmfuzz.runtime.binary.features import DEFAULTS

from wasmfuzz.cli import wast

LEGACY = SUITE.parent / "spec-testsuite-3.0" / "legacy"
FEATURES = DEFAULTS.with_(legacy_exceptions=True)

def _scripts() -> list:
    names = sorted(p.name for p in LEGACY.glob("*.wast"))
    if not names:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"legacy scripts not found at {LEGACY}"))]
    return names


@pytest.mark.parametrize("layout", ["structured", "flat"])
@pytest.mark.parametrize("name", _scripts())
def test_script(name, layout, tmp_path, monkeypatch):
    import wasmfuzz.runtime as api

    monkeypatch.setenv("WASMFUZZ_CODEGEN_LAYOUT", layout)
    report = wast.run_wast(LEGACY / name, api, FEATURES)
    problems = _problems(report, {})
    assert not problems, f"legacy/{name} ({layout}): {report.summary()}\n" + "\n".join(problems)


_MODULES = {
    "catch": "(module (tag) (func try catch 0 catch_all end))",
    "delegate_rethrow": "(module (tag) (func try try delegate 0 catch 0 rethrow 0 end))",
}


@pytest.mark.parametrize("which", sorted(_MODULES))
def test_legacy_instructions_need_the_switch(which):
    import wasmfuzz.runtime as api

    with pytest.raises(api.WasmtimeError, match="legacy-exceptions"):
        api.Module(api.Engine(), _MODULES[which])
    config = api.Config()
    config.wasm_legacy_exceptions = True
    api.Module(api.Engine(config), _MODULES[which])


# Delegation the spec scripts leave out: chains of delegates whose targets
# nest either way, past and onto a try_table, rethrowing an outer exception
# from a nested handler in a loop, and an exception delegated once and
# thrown again later through the try it skipped the first time.
_EDGES = """(module
  (tag $e0)
  (tag $e1 (param i32))
  (func $thr (param i32) (throw $e1 (local.get 0)))
  (func (export "chain-outward") (param i32) (result i32)
    try $T1 (result i32)
      try $T2 (result i32)
        try $D1 (result i32)
          try $D2 (result i32) (call $thr (local.get 0)) (i32.const 0) delegate $T2
        delegate $T1
      catch $e1 (i32.const 100) i32.add
      end
    catch $e1 (i32.const 200) i32.add
    end)
  (func (export "chain-inward") (param i32) (result i32)
    try $T2 (result i32)
      try $T1 (result i32)
        try $D1 (result i32)
          try $D2 (result i32) (call $thr (local.get 0)) (i32.const 0) delegate $T2
        delegate $T1
      catch $e1 (i32.const 100) i32.add
      end
    catch $e1 (i32.const 200) i32.add
    end)
  (func (export "past-try-table") (param i32) (result i32)
    try $T (result i32)
      (block $h (result i32)
        (try_table (result i32) (catch $e1 $h)
          try (result i32) (call $thr (local.get 0)) (i32.const 0) delegate $T))
      (i32.const 1000) i32.add
    catch $e1 (i32.const 300) i32.add
    end)
  (func (export "onto-try-table") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $e1 $h)
        try (result i32)
          try (result i32) (call $thr (local.get 0)) (i32.const 0) delegate 1
        catch $e1 (drop) (i32.const 7)
        end)
      (i32.const 1000) i32.add))
  (func (export "loop-rethrow") (param i32) (result i32) (local i32)
    (loop $l
      try
        try
          (call $thr (local.get 0))
        catch_all
          try
            (throw $e0)
          catch $e0
            (local.set 1 (i32.add (local.get 1) (i32.const 1)))
            (br_if $l (i32.lt_u (local.get 1) (i32.const 3)))
            (rethrow 1)
          end
        end
      catch $e1
        (drop)
        (local.set 1 (i32.add (local.get 1) (i32.const 10)))
      end)
    (local.get 1))
  (func (export "delegated-then-thrown-again") (result i32) (local exnref) (local i32)
    (loop $again
      try $T
        try $B
          (if (i32.eqz (local.get 1))
            (then try (throw $e1 (i32.const 5)) delegate $T)
            (else (throw_ref (local.get 0))))
        catch $e1 (drop) (return (i32.const 99))
        end
      catch_all
        (block $b (result exnref) (try_table (catch_all_ref $b) (rethrow 2)) (unreachable))
        (local.set 0)
        (local.set 1 (i32.const 1))
        (br $again)
      end)
    (i32.const -1)))"""
_EXPECTED = {"chain-outward": 105, "chain-inward": 205, "past-try-table": 305, "onto-try-table": 5,
             "loop-rethrow": 13, "delegated-then-thrown-again": 99}


def _run(wat: str, calls: dict, layout: str, fuel: bool, monkeypatch) -> tuple[dict, int | None]:
    """The results of ``calls`` (export name -> arguments) on ``wat``, and the fuel they consumed."""
    import wasmfuzz.runtime as api

    monkeypatch.setenv("WASMFUZZ_CODEGEN_LAYOUT", layout)
    config = api.Config()
    config.wasm_legacy_exceptions = True
    config.consume_fuel = fuel
    engine = api.Engine(config)
    store = api.Store(engine)
    if fuel:
        store.set_fuel(10**6)
    exports = api.Instance(store, api.Module(engine, wat), []).exports(store)
    results = {name: exports[name](store, *args) for name, args in calls.items()}
    return results, 10**6 - store.get_fuel() if fuel else None


@pytest.mark.parametrize("fuel", [False, True], ids=["plain", "fuel"])
def test_delegate_and_rethrow_edge_cases(fuel, monkeypatch):
    calls = {name: [] if name == "delegated-then-thrown-again" else [5] for name in _EXPECTED}
    structured = _run(_EDGES, calls, "structured", fuel, monkeypatch)
    assert structured[0] == _EXPECTED
    assert _run(_EDGES, calls, "flat", fuel, monkeypatch) == structured  # fuel included


def test_handlers_nested_deeper_than_python_allows(monkeypatch):
    """Each handler holds the next try: twelve named except clauses nest too
    deep for CPython, so the automatic layout falls back to the flat one."""
    from wasmfuzz.runtime.compile.python.codegen import CodegenLimit

    body = "(i32.const 0)"
    for _ in range(12):
        body = f"try (result i32) (throw $e) catch $e {body} (i32.const 1) i32.add end"
    wat = f'(module (tag $e) (func (export "f") (result i32) {body}))'
    assert _run(wat, {"f": []}, "auto", False, monkeypatch)[0] == {"f": 12}
    with pytest.raises(CodegenLimit):
        _run(wat, {"f": []}, "structured", False, monkeypatch)
