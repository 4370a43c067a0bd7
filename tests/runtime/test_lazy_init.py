"""Lazy function references and funcref tables against the eager reference semantics.

The property test draws the ``table_ops`` fuzz target's programs
(``wasmfuzz.fuzz.strategies.table_programs``: funcref tables, element
segments of every kind with constant and imported-global offsets, and a
sequence of table operations and calls); the observable results (values,
trap codes, final table contents seen from the host) must be the same with
``Config.table_lazy_init`` on and off. The targeted tests below pin single
cases, among them a lazy table exported and used from another instance.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from wasmfuzz.fuzz import strategies, table_ops
from wasmfuzz.runtime import Config, Engine, Global, GlobalType, Instance, Module, Store, Trap, TrapCode, ValType
from wasmfuzz.runtime.vm.context import UNINIT


def engine(lazy: bool) -> Engine:
    config = Config()
    config.table_lazy_init = lazy
    return Engine(config)


def identify(store, ref):
    """A function reference as the constant its function returns (None for null)."""
    if ref is None:
        return None
    return ref(store) if not ref.type(store).params else ref(store, 0)


def observe(lazy: bool, program: table_ops.TableOpsProgram):
    """Run a table-ops program in one mode; everything observable, in order."""
    eng = engine(lazy)
    store = Store(eng)
    offset = Global(store, GlobalType(ValType.i32(), False), 0)  # the program's "env" "offset"
    try:
        inst = Instance(store, Module(eng, program.wat()), [offset])
    except Trap as t:
        return [("instantiate", t.trap_code)]
    ex = inst.exports(store)
    log = []
    for k in range(len(program.ops)):
        try:
            log.append(ex[f"op{k}"](store))
        except Trap as t:
            log.append(t.trap_code)
    for k in range(len(program.tables)):
        table = ex[f"t{k}"]
        log.append([identify(store, table.get(store, i)) for i in range(table.size(store))])
    return log


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.table_programs())
def test_lazy_and_eager_agree_on_everything_observable(program):
    assert observe(True, program) == observe(False, program)


# ----- targeted cases -----

def instance(lazy: bool, wat: str):
    eng = engine(lazy)
    store = Store(eng)
    module = Module(eng, wat)
    return store, module, Instance(store, module, [])


TABLE_WAT = """(module
  (type $a (func (result i32)))
  (table (export "t") 6 funcref)
  (func $f0 (type $a) (i32.const 100)) (func $f1 (type $a) (i32.const 101)) (func $f2 (type $a) (i32.const 102))
  (elem (i32.const 0) $f0 $f1 $f2)
  (elem (i32.const 3) funcref (ref.null func) (ref.func $f1))
  (func (export "call") (param i32) (result i32) (call_indirect (type $a) (local.get 0)))
  (func (export "null") (param i32) (table.set (local.get 0) (ref.null func)))
  (func (export "copy") (param i32 i32 i32) (table.copy (local.get 0) (local.get 1) (local.get 2))))"""


def test_lazy_instantiation_builds_no_references_and_compiles_nothing():
    store, module, inst = instance(True, TABLE_WAT)
    vm = inst._vm
    # The function-index segment is folded into the plan; the expression-encoded
    # one at 3 is not (as in Wasmtime) and runs at instantiation: it stops the folding.
    assert vm.tables[0].elems[:3] == [UNINIT] * 3
    assert vm.tables[0].elems[3] is None and vm.tables[0].elems[5] is UNINIT
    assert set(vm._funcrefs) == {1}
    assert module._code._compiled == {}
    assert inst.exports(store)["call"](store, 1) == 101
    # The export taken (function 3) besides the one the segment at 3 made (1).
    assert set(vm._funcrefs) == {1, 3}
    assert module._code._compiled.keys() == {1, 3}


def test_eager_instantiation_builds_every_reference_and_element():
    store, _, inst = instance(False, TABLE_WAT)
    vm = inst._vm
    assert UNINIT not in vm.tables[0].elems
    assert set(vm._funcrefs) == set(range(6))


@pytest.mark.parametrize("lazy", [True, False])
def test_null_in_an_element_segment_is_null(lazy):
    store, _, inst = instance(lazy, TABLE_WAT)
    with pytest.raises(Trap) as info:
        inst.exports(store)["call"](store, 3)
    assert info.value.trap_code == TrapCode.INDIRECT_CALL_TO_NULL
    assert inst.exports(store)["call"](store, 4) == 101


def test_lazy_initialisation_never_overwrites_an_explicit_null():
    store, _, inst = instance(True, TABLE_WAT)
    assert inst._vm.tables[0].elems[2] is UNINIT
    ex = inst.exports(store)
    ex["null"](store, 2)  # element 2 was never read: its plan says $f2
    with pytest.raises(Trap) as info:
        ex["call"](store, 2)
    assert info.value.trap_code == TrapCode.INDIRECT_CALL_TO_NULL
    assert ex["t"].get(store, 2) is None


def test_copying_uninitialised_elements_keeps_their_functions():
    store, _, inst = instance(True, TABLE_WAT)
    ex = inst.exports(store)
    ex["copy"](store, 1, 0, 3)  # overlapping, nothing read yet: [f0 f0 f1 f2 ...]
    assert [ex["call"](store, i) for i in range(4)] == [100, 100, 101, 102]


def test_host_reads_of_a_lazy_table_initialise_it():
    store, _, inst = instance(True, TABLE_WAT)
    t = inst.exports(store)["t"]
    assert [identify(store, t.get(store, i)) for i in range(6)] == [100, 101, 102, None, 101, None]
    assert UNINIT not in inst._vm.tables[0].elems


def test_exported_lazy_table_is_initialised_from_its_owner():
    eng = engine(True)
    store = Store(eng)
    owner = Instance(store, Module(eng, TABLE_WAT), [])
    user = Instance(store, Module(eng, """(module (type $a (func (result i32)))
      (import "o" "t" (table 6 funcref))
      (func (export "call") (param i32) (result i32) (call_indirect (type $a) (local.get 0))))"""),
                    [owner.exports(store)["t"]])
    assert user.exports(store)["call"](store, 2) == 102
