"""Single-instruction programs, after Wasmtime's single-instruction module
generator: one instruction, its operands, and a function around it.

Each program picks one instruction the runtime supports (``SHAPES``: every
numeric and conversion instruction, read from the runtime's opcode table,
loads and stores, bulk memory, table and reference instructions, and the
control instructions ``br_table``, ``select``, ``br_if`` and ``if``) and
draws its operands mostly from the edge values of their types (``edges``),
as constants or as parameters whose arguments the call plan draws (also
mostly edges). The exported ``run`` function returns the result; a float
result comes back as its bits, NaNs masked by the spec's rule for the
instruction (``oracles.allowed.nan_result_mask``), so NaN payloads are
compared exactly wherever the spec fixes them. Memory and table are
exported, so what a store, fill, copy or init did is compared too.

SIMD instructions (``SIMD``, read from the opcode table) take ``v128``
operands as constants whose lanes are edge values of a lane shape drawn
per operand (an f32x4 operand gets NaNs with payloads, an i8x16 one
INT8_MIN), and their lane and shuffle immediates mostly at the ends of
their ranges. A ``v128`` never crosses the API (wasmtime-py cannot carry
one, see ``oracles.hidden_types``): a vector result comes back as its two i64
halves, float lanes that are NaN masked lane by lane as scalars are.
3.0 instructions join by adding a shape to ``SHAPES``.

Typed function references (``REFS``) take their reference from a
``ref.func``, a typed null, or a table of ``(ref null $t0)`` (``$TT``,
lazily initialised or not, and not exported: wasmtime-py cannot show its
type). Exception handling (``EXCEPTIONS``) throws an edge value with tag
``$e`` and catches it in the same function or after a call, by tag or by
``catch_all``, rethrows it with ``throw_ref``, leaves it uncaught (the host
sees a trap), or traps inside a ``try_table`` (which no clause may catch).
GC (``GC``) casts structs of a type and its two subtypes (siblings, so
a cast that takes one for the other shows), copies and fills arrays at edge
offsets (overlapping copies, packed elements) and uses i31 and ``ref.eq``;
its types and helpers are declared only in its programs. The typed table,
the tag and the GC types are declared only in programs of their group, so
that every other program keeps all its exports comparable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wasmfuzz.oracles.allowed import nan_result_mask
from wasmfuzz.oracles.capabilities import supports
from wasmfuzz.runtime.binary import opcodes

from . import edges
from .source import Source, boolean, choice

PAGE = 65536
TABLE_SIZE = 4
_TYPES = {opcodes.I32: "i32", opcodes.I64: "i64", opcodes.F32: "f32", opcodes.F64: "f64"}
_SIMD_TYPES = {**_TYPES, opcodes.V128: "v128"}
# name -> (operand types, result types), every plain numeric instruction of the opcode table
NUMERIC = {info.name: (tuple(_TYPES[t] for t in info.sig[0]), tuple(_TYPES[t] for t in info.sig[1]))
           for code, info in sorted(opcodes.OPS.items())
           if info.imm == "none" and info.sig is not None and code < 0xFD00
           and info.sig[0] and info.sig[1] and all(t in _TYPES for t in info.sig[0] + info.sig[1])}
# instructions whose float result is the operand's bits, NaN payload and all (Wasm 2.0 §4.3.3)
BITWISE = frozenset(n for n in NUMERIC if n.endswith((".abs", ".neg", ".copysign")) or "reinterpret" in n)
_MEMARG = {info.name: (tuple(_TYPES[t] for t in info.sig[0]), tuple(_TYPES[t] for t in info.sig[1]))
           for code, info in opcodes.OPS.items() if info.imm == "memarg" and code < 0xFD00 and info.sig}
LOADS = {n: s for n, s in _MEMARG.items() if ".load" in n}
STORES = {n: s for n, s in _MEMARG.items() if ".store" in n}
OFFSETS = (0, 1, 4, 8, PAGE - 1, PAGE, 0x7FFFFFFF, 0xFFFFFFFF)
_INT_OF = {"f32": "i32", "f64": "i64"}


@dataclass
class Function:
    """One use of the instruction: ``run<k>``'s body, parameter and result types."""

    body: str = ""
    params: list[str] = field(default_factory=list)
    results: tuple[str, ...] = ()
    simd: bool = False  # the body keeps a vector result in $rv128

    def wat(self, k: int) -> str:
        params = f" (param {' '.join(self.params)})" if self.params else ""
        results = f" (result {' '.join(self.results)})" if self.results else ""
        v128 = " (local $rv128 v128)" if self.simd else ""
        return f'  (func (export "run{k}"){params}{results} (local $rf32 f32) (local $rf64 f64){v128}\n    {self.body})'


