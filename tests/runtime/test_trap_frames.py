"""Trap backtraces against wasmtime-py: every Frame field and the whole text.

Each case runs on both engines with the same configuration; the expected
frames (index, names, function and module offsets) and ``str(trap)`` are
wasmtime-py's at test time.
"""

import gc

import pytest
import wasmtime
from wasmfuzz import runtime as wf

CHAIN = "(func $f0 unreachable)\n" + "\n".join(f"(func $f{i} call $f{i - 1})" for i in range(1, 12))
COUNTDOWN = ('(module (func $r (export "f") (param i32) local.get 0 if local.get 0 i32.const 1 i32.sub call $r '
             'else unreachable end))')

# (id, wat, args, config): each calls export "f", which traps.
CASES = [
    ("unreachable-named", '(module $mod (func $bar (export "f") unreachable))', (), {}),
    ("unreachable-unnamed", '(module (func (export "f") nop unreachable))', (), {}),
    ("demangled-names", '(module $m (func $a unreachable) (func $_Z3fooi (export "f") call $a))', (), {}),
    ("div-by-zero", '(module (func (export "f") i32.const 1 i32.const 0 i32.div_s drop))', (), {}),
    ("div-folded-in-expression", '(module (func (export "f") (param i32) (result i32) '
     '(i32.add (i32.const 1) (i32.div_u (i32.const 7) (local.get 0)))))', (0,), {}),
    ("rem-overflow", '(module (func (export "f") (result i64) (i64.div_s (i64.const 0x8000000000000000) '
     '(i64.const -1))))', (), {}),
    ("nested-calls", '(module (func $a i32.const 1 i32.const 0 i32.div_s drop) (func (export "f") nop call $a))',
     (), {}),
    ("twenty-frames-kept", f'(module {CHAIN} (func (export "f") call $f11))', (), {}),
    ("more-than-twenty", COUNTDOWN, (30,), {}),
    ("trunc-nan", '(module (func (export "f") (param f32) (result i32) nop local.get 0 i32.trunc_f32_s))',
     (float("nan"),), {}),
    ("load-straddles-end", '(module (memory 1) (func (export "f") (result i32) i32.const 65534 i32.load))', (), {}),
    ("load-past-end", '(module (memory 1) (func (export "f") (result i32) i32.const 65536 i32.load8_u))', (), {}),
    ("load-at-4GiB", '(module (memory 1) (func (export "f") (result i32) i32.const -1 i32.load))', (), {}),
    ("load-large-offset", '(module (memory 1) (func (export "f") (result i32) i32.const 0x7fffffff '
     'i32.load offset=0x7fffffff))', (), {}),
    ("load-offset-past-guard", '(module (memory 1) (func (export "f") (result i64) i32.const -16 '
     'i64.load offset=0xffffffff))', (), {}),
    ("store-straddles-end", '(module (memory 1) (func (export "f") i32.const 65533 i64.const 7 i64.store))', (), {}),
    ("store8-param", '(module (memory 1) (func (export "f") (param i32) local.get 0 i32.const 7 '
     'i32.store8 offset=3))', (65535,), {}),
    ("load-grown-memory", '(module (memory 1) (func (export "f") (drop (memory.grow (i32.const 2))) '
     'i32.const 0x40000 i32.load8_u drop))', (), {}),
    ("empty-memory", '(module (memory 0) (func (export "f") i32.const 0 i32.load8_u drop))', (), {}),
    ("memory64-fault", '(module (memory i64 1) (func (export "f") i64.const 0x10000 i32.load drop))', (),
     {"wasm_memory64": True}),
    ("memory64-checked", '(module (memory i64 1) (func (export "f") i64.const 0x1000000000 i32.load drop))', (),
     {"wasm_memory64": True}),
    ("memory-fill", '(module (memory 1) (func (export "f") (param i32) (memory.fill (i32.const 0) (i32.const 0) '
     '(local.get 0))))', (100000,), {}),
    ("call-indirect-null", '(module (type $v (func)) (table 2 funcref) (func (export "f") nop i32.const 1 '
     'call_indirect (type $v)))', (), {}),
    ("call-indirect-out-of-table", '(module (type $v (func)) (table 2 funcref) (func (export "f") nop i32.const 5 '
     'call_indirect (type $v)))', (), {}),
    ("call-indirect-signature", '(module (type $v (func)) (table 1 funcref) (func $g (param i32)) '
     '(elem (i32.const 0) $g) (func (export "f") nop i32.const 0 call_indirect (type $v)))', (), {}),
    ("table-get", '(module (table 1 funcref) (func (export "f") (result funcref) nop i32.const 5 table.get 0))',
     (), {}),
    ("if-then-unreachable", '(module (func (export "f") (param i32) local.get 0 if i32.const 5 local.set 0 '
     'unreachable end))', (1,), {}),
    ("if-else-unreachable", '(module (func (export "f") (param i32) local.get 0 if nop else unreachable end))',
     (0,), {}),
    ("br-if-then-unreachable", '(module (func (export "f") (param i32) block local.get 0 br_if 0 unreachable '
     'end))', (0,), {}),
    ("call-then-unreachable", '(module (func $g) (func (export "f") (param i32) local.get 0 if call $g '
     'unreachable end))', (1,), {}),
    ("stack-overflow", '(module (func $r (export "f") call $r))', (), {}),
    ("fuel-at-entry", '(module (func $a (local i32) (local i64) (local f32 f32) i32.const 1 drop) '
     '(func (export "f") call $a))', (), {"consume_fuel": True}),
    ("fuel-in-loop", '(module (func $a (loop br 0)) (func (export "f") nop call $a))', (), {"consume_fuel": True}),
    ("fuel-after-bulk", '(module (memory 1) (func (export "f") (param i32) (memory.fill (i32.const 0) '
     '(i32.const 0) (local.get 0)) nop))', (1000,), {"consume_fuel": True}),
    ("unreachable-with-fuel", '(module (func (export "f") (param i32) local.get 0 if unreachable end))', (1,),
     {"consume_fuel": True}),
    ("epoch-at-entry", '(module (func $a nop) (func (export "f") call $a))', (), {"epoch_interruption": True}),
]
FUEL = 2  # enough for the entries of two calls: out of fuel at the next check


