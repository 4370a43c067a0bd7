"""Programs whose interruption points matter: loops, calls, bulk operations,
and calls to an import that advances the epoch.

Fuel and epoch checks happen at function entry, at loop headers and around
bulk operations whose length is not a small constant (WASMTIME-NOTES §3-4).
A wasm-smith module rarely loops around an import call; these programs do
little else. Every function adds what it does to an exported global, so the
oracles see how far a call got before it was interrupted; calls only go to
later functions, and loops count to a small bound, so every call ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from .source import Source, boolean, choice

BULK_LENGTHS = (0, 1, 128, 129, 4096)  # around Wasmtime's "small constant" limit of 128


@dataclass(frozen=True)
class InterruptProgram:
    funcs: tuple[tuple, ...]  # per function: its statements (nested tuples)

    def wat(self) -> str:
        lines = ["(module", '  (import "env" "tick" (func $tick))', '  (memory (export "mem") 1)',
                 '  (global $acc (export "acc") (mut i64) (i64.const 0))']
        for k, body in enumerate(self.funcs):
            locals_ = " ".join(f"(local $i{d} i32)" for d in range(_depth(body)))
            stmts = " ".join(_stmt(s, 0) for s in body)
            lines.append(f'  (func $f{k} (export "f{k}") (param $n i32) (result i64) {locals_} {stmts} '
                         f"(global.get $acc))")
        return "\n".join(lines) + ")\n"


def _depth(body) -> int:
    return max((1 + _depth(s[2]) for s in body if s[0] == "loop"), default=0)


def _stmt(s: tuple, depth: int) -> str:
    kind = s[0]
    if kind == "tick":
        return "(call $tick)"
    if kind == "work":
        return f"(global.set $acc (i64.add (global.get $acc) (i64.const {s[1]})))"
    if kind == "call":
        return f"(global.set $acc (i64.add (global.get $acc) (call $f{s[1]} (local.get $n))))"
    if kind == "fill":
        return f"(memory.fill (i32.const {s[1]}) (local.get $n) (i32.const {s[2]}))"
    count, body = s[1], s[2]
    i = f"$i{depth}"
    inner = " ".join(_stmt(b, depth + 1) for b in body)
    return (f"(local.set {i} (i32.const 0)) (loop {inner} (local.set {i} (i32.add (local.get {i}) (i32.const 1))) "
            f"(br_if 0 (i32.lt_u (local.get {i}) (i32.const {count}))))")


def program(src: Source) -> InterruptProgram:
    nfuncs = src.int_in(1, 4)
    return InterruptProgram(tuple(_body(src, k, nfuncs, 0) for k in range(nfuncs)))


def _body(src: Source, k: int, nfuncs: int, depth: int) -> tuple:
    stmts = []
    for _ in range(src.int_in(1, 4)):
        kind = choice(src, ("tick", "tick", "work", "call", "fill", "loop", "loop"))
        if kind == "call" and k + 1 < nfuncs:
            stmts.append(("call", src.int_in(k + 1, nfuncs - 1)))
        elif kind == "loop" and depth < 3:
            stmts.append(("loop", src.int_in(1, 5), _body(src, k, nfuncs, depth + 1)))
        elif kind == "fill":
            stmts.append(("fill", src.int_in(0, 60000), choice(src, BULK_LENGTHS)))
        elif kind == "tick" or boolean(src):
            stmts.append(("tick",))
        else:
            stmts.append(("work", src.int_in(1, 1000)))
    return tuple(stmts)