@dataclass(frozen=True)
class InstructionProgram:
    """One instruction, used by each function with other operands."""

    name: str
    funcs: tuple[Function, ...]

    def wat(self) -> str:
        funcs = "\n".join(f.wat(k) for k, f in enumerate(self.funcs))
        if self.name in REFS:
            funcs = _TYPED_TABLE + funcs
        elif self.name in EXCEPTIONS:
            funcs = _TAG + funcs
        elif self.name in GC:
            funcs = _GC_TYPES + funcs
        return f"""(module
  (type $t0 (func (result i32)))
  (type $t1 (func (param i32) (result i32)))
  (memory (export "mem") 1 2)
  (data $d0 "\\01\\02\\03\\04\\05\\06\\07\\08")
  (data $d1 (i32.const {PAGE - 8}) "\\f1\\f2\\f3\\f4\\f5\\f6\\f7\\f8")
  (table $T (export "tab") {TABLE_SIZE} {TABLE_SIZE + 4} funcref)
  (elem $e0 (i32.const 1) $f0 $f1 $f2)
  (elem $e1 func $f2 $f1 $f0)
  (func $f0 (type $t0) (i32.const 100))
  (func $f1 (type $t1) (i32.add (local.get 0) (i32.const 101)))
  (func $f2 (type $t0) (i32.const 102))
{funcs})
"""