def _trap(api, wat: str, args: tuple, config: dict, imports=lambda store: []):
    c = api.Config()
    for key, value in config.items():
        setattr(c, key, value)
    engine = api.Engine(c)
    store = api.Store(engine)
    if config.get("consume_fuel"):
        store.set_fuel(FUEL)
    if config.get("epoch_interruption"):
        store.set_epoch_deadline(0)
    module = api.Module(engine, wat)
    with pytest.raises(api.Trap) as info:
        api.Instance(store, module, imports(store)).exports(store)["f"](store, *args)
    return info.value


def _described(trap) -> tuple:
    frames = [(f.func_index, f.func_name, f.module_name, f.func_offset, f.module_offset) for f in trap.frames]
    return trap.trap_code.name if trap.trap_code else None, frames, str(trap), trap.message


@pytest.mark.parametrize("wat,args,config", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_frames_and_text_match_wasmtime(wat, args, config):
    expected = _described(_trap(wasmtime, wat, args, config))
    assert _described(_trap(wf, wat, args, config)) == expected


def test_cases_cover_callers_and_offsets():
    # Guard against a vacuous comparison: the cases above do produce caller frames and memory faults.
    trap = _trap(wasmtime, CASES[6][1], (), {})
    assert [f.func_offset for f in trap.frames] == [5, 2]
    assert "memory fault at wasm address 0x10000" in str(_trap(wasmtime, CASES[10][1], (), {}))


@pytest.mark.parametrize("raise_what", ["trap", "exception"])
def test_host_raised_through_wasm_frames(raise_what):
    wat = '(module (import "" "h" (func $h)) (func $a call $h) (func (export "f") nop call $a))'

    def run(api):
        def host():
            raise api.Trap("boom") if raise_what == "trap" else ValueError("boom")

        c = api.Config()
        store = api.Store(api.Engine(c))
        func = api.Func(store, api.FuncType([], []), host)
        instance = api.Instance(store, api.Module(store.engine, wat), [func])
        try:
            instance.exports(store)["f"](store)
        except Exception as e:  # the host's own exception type, or Trap
            return type(e).__name__, str(e), [f.func_index for f in getattr(e, "frames", [])]
        raise AssertionError("the host function did not raise")

    assert run(wf) == run(wasmtime)


def test_trap_in_start_function():
    wat = '(module $m (func $s i32.const 0 i32.const 0 i32.div_s drop) (start $s))'

    def run(api):
        store = api.Store(api.Engine())
        with pytest.raises(api.Trap) as info:
            api.Instance(store, api.Module(store.engine, wat), [])
        return _described(info.value)

    assert run(wf) == run(wasmtime)


def test_frames_of_a_freed_module_are_forgotten():
    """Judged by this module's own functions (named ``$freed_probe``), not by a
    count that code compiled elsewhere in the process could move."""
    from wasmfuzz.runtime.compile.python import frames

    wat = CASES[6][1].replace("(module ", "(module $freed_probe ", 1)
    _trap(wf, wat, (), {})
    gc.collect()
    assert not [name for name in frames._MAPS if name.startswith("wasm://freed_probe/")]


NAMES = ["a", "i", "z", "Dn", "PKc", "Ri", "Vi", "Ss", "St", "So", "A5_i", "u3foo", "3foo", "N3fooE", "ii", "f1",
         "main", "_start", "_Z3foov", "_ZL3barPKcRi", "_ZN3foo3barE", "_ZN3foo3bar17h0123456789abcdefE",
         "_ZN4core3fmt5Write9write_fmt17h1234567890abcdefE", "_ZN3foo$LT$T$GT$3bar17h0123456789abcdefE",
         "_ZN5alloc7raw_vec11finish_grow28_$u7b$$u7b$closure$u7d$$u7d$17h0123456789abcdefE", "S_", "Fvv"]


@pytest.mark.parametrize("name", NAMES)
def test_function_names_shown_as_wasmtime_demangles_them(name):
    wat = f'(module (func ${name} (export "f") unreachable))'
    assert str(_trap(wf, wat, (), {})) == str(_trap(wasmtime, wat, (), {}))
