"""The code generator: layouts, CPython's nesting limits, linecache."""

import linecache
import traceback

import pytest
from wasmfuzz.runtime import Config, Engine, Instance, Module, Store, Trap
from wasmfuzz.runtime.compile.python.codegen import CodegenOptions, emit_function


def nested_blocks(depth: int) -> str:
    """A function whose br_table targets `depth` nested blocks, as compilers emit for switches."""
    opens = "".join(f"(block $b{i} " for i in range(depth))
    labels = " ".join(f"$b{i}" for i in range(depth - 1, -1, -1))
    body = f"(br_table {labels} (local.get 0))"
    closes = "".join(f") (local.set 1 (i32.add (local.get 1) (i32.const {i + 1})))" for i in reversed(range(depth)))
    return f'''(module (func (export "f") (param i32) (result i32) (local i32)
      {opens}{body}{closes} (local.get 1)))'''


@pytest.mark.parametrize("depth", [5, 40])
def test_deep_block_nests_compile_and_agree_across_layouts(depth):
    store = Store()
    module = Module(store.engine, nested_blocks(depth))
    f = Instance(store, module, []).exports(store)["f"]
    for k in (0, 1, depth - 1, depth + 3):
        assert f(store, k) == _expected(depth, k)
    _, _, _, flat = emit_function(module._info, 0, )
    assert flat == (depth > 18)


def _expected(depth: int, k: int) -> int:
    """Index k branches out of block depth-1-k (the default, k >= depth-1, out of $b0);
    leaving block t runs the additions after the ends of blocks t, t-1, ..., 0."""
    target = depth - 1 - min(k, depth - 1)
    return sum(i + 1 for i in range(target + 1))


def test_flat_layout_matches_structured_on_a_loop():
    wat = '''(module (func (export "f") (param i32) (result i32) (local i32)
      (block $done (loop $l (br_if $done (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br $l)))
      (local.get 1)))'''
    store = Store()
    module = Module(store.engine, wat)
    structured, *_ = emit_function(module._info, 0, options=CodegenOptions(layout="structured"))
    flat, *_ = emit_function(module._info, 0, options=CodegenOptions(layout="flat"))
    assert "_L" in flat and "_L" not in structured
    results = []
    for src in (structured, flat):
        ns = {}
        exec(src, ns)
        results.append(ns["_make_f0"]()(None, 100))
    assert results == [5050, 5050]


def test_generated_source_is_in_linecache_and_tracebacks_show_it():
    store = Store()
    f = Instance(store, Module(store.engine, '''(module $demo (func (export "f") (result i32)
      (i32.div_u (i32.const 1) (i32.const 0))))'''), []).exports(store)["f"]
    with pytest.raises(Trap) as info:
        f(store)
    frames = traceback.extract_tb(info.value.__traceback__)
    wasm = [fr for fr in frames if fr.filename.startswith("wasm://demo/func[0]")]
    assert wasm and "_i32_div_u" in wasm[0].line
    assert linecache.getline(wasm[0].filename, wasm[0].lineno).strip() == wasm[0].line


def test_functions_compile_on_first_call_only():
    store = Store()
    module = Module(store.engine, '(module (func (export "a")) (func (export "b")))')
    ex = Instance(store, module, []).exports(store)
    assert module._code._compiled == {}
    ex["a"](store)
    assert list(module._code._compiled) == [0]


# $grow moves memory 0 to a new buffer (its first growth, see membuf) and
# writes 42 there; each export writes 7 first and reads the word back after
# $grow ran, on a path that reaches the read otherwise than straight on.
GROWN_BUFFER = '''(module (memory 1) (tag $t)
  (func $grow (result i32) (drop (memory.grow (i32.const 1))) (i32.store (i32.const 0) (i32.const 42)) (i32.const 1))
  (func $grow_and_throw (drop (call $grow)) (throw $t))
  (func (export "straight") (result i32)
    (i32.store (i32.const 0) (i32.const 7)) (drop (call $grow)) (i32.load (i32.const 0)))
  (func (export "br_if") (result i32)
    (i32.store (i32.const 0) (i32.const 7))
    (block $b (br_if $b (call $grow)) (unreachable))
    (i32.load (i32.const 0)))
  (func (export "if_else") (param i32) (result i32)
    (i32.store (i32.const 0) (i32.const 7))
    (if (local.get 0) (then (drop (call $grow))) (else (nop)))
    (i32.load (i32.const 0)))
  (func (export "loop") (result i32) (local $i i32) (local $sum i32)
    (i32.store (i32.const 0) (i32.const 7))
    (loop $l
      (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 0))))
      (if (i32.eqz (local.get $i)) (then (drop (call $grow))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 2))))
    (local.get $sum))
  (func (export "try_table") (result i32)
    (i32.store (i32.const 0) (i32.const 7))
    (block $h (try_table (catch $t $h) (call $grow_and_throw)))
    (i32.load (i32.const 0)))
  (func (export "legacy_try") (result i32)
    (i32.store (i32.const 0) (i32.const 7))
    try
      call $grow_and_throw
    catch $t
      (return (i32.load (i32.const 0)))
    end
    (i32.const -1)))'''


