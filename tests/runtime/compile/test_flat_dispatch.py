"""The flat layout's states grouped into runs (compile.python.flat_dispatch):
same results and same trap sites as the plain chain, in fewer tests."""

import re

import pytest
from wasmfuzz.runtime import Engine, Instance, Module, Store, Trap
from wasmfuzz.runtime.compile.python import flat_dispatch
from wasmfuzz.runtime.compile.python.codegen import emit

CASES = 60
# A br_table over CASES nested blocks: case k stores k * 3 + 1 through a load
# of its own and returns; the last case traps (an out-of-bounds store), so its
# backtrace points into the last run.
_nest = "".join("(block " for _ in range(CASES))
_cases = "".join(
    f") (local.set 1 (i32.add (i32.mul (i32.const {k}) (i32.const 3)) (i32.load (i32.const 0)))) (br $out)"
    for k in range(CASES - 1))
WAT = f"""(module (memory 1)
  (func (export "pick") (param i32) (result i32) (local i32)
    (i32.store (i32.const 0) (i32.const 1))
    (block $out {_nest}(br_table {" ".join(map(str, range(CASES)))} (local.get 0)){_cases})
      (i32.store (i32.const 65536) (i32.const 0)))
    (local.get 1)))"""


def _run(monkeypatch, grouped: bool):
    monkeypatch.setenv("WASMFUZZ_CODEGEN_LAYOUT", "flat")
    monkeypatch.setattr(flat_dispatch, "MIN_STATES", 32 if grouped else 1 << 30)
    store = Store(Engine())
    module = Module(store.engine, WAT)
    pick = Instance(store, module, []).exports(store)["pick"]
    results = [pick(store, k) for k in range(CASES - 1)]
    with pytest.raises(Trap) as trapped:
        pick(store, CASES - 1)
    info = module._code.info
    source = emit(info, 0, options=module._code.options).source()
    return results, str(trapped.value), source


def test_grouped_states_run_as_the_chain_does(monkeypatch):
    results, trap, source = _run(monkeypatch, grouped=True)
    chain_results, chain_trap, chain_source = _run(monkeypatch, grouped=False)
    assert results == chain_results == [k * 3 + 1 for k in range(CASES - 1)]
    assert trap == chain_trap and "0x" in trap  # the trap site's offset survived the lines moving
    assert "if _L <" in source and "if _L <" not in chain_source
    states = [int(n) for n in re.findall(r"if _L == (\d+):", source)]
    assert states == list(range(len(states)))  # numbered in the order their code appears
    guards = len(re.findall(r"if _L < \d+:", source))
    assert guards <= len(states) // flat_dispatch.MIN_RUN  # runs of at least MIN_RUN states