class _Builder:
    """Operands for one instruction: constants (mostly edge values) or
    parameters, noting whether every float operand is known canonical."""

    def __init__(self, src: Source, name: str, preset: list[int] | None = None):
        self.src = src
        self.name = name
        self.program = Function()
        self.canonical_inputs = True
        self.preset = list(preset or ())  # the bits of the first operands, in order

    def operand(self, type_: str, bits: int | None = None) -> str:
        src = self.src
        if bits is None and self.preset:
            bits = self.preset.pop(0)
        if bits is None and boolean(src, 25):
            self.program.params.append(_INT_OF.get(type_, type_))
            self.canonical_inputs = self.canonical_inputs and type_ not in _INT_OF
            get = f"(local.get {len(self.program.params) - 1})"
            return f"({type_}.reinterpret_{_INT_OF[type_]} {get})" if type_ in _INT_OF else get
        bits = edges.value(src, type_, 85) if bits is None else bits
        if type_ in _INT_OF and _is_nan(type_, bits) and bits & ~_SIGN[type_] != edges.CANONICAL_NAN[type_]:
            self.canonical_inputs = False
        return const(type_, bits)

    def index(self, bound: int) -> str:
        """An i32 index, length or address around ``bound``, or a bounds edge."""
        src = self.src
        bits = edges.near(src, bound, 0xFFFFFFFF) if boolean(src, 60) else edges.address(src, bound)
        return self.operand("i32", bits)

    def vector(self) -> str:
        """A v128 constant: lanes of one shape, each an edge value of the lane type most of the time."""
        src = self.src
        shape = choice(src, ("i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2"))
        lane, count = shape.split("x")
        if lane[0] == "f":  # float lanes as their exact bits
            bits = [edges.value(src, lane, 85) for _ in range(int(count))]
            if any(_is_nan(lane, b) and b & ~_SIGN[lane] != edges.CANONICAL_NAN[lane] for b in bits):
                self.canonical_inputs = False
            return f"(v128.const {'i32x4' if lane == 'f32' else 'i64x2'} {' '.join(map(str, bits))})"
        width = int(lane[1:])
        table = edges.TABLES["i32" if width < 64 else "i64"]
        values = [choice(src, table) & ((1 << width) - 1) if boolean(src, 85) else src.int_in(0, (1 << width) - 1)
                  for _ in range(int(count))]
        return f"(v128.const {shape} {' '.join(map(str, values))})"

    def finish(self, body: str, results: tuple[str, ...], bitwise: bool = False) -> Function:
        p = self.program
        if results == ("v128",):
            return self._finish_vector(body, bitwise)
        if results and results[0] in _INT_OF:
            t, it = results[0], _INT_OF[results[0]]
            mask = nan_result_mask(t, "bitwise" if bitwise else "arithmetic", self.canonical_inputs)
            body = (f"(local.set $r{t} {body}) (if (result {it}) ({t}.ne (local.get $r{t}) (local.get $r{t})) "
                    f"(then ({it}.and ({it}.reinterpret_{t} (local.get $r{t})) ({it}.const {mask}))) "
                    f"(else ({it}.reinterpret_{t} (local.get $r{t}))))")
            results = (it,)
        p.body, p.results = body, results
        return p


    def _finish_vector(self, body: str, bitwise: bool) -> Function:
        """Return a vector result as two i64 halves, the NaN lanes of a float
        result masked to the bits the spec fixes (as ``finish`` does for a scalar)."""
        p = self.program
        p.simd, p.results = True, ("i64", "i64")
        lane = self.name.split(".")[0]
        keep = "(local.get $rv128)"
        if lane in ("f32x4", "f64x2") and not bitwise:
            t = lane[:3]
            mask = nan_result_mask(t, "arithmetic", self.canonical_inputs)
            lanes = " ".join([str(mask)] * (128 // edges.WIDTH[t]))
            masks = f"(v128.const {'i32x4' if t == 'f32' else 'i64x2'} {lanes})"
            keep = f"(v128.bitselect (v128.and {keep} {masks}) {keep} ({lane}.ne {keep} {keep}))"
        p.body = (f"(local.set $rv128 {body}) (local.set $rv128 {keep}) "
                  "(i64x2.extract_lane 0 (local.get $rv128)) (i64x2.extract_lane 1 (local.get $rv128))")
        return p


_SIGN = {"f32": 1 << 31, "f64": 1 << 63}


def _is_nan(type_: str, bits: int) -> bool:
    w = 23 if type_ == "f32" else 52
    exp = (1 << (edges.WIDTH[type_] - 1 - w)) - 1
    return (bits >> w) & exp == exp and bits & ((1 << w) - 1) != 0


def const(type_: str, bits: int) -> str:
    """A ``T.const`` with exactly these bits (NaN payloads and -0 included)."""
    if type_ not in _INT_OF:
        return f"({type_}.const {bits})"
    w = 23 if type_ == "f32" else 52
    sign = "-" if bits & _SIGN[type_] else ""
    exp = (1 << (edges.WIDTH[type_] - 1 - w)) - 1
    if (bits >> w) & exp == exp:
        payload = bits & ((1 << w) - 1)
        return f"({type_}.const {sign}{'inf' if payload == 0 else f'nan:0x{payload:x}'})"
    from wasmfuzz.oracles.values import Value
    return f"({type_}.const {Value(type_, bits).to_host().hex()})"


# Every SIMD instruction of the opcode table: name -> (operand types, result types).
SIMD = {info.name: (tuple(_SIMD_TYPES[t] for t in info.sig[0]), tuple(_SIMD_TYPES[t] for t in info.sig[1]))
        for code, info in sorted(opcodes.OPS.items()) if code >> 8 == 0xFD or code >> 12 == 0xFD}
# Float-lane instructions whose result lanes are operand bits (NaN payloads kept): compared exactly.
SIMD_BITWISE = frozenset(n for n in SIMD if n.startswith(("f32x4.", "f64x2.")) and n.split(".")[1] in (
    "abs", "neg", "pmin", "pmax", "splat", "replace_lane", "extract_lane"))
# Immediates at the ends of their ranges most of the time.
_SHUFFLE_EDGES = (0, 15, 16, 31)


def _lanes_of(name: str) -> int:
    """The lane count an instruction's lane immediate indexes (memory lane ops: by access width)."""
    code = opcodes.NAMES[name]
    if opcodes.OPS[code].imm == "memarg_lane":
        return 16 // opcodes.MEMARG_SIZES[code]
    return int(name.split(".")[0].split("x")[1])


def simd(b: _Builder) -> Function:
    name, src = b.name, b.src
    params, results = SIMD[name]
    info = opcodes.OPS[opcodes.NAMES[name]]
    imm = ""
    if info.imm in ("lane", "memarg_lane"):
        count = _lanes_of(name)
        imm = str(choice(src, (0, count - 1)) if boolean(src, 60) else src.int_in(0, count - 1))
    elif info.imm == "shuffle":
        imm = " ".join(str(choice(src, _SHUFFLE_EDGES) if boolean(src, 30) else src.int_in(0, 31)) for _ in range(16))
    if info.imm in ("memarg", "memarg_lane"):
        addr = b.index(PAGE)
        rest = " ".join(b.vector() if t == "v128" else b.operand(t) for t in params[1:])
        body = f"({name} offset={choice(src, OFFSETS)} {imm} {addr} {rest})"
        return b.finish(body, results, bitwise=True)
    if info.imm == "v128":
        return b.finish(b.vector(), results, bitwise=True)
    ops = " ".join(b.vector() if t == "v128" else b.operand(t) for t in params)
    return b.finish(f"({name} {imm} {ops})", results, name in SIMD_BITWISE)


def numeric(b: _Builder) -> Function:
    params, results = NUMERIC[b.name]
    ops = " ".join(b.operand(t) for t in params)
    return b.finish(f"({b.name} {ops})", results, b.name in BITWISE)


def load(b: _Builder) -> Function:
    _, results = LOADS[b.name]
    addr = b.index(PAGE)
    return b.finish(f"({b.name} offset={choice(b.src, OFFSETS)} {addr})", results, bitwise=True)


def store(b: _Builder) -> Function:
    (_, vt), _ = STORES[b.name]
    addr = b.index(PAGE)
    return b.finish(f"({b.name} offset={choice(b.src, OFFSETS)} {addr} {b.operand(vt)})", ())


def memory_bulk(b: _Builder) -> Function:
    name, src = b.name, b.src
    if name == "memory.size":
        return b.finish("(memory.size)", ("i32",))
    if name == "memory.grow":
        return b.finish(f"(memory.grow {b.index(1)})", ("i32",))
    if name == "memory.fill":
        return b.finish(f"(memory.fill {b.index(PAGE)} {b.operand('i32')} {b.index(8)})", ())
    if name == "memory.copy":
        return b.finish(f"(memory.copy {b.index(PAGE)} {b.index(PAGE)} {b.index(8)})", ())
    if name == "data.drop":
        return b.finish(f"(data.drop {choice(src, ('$d0', '$d1'))})", ())
    seg = choice(src, ("$d0", "$d1"))  # memory.init from the passive one, or the active one (dropped)
    drop = f"(data.drop {seg}) " if boolean(src, 25) else ""
    return b.finish(f"{drop}(memory.init {seg} {b.index(PAGE)} {b.index(8)} {b.index(8)})", ())


def _ref(b: _Builder) -> str:
    return "(ref.null func)" if boolean(b.src, 30) else f"(ref.func $f{b.src.int_in(0, 2)})"


def table(b: _Builder) -> Function:
    name, src = b.name, b.src
    if name == "table.get":
        return b.finish(f"(ref.is_null (table.get $T {b.index(TABLE_SIZE)}))", ("i32",))
    if name == "table.set":
        return b.finish(f"(table.set $T {b.index(TABLE_SIZE)} {_ref(b)})", ())
    if name == "table.size":
        return b.finish("(table.size $T)", ("i32",))
    if name == "table.grow":
        return b.finish(f"(table.grow $T {_ref(b)} {b.index(4)})", ("i32",))
    if name == "table.fill":
        return b.finish(f"(table.fill $T {b.index(TABLE_SIZE)} {_ref(b)} {b.index(3)})", ())
    if name == "table.copy":
        return b.finish(f"(table.copy $T $T {b.index(TABLE_SIZE)} {b.index(TABLE_SIZE)} {b.index(3)})", ())
    if name == "elem.drop":
        return b.finish(f"(elem.drop {choice(src, ('$e0', '$e1'))})", ())
    if name == "table.init":
        seg = choice(src, ("$e0", "$e1"))  # from the passive one, or the active one (dropped)
        drop = f"(elem.drop {seg}) " if boolean(src, 25) else ""
        return b.finish(f"{drop}(table.init $T {seg} {b.index(TABLE_SIZE)} {b.index(3)} {b.index(3)})", ())
    if name in ("call_indirect", "return_call_indirect"):
        typed = choice(src, ("(type $t0)", f"(type $t1) {b.operand('i32')}"))
        return b.finish(f"({name} $T {typed} {b.index(TABLE_SIZE)})", ("i32",))
    if name == "return_call":
        return b.finish(choice(src, ("(return_call $f0)", f"(return_call $f1 {b.operand('i32')})")), ("i32",))
    if name == "ref.is_null":
        return b.finish(f"(ref.is_null {_ref(b)})", ("i32",))
    return b.finish(f"(ref.is_null (ref.func $f{src.int_in(0, 2)}))", ("i32",))


_TYPED_TABLE = f"""  (table $TT {TABLE_SIZE} (ref null $t0))
  (elem (table $TT) (i32.const 1) (ref null $t0) (ref.func $f0) (ref.null $t0) (ref.func $f2))
"""
_TAG = """  (tag $e (param i32))
  (func $thrower (param i32) (throw $e (local.get 0)))
"""


def _typed_ref(b: _Builder) -> str:
    """A (ref null $t0): a function, a null, or an element of the typed table (maybe not built yet)."""
    src = b.src
    kind = src.int_in(0, 9)
    if kind < 3:
        return f"(ref.func $f{choice(src, (0, 2))})"
    if kind < 5:
        return "(ref.null $t0)"
    return f"(table.get $TT {b.index(TABLE_SIZE)})"


def refs(b: _Builder) -> Function:
    name = b.name
    ref = _typed_ref(b)
    if name in ("call_ref", "return_call_ref"):
        return b.finish(f"({name} $t0 {ref})", ("i32",))
    if name == "ref.as_non_null":
        return b.finish(f"(call_ref $t0 (ref.as_non_null {ref}))", ("i32",))
    if name == "br_on_null":
        return b.finish(f"(block $null (return (call_ref $t0 (br_on_null $null {ref})))) (i32.const -1)", ("i32",))
    return b.finish(f"(call_ref $t0 (block $some (result (ref $t0)) (br_on_non_null $some {ref}) "
                    "(return (i32.const -2))))", ("i32",))


def exceptions(b: _Builder) -> Function:
    src = b.src
    value = b.operand("i32")
    throw = choice(src, (f"(throw $e {value})", f"(call $thrower {value})"))
    if b.name == "throw_ref":
        exn = choice(src, ("(ref.null exn)", f"(block $h (result exnref) (try_table (catch_all_ref $h) {throw}) "
                                             "(unreachable))"))
        return b.finish(f"(block $o (result i32) (try_table (catch $e $o) (throw_ref {exn})) (i32.const -1))",
                        ("i32",))
    kind = src.int_in(0, 4)
    if kind == 0:  # uncaught
        return b.finish(f"{throw} (i32.const 0)", ("i32",))
    if kind == 1:  # caught by catch_all, or not caught: a trap in a try_table
        inner = choice(src, (throw, f"(drop (i32.div_s {value} {b.operand('i32')}))"))
        return b.finish(f"(block $h (try_table (catch_all $h) {inner}) (return (i32.const 1))) (i32.const 0)",
                        ("i32",))
    if kind == 2:  # a catch_ref whose exnref is dropped: the payload comes back
        return b.finish(f"(block $h (result i32 exnref) (try_table (catch_ref $e $h) {throw}) (unreachable)) "
                        "(drop)", ("i32",))
    return b.finish(f"(block $h (result i32) (try_table (catch $e $h) {throw}) (i32.const -1))", ("i32",))


_GC_TYPES = """  (type $A (sub (struct (field (mut i32)))))
  (type $B (sub $A (struct (field (mut i32)) (field i32))))
  (type $C (sub $A (struct (field (mut i32)) (field i64))))
  (type $arr (array (mut i32)))
  (type $bytes (array (mut i8)))
  (func $copy (param $d i32) (param $s i32) (param $n i32) (result i32) (local $x (ref $arr)) (local $i i32)
    (local.set $x (array.new_default $arr (i32.const 16)))
    (loop $l (array.set $arr (local.get $x) (local.get $i) (local.get $i))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 16))))
    (array.copy $arr $arr (local.get $x) (local.get $d) (local.get $x) (local.get $s) (local.get $n))
    (local.set $i (i32.const 0))
    (loop $sum (local.set $d (i32.add (i32.mul (local.get $d) (i32.const 31))
                                      (array.get $arr (local.get $x) (local.get $i))))
      (br_if $sum (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 16))))
    (local.get $d))
  (func $fill (param $at i32) (param $v i32) (param $n i32) (result i32) (local $x (ref $bytes))
    (local.set $x (array.new_default $bytes (i32.const 8)))
    (array.fill $bytes (local.get $x) (local.get $at) (local.get $v) (local.get $n))
    (i32.add (array.get_s $bytes (local.get $x) (i32.const 3)) (array.get_u $bytes (local.get $x) (i32.const 4))))
"""


def _object(b: _Builder) -> str:
    """A struct of $A, or of one of its two subtypes $B and $C (siblings)."""
    x = b.operand("i32")
    return choice(b.src, (f"(struct.new $A {x})", f"(struct.new $B {x} (i32.const 7))",
                          f"(struct.new $C {x} (i64.const 9))"))


def gc(b: _Builder) -> Function:
    name = b.name
    if name == "ref.cast":
        return b.finish(f"(struct.get $B 1 (ref.cast (ref $B) {_object(b)}))", ("i32",))
    if name == "ref.test":
        target = choice(b.src, ("$A", "$B", "$C", "struct", "eq", "i31"))
        return b.finish(f"(ref.test (ref {target}) {_object(b)})", ("i32",))
    if name == "br_on_cast":
        return b.finish(f"(struct.get $B 1 (block $l (result (ref $B)) (br_on_cast $l (ref $A) (ref $B) "
                        f"{_object(b)}) (return (i32.const -1))))", ("i32",))
    if name == "array.copy":
        return b.finish(f"(call $copy {b.index(16)} {b.index(16)} {b.index(16)})", ("i32",))
    if name == "array.fill":
        return b.finish(f"(call $fill {b.index(8)} {b.operand('i32')} {b.index(8)})", ("i32",))
    if name == "i31.get_s":
        return b.finish(f"(i31.get_s (ref.i31 {b.operand('i32')}))", ("i32",))
    return b.finish(f"(ref.eq (ref.i31 {b.operand('i32')}) (ref.i31 {b.operand('i32')}))", ("i32",))


def control(b: _Builder) -> Function:
    name, src = b.name, b.src
    if name == "br_table":
        count = src.int_in(0, 5)
        labels = [src.int_in(0, count) for _ in range(count)]
        index = b.index(count) if boolean(src, 80) else b.operand("i32")
        inner = f"(br_table {' '.join(f'$l{t}' for t in labels)} $l{src.int_in(0, count)} {index})"
        for j in range(count + 1):
            inner = f"(block $l{j} {inner}) (br $out (i32.const {10 + j}))"
        return b.finish(f"(block $out (result i32) {inner})", ("i32",))
    t = choice(src, tuple(edges.WIDTH))
    a, c = b.operand(t), b.operand(t)
    cond = b.operand("i32")
    if name == "select":
        typed = f" (result {t})" if boolean(src) else ""
        return b.finish(f"(select{typed} {a} {c} {cond})", (t,), bitwise=True)
    if name == "br_if":
        return b.finish(f"(block $b (result {t}) (drop (br_if $b {a} {cond})) {c})", (t,), bitwise=True)
    return b.finish(f"(if (result {t}) {cond} (then {a}) (else {c}))", (t,), bitwise=True)


MEMORY_BULK = ("memory.size", "memory.grow", "memory.fill", "memory.copy", "memory.init", "data.drop")
TABLE = ("table.get", "table.set", "table.size", "table.grow", "table.fill", "table.copy", "table.init",
         "elem.drop", "call_indirect", "ref.is_null", "ref.func", "return_call_indirect", "return_call")
CONTROL = ("br_table", "select", "br_if", "if")
REFS = ("call_ref", "return_call_ref", "ref.as_non_null", "br_on_null", "br_on_non_null")
EXCEPTIONS = ("throw", "throw_ref")
GC = ("ref.cast", "ref.test", "br_on_cast", "array.copy", "array.fill", "i31.get_s", "ref.eq")
# instruction -> how one function using it is built
SHAPES = {**dict.fromkeys(NUMERIC, numeric), **dict.fromkeys(LOADS, load), **dict.fromkeys(STORES, store),
          **dict.fromkeys(MEMORY_BULK, memory_bulk), **dict.fromkeys(TABLE, table),
          **dict.fromkeys(CONTROL, control), **dict.fromkeys(SIMD, simd), **dict.fromkeys(REFS, refs),
          **dict.fromkeys(EXCEPTIONS, exceptions), **dict.fromkeys(GC, gc)}


_SIMD_CONVERSIONS = ("narrow", "extend", "extmul", "extadd", "dot", "convert", "trunc_sat", "relaxed_trunc",
                     "demote", "promote", "q15mulr")
_SIMD_LANES = ("extract_lane", "replace_lane", "shuffle", "swizzle", "splat", "bitmask", "all_true")


def _group(name: str) -> str:
    if name.startswith("i64.") and name.split(".")[1] in ("add128", "sub128", "mul_wide_s", "mul_wide_u"):
        return "wide"  # wide arithmetic: a group of its own, so its four are not lost among the integer ones
    if name in REFS:
        return "refs"
    if name in EXCEPTIONS:
        return "exceptions"
    if name in GC:
        return "gc"
    if name.startswith("return_call"):
        return "tail"
    if name in SIMD:  # four groups, so that a lane access is not one instruction in two hundred
        if opcodes.OPS[opcodes.NAMES[name]].imm in ("memarg", "memarg_lane"):
            return "simd-memory"
        return "simd-convert" if any(w in name for w in _SIMD_CONVERSIONS) else \
            "simd-lanes" if any(w in name for w in _SIMD_LANES) else "simd-arith"
    if name not in NUMERIC:
        return "memory" if name in LOADS or name in STORES or name in MEMORY_BULK else \
            "table" if name in TABLE else "control"
    conversion = ("wrap", "trunc_", "extend_i", "convert", "demote", "promote", "reinterpret")
    return "convert" if any(w in name for w in conversion) else "float" if name[0] == "f" else "int"


# The runtime feature each proposal's group needs (oracles.capabilities).
_GROUP_NEEDS = {"simd-lanes": "simd", "simd-arith": "simd", "simd-convert": "simd", "simd-memory": "simd",
                "wide": "wide_arithmetic", "tail": "tail_call", "refs": "function_references",
                "exceptions": "exceptions", "gc": "gc"}
# Instructions are drawn group first, so each group gets its share whatever its size.
GROUPS: dict[str, tuple[str, ...]] = {}
for _name in SHAPES:
    GROUPS.setdefault(_group(_name), ())
    GROUPS[_group(_name)] += (_name,)
# The edge values every numeric instruction is tried on, all of them or all pairs of them.
CORE = {"i32": (0, 1, 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 32),
        "i64": (0, 1, (1 << 64) - 1, 1 << 63, (1 << 63) - 1, 64),
        "f32": (0, 0x80000000, 0x3F800000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0xFFC00003, 1,
                0x7F7FFFFF, 0x3F000000, 0x4F000000),
        "f64": (0, 1 << 63, 0x3FF0000000000000, 0x7FF0000000000000, 0xFFF0000000000000, 0x7FF8000000000000,
                0x7FF0000000000001, 0xFFF8000000000003, 1, 0x7FEFFFFFFFFFFFFF, 0x3FE0000000000000,
                0x43E0000000000000)}
MAX_FUNCS = 40  # functions per program: all core pairs of two integer operands fit


def _presets(src: Source, name: str) -> list[list[int]]:
    """Operand bits for each function of a numeric instruction: every core
    value (or pair of them, sampled down to MAX_FUNCS), then a few drawn freely."""
    combos: list[list[int]] = [[]]
    for t in NUMERIC[name][0]:
        combos = [c + [v] for c in combos for v in CORE[t]]
    while len(combos) > MAX_FUNCS - 4:
        combos.pop(src.int_in(0, len(combos) - 1))
    return combos + [[] for _ in range(4)]


def program(src: Source) -> InstructionProgram:
    groups = tuple(g for g in GROUPS if g not in _GROUP_NEEDS or supports(_GROUP_NEEDS[g]))
    names = GROUPS[choice(src, groups)]
    if not supports("relaxed_simd"):
        names = tuple(n for n in names if "relaxed" not in n) or names
    name = names[src.int_in(0, len(names) - 1)]
    presets = _presets(src, name) if name in NUMERIC else [[] for _ in range(src.int_in(4, 12))]
    return InstructionProgram(name, tuple(SHAPES[name](_Builder(src, name, p)) for p in presets))