@pytest.mark.parametrize("layout", ["structured", "flat"])
def test_a_buffer_replaced_by_a_callee_is_read_again_on_every_path(monkeypatch, layout):
    """The buffer bindings are re-read lazily after calls: before a use, at
    every join of control flow, and in exception handlers (a callee that grew
    memory may have thrown)."""
    monkeypatch.setenv("WASMFUZZ_CODEGEN_LAYOUT", layout)
    expected = {"straight": 42, "br_if": 42, "loop": 49, "try_table": 42, "legacy_try": 42}
    for name, value in [*expected.items(), ("if_else", None)]:
        config = Config()
        config.wasm_legacy_exceptions = True
        store = Store(Engine(config))
        f = Instance(store, Module(store.engine, GROWN_BUFFER), []).exports(store)[name]
        if name == "if_else":
            assert (f(store, 0), f(store, 1)) == (7, 42)
        else:
            assert f(store) == value, name


@pytest.mark.parametrize("layout", ["structured", "flat"])
def test_a_buffer_read_again_for_a_memory_only_unreachable_code_names(monkeypatch, layout):
    """A call stales the buffers of every memory the body names, dead code
    included, and a join re-reads them: the memory instance must be bound
    though no emitted instruction uses it (found by the differential target:
    NameError MI0 after a call, the only load after a br)."""
    monkeypatch.setenv("WASMFUZZ_CODEGEN_LAYOUT", layout)
    wat = '''(module (memory 1) (func $g)
      (func (export "f") (param i32) (result i32)
        (call $g)
        (if (local.get 0) (then (nop)))
        (block (br 0) (drop (i32.load (i32.const 0))))
        (i32.const 7)))'''
    store = Store()
    f = Instance(store, Module(store.engine, wat), []).exports(store)["f"]
    assert (f(store, 0), f(store, 1)) == (7, 7)


def test_a_call_then_a_call_reads_the_buffer_once_and_a_slot_set_into_a_local_is_one_line():
    wat = '''(module (memory 1) (func $g (result i32) (i32.const 1))
      (func (export "f") (param i32) (result i32) (local i32)
        (drop (call $g)) (local.set 1 (call $g)) (i32.store (local.get 0) (local.get 1))
        (local.set 1 (i32.load (local.get 0))) (local.get 1)))'''
    store = Store()
    source, *_ = emit_function(Module(store.engine, wat)._info, 1)
    assert source.count("M0 = MI0.data") == 2  # the prologue's, and once before the store
    assert "l1 = f0(vm)" in source and "l1 = _ld_u32(M0, l0)[0]" in source


@pytest.mark.parametrize("width", ["i32", "i64"])
def test_unsigned_division_by_a_constant_other_than_zero_is_in_line_and_exact(width):
    mask = (1 << int(width[1:])) - 1
    ops = [(op, d) for op in ("div_u", "rem_u") for d in (1, 7, 1000, mask)]
    funcs = "".join(f'(func (export "{op}{d}") (param {width}) (result {width}) '
                    f'({width}.{op} (local.get 0) ({width}.const {d - (mask + 1) if d > mask >> 1 else d})))'
                    for op, d in ops)
    wat = f'(module {funcs} (func (export "zero") (param {width}) (result {width}) ' \
          f'({width}.rem_u (local.get 0) ({width}.const 0))))'
    store = Store()
    module = Module(store.engine, wat)
    for i in range(len(ops)):
        source, *_ = emit_function(module._info, i)
        assert f"_{width}_{ops[i][0]}" not in source  # no libcall: a constant divisor never traps
    exports = Instance(store, module, []).exports(store)
    for op, d in ops:
        for a in (0, 1, 6, 7, 999, 1000, 12345, mask >> 1, mask - 1, mask):
            assert exports[f"{op}{d}"](store, a) & mask == (a // d if op == "div_u" else a % d), (op, d, a)
    assert f"_{width}_rem_u" in emit_function(module._info, len(ops))[0]
    with pytest.raises(Trap) as trap:
        exports["zero"](store, 5)
    assert "divide by zero" in str(trap.value)
