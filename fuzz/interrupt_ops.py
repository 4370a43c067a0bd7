"""Programs whose interruption points matter: loops, calls, bulk operations,
and calls to an import that advances the epoch.

Fuel and epoch checks happen at function entry, at loop headers and around
bulk operations whose length is not a small constant (WASMTIME-NOTES §3-4).
Calls are direct or through a table (``call_indirect``, which has its own
cost). A wasm-smith module rarely loops around an import call; these
programs do little else. Every function adds what it does to an exported
global, so the oracles see how far a call got before it was interrupted;
calls only go to later functions, and loops count to a small bound, so
every call ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from .source import Source, boolean, choice

BULK_LENGTHS = (0, 1, 128, 129, 4096)  # around Wasmtime's "small constant" limit of 128
# Statements one call may run, calls and loop iterations included. Calls nest
# and loops multiply, so unbounded a program of four functions ran 125**3
# inner calls: minutes with fuel off, where the fuel target compares a run
# without fuel (and with ample fuel) to the drawn budget, past libFuzzer's
# 60 s timeout. Calls that would take a function past this become plain work.
MAX_STEPS = 2_000


@dataclass(frozen=True)
class InterruptProgram:
    funcs: tuple[tuple, ...]  # per function: its statements (nested tuples)

    def wat(self) -> str:
        lines = ["(module", '  (import "env" "tick" (func $tick))', '  (memory (export "mem") 1)',
                 '  (global $acc (export "acc") (mut i64) (i64.const 0))',
                 '  (type $ft (func (param i32) (result i64)))',
                 f"  (table funcref (elem {' '.join(f'$f{k}' for k in range(len(self.funcs)))}))"]
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
    if kind == "icall":
        return (f"(global.set $acc (i64.add (global.get $acc) "
                f"(call_indirect (type $ft) (local.get $n) (i32.const {s[1]}))))")
    if kind == "fill":
        return f"(memory.fill (i32.const {s[1]}) (local.get $n) (i32.const {s[2]}))"
    count, body = s[1], s[2]
    i = f"$i{depth}"
    inner = " ".join(_stmt(b, depth + 1) for b in body)
    return (f"(local.set {i} (i32.const 0)) (loop {inner} (local.set {i} (i32.add (local.get {i}) (i32.const 1))) "
            f"(br_if 0 (i32.lt_u (local.get {i}) (i32.const {count}))))")


def program(src: Source) -> InterruptProgram:
    nfuncs = src.int_in(1, 4)
    return bounded(tuple(_body(src, k, nfuncs, 0) for k in range(nfuncs)))


def bounded(bodies: tuple[tuple, ...]) -> InterruptProgram:
    """The program of ``bodies``, with calls that take a function past
    ``MAX_STEPS`` made plain work (loops without calls are small anyway)."""
    bodies = list(bodies)
    costs: dict[int, int] = {}
    for k in reversed(range(len(bodies))):  # calls only go to later functions
        while steps(bodies[k], costs) > MAX_STEPS and _callees(bodies[k]):
            bodies[k] = _without_costliest_call(bodies[k], costs)
        costs[k] = steps(bodies[k], costs)
    return InterruptProgram(tuple(bodies))


def steps(body: tuple, costs: dict[int, int]) -> int:
    """Statements a run of ``body`` executes, given each later function's ``costs``."""
    total = 0
    for s in body:
        if s[0] in ("call", "icall"):
            total += 1 + costs[s[1]]
        elif s[0] == "loop":
            total += s[1] * (1 + steps(s[2], costs))
        else:
            total += 1
    return total


def _without_costliest_call(body: tuple, costs: dict[int, int]) -> tuple:
    """``body`` with the call to its most expensive callee, wherever it is, turned into work."""
    worst = max(_callees(body), key=costs.__getitem__)

    def replace(stmts: tuple) -> tuple:
        return tuple(("work", 1) if s[0] in ("call", "icall") and s[1] == worst else
                     ("loop", s[1], replace(s[2])) if s[0] == "loop" else s for s in stmts)
    return replace(body)


def _callees(body: tuple) -> set[int]:
    direct = {s[1] for s in body if s[0] in ("call", "icall")}
    return direct | {c for s in body if s[0] == "loop" for c in _callees(s[2])}


def _body(src: Source, k: int, nfuncs: int, depth: int) -> tuple:
    stmts = []
    for _ in range(src.int_in(1, 4)):
        kind = choice(src, ("tick", "tick", "work", "call", "fill", "loop", "loop"))
        if kind == "call" and k + 1 < nfuncs:
            stmts.append((choice(src, ("call", "icall")), src.int_in(k + 1, nfuncs - 1)))
        elif kind == "loop" and depth < 3:
            stmts.append(("loop", src.int_in(1, 5), _body(src, k, nfuncs, depth + 1)))
        elif kind == "fill":
            stmts.append(("fill", src.int_in(0, 60000), choice(src, BULK_LENGTHS)))
        elif kind == "tick" or boolean(src):
            stmts.append(("tick",))
        else:
            stmts.append(("work", src.int_in(1, 1000)))
    return tuple(stmts)
