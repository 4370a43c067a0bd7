"""Table-operation programs: funcref tables, element segments, and a
sequence of table instructions, in the spirit of Wasmtime's table_ops.

The module has up to three funcref tables, functions of three types (two
of them structurally equal, so ``call_indirect`` must accept either), and
element segments of every kind: active ones with function indices or with
expressions that include explicit nulls, offsets that are constants or an
imported global (which stops a lazy-init plan from folding them), passive
and declarative ones; often a segment ends exactly at, one before or one
past the end of its table, where a lazy plan must stop folding. Each operation is its own exported function, so the
oracles compare the result of every operation, and the tables at the end.
Function ``k`` returns ``100 + k`` (plus its argument), so a call through a
table tells which function the slot held.
"""

from __future__ import annotations

from dataclasses import dataclass

from .source import Source, boolean, choice

TYPES = ("(func (result i32))", "(func (param i32) (result i32))", "(func (result i32))")
OPS = ("get", "set", "call", "fill", "copy", "init", "drop", "grow", "size")


@dataclass(frozen=True)
class Segment:
    mode: str  # active passive declare
    table: int
    offset: int | None  # None: the imported global (value 0)
    items: tuple[int | None, ...]  # function index or None for null
    exprs: bool  # written as expressions (the only way to hold a null)


@dataclass(frozen=True)
class TableOpsProgram:
    tables: tuple[tuple[int, int | None], ...]
    nfuncs: int
    segments: tuple[Segment, ...]
    ops: tuple[tuple, ...]

    def wat(self) -> str:
        lines = ["(module", '  (import "env" "offset" (global $g i32))']
        lines += [f"  (type $t{k} {ty})" for k, ty in enumerate(TYPES)]
        for k in range(self.nfuncs):
            arg = " (param i32)" if k % 3 == 1 else ""
            body = f"(i32.add (local.get 0) (i32.const {100 + k}))" if k % 3 == 1 else f"(i32.const {100 + k})"
            lines.append(f"  (func $f{k} (type $t{k % 3}){arg} (result i32) {body})")
        for k, (lo, hi) in enumerate(self.tables):
            lines.append(f'  (table $T{k} (export "t{k}") {lo}{"" if hi is None else f" {hi}"} funcref)')
        for k, seg in enumerate(self.segments):
            lines.append(f"  (elem $e{k}{_segment_body(seg)})")
        lines.append(f"  (elem declare func {' '.join(f'$f{k}' for k in range(self.nfuncs))})")
        lines += [f'  (func (export "op{k}") (result i32) {_op(op)})' for k, op in enumerate(self.ops)]
        return "\n".join(lines) + ")\n"


def _ref(item: int | None) -> str:
    return "(ref.null func)" if item is None else f"(ref.func $f{item})"


def _segment_body(seg: Segment) -> str:
    if seg.exprs:
        items = " funcref " + " ".join(_ref(i) for i in seg.items)
    else:
        items = " func " + " ".join(f"$f{i}" for i in seg.items)
    if seg.mode == "active":
        offset = "(global.get $g)" if seg.offset is None else f"(i32.const {seg.offset})"
        return f" (table $T{seg.table}) {offset}{items}"
    return (" declare" if seg.mode == "declare" else "") + items


def _op(op: tuple) -> str:
    kind, *a = op
    c = lambda v: f"(i32.const {v})"  # noqa: E731 - a one-letter helper keeps the table below readable
    done = "(i32.const 0)"
    if kind == "get":
        return f"(ref.is_null (table.get $T{a[0]} {c(a[1])}))"
    if kind == "set":
        return f"(table.set $T{a[0]} {c(a[1])} {_ref(a[2])}) {done}"
    if kind == "call":
        param = f" {c(7)}" if a[2] == 1 else ""
        return f"(call_indirect $T{a[0]} (type $t{a[2]}){param} {c(a[1])})"
    if kind == "fill":
        return f"(table.fill $T{a[0]} {c(a[1])} {_ref(a[2])} {c(a[3])}) {done}"
    if kind == "copy":
        return f"(table.copy $T{a[0]} $T{a[2]} {c(a[1])} {c(a[3])} {c(a[4])}) {done}"
    if kind == "init":
        return f"(table.init $T{a[0]} $e{a[1]} {c(a[2])} {c(a[3])} {c(a[4])}) {done}"
    if kind == "drop":
        return f"(elem.drop $e{a[0]}) {done}"
    if kind == "grow":
        return f"(table.grow $T{a[0]} {_ref(a[1])} {c(a[2])})"
    return f"(table.size $T{a[0]})"


def program(src: Source) -> TableOpsProgram:
    nfuncs = src.int_in(1, 8)
    tables = []
    for _ in range(src.int_in(1, 3)):
        lo = src.int_in(0, 12)
        tables.append((lo, None if boolean(src) else lo + src.int_in(0, 8)))
    ref = lambda: None if boolean(src, 25) else src.int_in(0, nfuncs - 1)  # noqa: E731
    segments = []
    for _ in range(src.int_in(0, 5)):
        mode = choice(src, ("active", "active", "passive", "declare"))
        exprs = boolean(src)
        items = tuple(ref() if exprs else src.int_in(0, nfuncs - 1) for _ in range(src.int_in(0, 6)))
        table = src.int_in(0, len(tables) - 1)
        room = tables[table][0] - len(items)  # in bounds mostly; often ending at, one before or one past the end
        end_edge = max(0, room + choice(src, (0, -1, 1)))
        offset = None if boolean(src, 15) else end_edge if boolean(src, 40) else src.int_in(0, max(0, room))
        segments.append(Segment(mode, table, offset, items, exprs))
    bound = max(lo for lo, _ in tables) + 3
    index = lambda: 0xFFFFFFFF if boolean(src, 3) else src.int_in(0, bound)  # noqa: E731
    t = lambda: src.int_in(0, len(tables) - 1)  # noqa: E731
    ops = []
    for _ in range(src.int_in(1, 24)):
        kind = choice(src, OPS)
        if kind == "get":
            ops.append((kind, t(), index()))
        elif kind == "set":
            ops.append((kind, t(), index(), ref()))
        elif kind == "call":
            ops.append((kind, t(), index(), src.int_in(0, 2)))
        elif kind == "fill":
            ops.append((kind, t(), index(), ref(), src.int_in(0, 6)))
        elif kind == "copy":
            ops.append((kind, t(), index(), t(), index(), src.int_in(0, 6)))
        elif kind == "init" and segments:
            ops.append((kind, t(), src.int_in(0, len(segments) - 1), index(), src.int_in(0, 6), src.int_in(0, 6)))
        elif kind == "drop" and segments:
            ops.append((kind, src.int_in(0, len(segments) - 1)))
        elif kind == "grow":
            ops.append((kind, t(), ref(), src.int_in(0, 4)))
        elif kind == "size":
            ops.append((kind, t()))
    return TableOpsProgram(tuple(tables), nfuncs, tuple(segments), tuple(ops))
