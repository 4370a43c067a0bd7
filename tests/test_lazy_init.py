"""Lazy function references and funcref tables against the eager reference semantics.

Property tests generate modules with funcref tables and element segments
(active with constant and global offsets, passive, declarative, with
``ref.func``/``ref.null`` expressions), a table imported from another
instance, and a sequence of table operations and calls; the observable
results (values, trap codes, final table contents seen from Wasm and from
the host) must be the same with ``Config.table_lazy_init`` on and off.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wasmfuzz.runtime import (
    Config,
    Engine,
    Func,
    Instance,
    Linker,
    Module,
    Store,
    Trap,
    TrapCode,
)
from wasmfuzz.runtime.vm.context import UNINIT

NFUNCS = 6  # f0..f3 have type $a (result i32); f4, f5 type $b (param i32) (result i32)


def engine(lazy: bool) -> Engine:
    config = Config()
    config.table_lazy_init = lazy
    return Engine(config)


def identify(store, ref):
    """A function reference as the constant its function returns (None for null)."""
    if ref is None:
        return None
    return ref(store) if not ref.type(store).params else ref(store, 0)


def functions() -> str:
    out = [f"(func $f{k} (type $a) (i32.const {100 + k}))" for k in range(4)]
    out += [f"(func $f{k} (type $b) (i32.add (local.get 0) (i32.const {100 + k})))" for k in (4, 5)]
    return "\n".join(out)


ref_expr = st.one_of(st.integers(0, NFUNCS - 1).map(lambda k: f"(ref.func $f{k})"), st.just("(ref.null func)"))
index = st.integers(0, 12)

segment = st.one_of(
    st.tuples(st.just("active"), st.integers(0, 1), st.integers(0, 10), st.lists(ref_expr, max_size=5)),
    st.tuples(st.just("active-global"), st.integers(0, 1), st.just(0), st.lists(ref_expr, max_size=3)),
    st.tuples(st.just("passive"), st.just(0), st.just(0), st.lists(ref_expr, max_size=5)),
    st.tuples(st.just("declare"), st.just(0), st.just(0), st.lists(ref_expr, min_size=1, max_size=2)),
)

op = st.one_of(
    st.tuples(st.just("call"), st.integers(0, 2), index),
    st.tuples(st.just("get"), st.integers(0, 2), index),
    st.tuples(st.just("set"), st.integers(0, 2), index, ref_expr),
    st.tuples(st.just("copy"), st.integers(0, 2), index, st.integers(0, 2), index, st.integers(0, 6)),
    st.tuples(st.just("fill"), st.integers(0, 2), index, ref_expr, st.integers(0, 4)),
    st.tuples(st.just("grow"), st.integers(0, 2), ref_expr, st.integers(0, 3)),
    st.tuples(st.just("init"), st.integers(0, 2), st.integers(0, 3), index, st.integers(0, 4), st.integers(0, 4)),
    st.tuples(st.just("drop"), st.integers(0, 3)),
)


def op_wat(o) -> str:
    kind = o[0]
    if kind == "call":
        return f"(call_indirect {o[1]} (type $a) (i32.const {o[2]}))"
    if kind == "get":
        return f"(table.get {o[1]} (i32.const {o[2]}))"
    if kind == "set":
        return f"(table.set {o[1]} (i32.const {o[2]}) {o[3]})"
    if kind == "copy":
        return f"(table.copy {o[1]} {o[3]} (i32.const {o[2]}) (i32.const {o[4]}) (i32.const {o[5]}))"
    if kind == "fill":
        return f"(table.fill {o[1]} (i32.const {o[2]}) {o[3]} (i32.const {o[4]}))"
    if kind == "grow":
        return f"(table.grow {o[1]} {o[2]} (i32.const {o[3]}))"
    if kind == "init":
        return f"(table.init {o[1]} {o[2]} (i32.const {o[3]}) (i32.const {o[4]}) (i32.const {o[5]}))"
    return f"(elem.drop {o[1]})"


RESULT = {"call": "(result i32)", "get": "(result funcref)", "grow": "(result i32)"}


def module_wat(segments, ops) -> str:
    segs = []
    for i, (mode, table, offset, items) in enumerate(segments):
        body = " ".join(items)
        if mode == "active":
            segs.append(f"(elem $e{i} (table {table}) (i32.const {offset}) funcref {body})")
        elif mode == "active-global":
            segs.append(f"(elem $e{i} (table {table}) (global.get $off) funcref {body})")
        elif mode == "passive":
            segs.append(f"(elem $e{i} funcref {body})")
        else:
            segs.append(f"(elem $e{i} declare funcref {body})")
    while len(segs) < 4:  # table.init / elem.drop name segments 0..3
        segs.append(f"(elem $e{len(segs)} funcref (ref.func $f0))")
    op_funcs = "\n".join(f'(func (export "op{k}") {RESULT.get(o[0], "")} {op_wat(o)})' for k, o in enumerate(ops))
    return f"""(module
      (type $a (func (result i32)))
      (type $b (func (param i32) (result i32)))
      (import "provider" "shared" (table 4 funcref))
      (global $off (import "provider" "off") i32)
      (table (export "t1") 8 16 funcref)
      (table (export "t2") 3 funcref)
      {functions()}
      (elem declare func $f0 $f1 $f2 $f3 $f4 $f5)
      {chr(10).join(segs)}
      (func (export "size") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (table.size 0))
          (else (if (result i32) (i32.eq (local.get 0) (i32.const 1)) (then (table.size 1)) (else (table.size 2))))))
      {op_funcs})"""


PROVIDER = """(module
  (type $a (func (result i32)))
  (func $p0 (type $a) (i32.const 900)) (func $p1 (type $a) (i32.const 901))
  (global (export "off") i32 (i32.const 1))
  (table (export "shared") 4 funcref)
  (elem (i32.const 0) $p0 $p1 $p0))"""


def observe(lazy: bool, wat: str, nops: int):
    """Run the op sequence in one mode; everything observable, in order."""
    eng = engine(lazy)
    store = Store(eng)
    linker = Linker(eng)
    provider = Instance(store, Module(eng, PROVIDER), [])
    linker.define_instance(store, "provider", provider)
    try:
        inst = linker.instantiate(store, Module(eng, wat))
    except Trap as t:
        return [("instantiate", t.trap_code)]
    ex = inst.exports(store)
    log = []
    for k in range(nops):
        try:
            r = ex[f"op{k}"](store)
            log.append(identify(store, r) if isinstance(r, Func) else r)
        except Trap as t:
            log.append(t.trap_code)
    tables = [provider.exports(store)["shared"], ex["t1"], ex["t2"]]
    for which, table in enumerate(tables):
        size = ex["size"](store, which)
        assert size == table.size(store)
        log.append([identify(store, table.get(store, i)) for i in range(size)])
    return log


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(segment, max_size=5), st.lists(op, min_size=1, max_size=10))
def test_lazy_and_eager_agree_on_everything_observable(segments, ops):
    wat = module_wat(segments, ops)
    assert observe(True, wat, len(ops)) == observe(False, wat, len(ops))


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
