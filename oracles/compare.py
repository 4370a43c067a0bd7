"""Run one module and one sequence of calls on several executions, in lockstep.

``compare`` builds every execution the available pairs need (an execution
shared by two pairs runs once), instantiates them, then makes each call on
all of them and compares each pair after every step: the outcome (values,
trap code, or refusal), fuel consumed when the pair meters fuel, and then
every exported global and memory. Exported tables are compared once, at the
end: reading a whole table from the host initialises every lazy element,
which would hide the lazy paths from all later steps.

A crash of either execution is named by where it happened, whatever the
other did, so one engine bug makes one kind of finding. A pair stops at
its first divergence or when an outcome is poisoned
(``allowed.non_deterministic``); the others go on. The first divergence is
raised, the poisoned pairs are reported in the ``Verdict``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from . import allowed
from .divergence import Divergence
from .execution import ApiExecution, ExportInfo
from .outcome import CRASHED, RETURNED, Outcome
from .pairs import Pair
from .spec import ExecutionSpec
from .values import Value


@dataclass(frozen=True)
class Call:
    export: str
    args: tuple[Value, ...]

    def __str__(self) -> str:
        return f"{self.export}({', '.join(map(str, self.args))})"


Plan = Callable[[list[ExportInfo]], Sequence[Call]]


@dataclass
class Verdict:
    """What a comparison did: pairs compared, skipped and poisoned, steps run."""

    compared: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    poisoned: dict[str, str] = field(default_factory=dict)
    steps: int = 0


@dataclass
class _Live:
    pair: Pair
    reference: ApiExecution
    candidate: ApiExecution


def compare(wasm: bytes, base: ExecutionSpec, pairs: Sequence[Pair], plan: Plan) -> Verdict:
    """Compare ``pairs`` on ``wasm``; raise ``Divergence`` at the first disagreement."""
    verdict = Verdict()
    execs: dict[ExecutionSpec, ApiExecution] = {}
    live: list[_Live] = []
    for pair in pairs:
        if not pair.available():
            verdict.skipped.append(pair.name)
            continue
        ref, cand = pair.reference(base), pair.candidate(base)
        for spec in (ref, cand):
            if spec not in execs:
                execs[spec] = ApiExecution(spec)
        live.append(_Live(pair, execs[ref], execs[cand]))
        verdict.compared.append(pair.name)
    outcomes = {spec: e.instantiate(wasm) for spec, e in execs.items()}
    live = _step(live, outcomes, "instantiation", verdict)
    if not live:
        return verdict
    for lv in live:
        _check_exports(lv)
    for call in plan(live[0].reference.exports()):
        verdict.steps += 1
        needed = {id(e): e for lv in live for e in (lv.reference, lv.candidate)}
        results = {e.spec: e.call(call.export, call.args) for e in needed.values()}
        live = _step(live, results, f"call {verdict.steps}: {call}", verdict)
        if not live:
            return verdict
    for lv in live:
        _check_tables(lv, "the end")
    return verdict


def _step(live: list[_Live], outcomes: dict[ExecutionSpec, Outcome], step: str, verdict: Verdict) -> list[_Live]:
    """Compare every live pair after one step; return the pairs still worth comparing."""
    still = []
    for lv in live:
        a, b = outcomes[lv.reference.spec], outcomes[lv.candidate.spec]
        reason = allowed.non_deterministic(a) or allowed.non_deterministic(b)
        if reason:
            verdict.poisoned[lv.pair.name] = f"{step}: {reason}"
            continue
        if not allowed.outcomes_agree(a, b):
            crash = next((o.summary for o in (b, a) if o.status == CRASHED), None)
            raise _divergence(lv, step, "outcome", str(a), str(b), crash or f"{a.summary} vs {b.summary}")
        if lv.pair.compare_fuel and allowed.fuel_comparable(a, b) and a.fuel_consumed != b.fuel_consumed:
            raise _divergence(lv, step, "fuel consumed", str(a.fuel_consumed), str(b.fuel_consumed))
        if a.status == RETURNED or step != "instantiation":
            _check_state(lv, step)
            still.append(lv)
    return still


def _check_exports(lv: _Live) -> None:
    a, b = lv.reference.exports(), lv.candidate.exports()
    if a != b:
        raise _divergence(lv, "instantiation", "exports", "; ".join(map(str, a)), "; ".join(map(str, b)))


def _read(lv: _Live, step: str, what: str):
    """Both executions' exported ``what`` (globals, memories, tables), read
    through the host API; an engine crashing there is a divergence too."""
    out = []
    for execution in (lv.reference, lv.candidate):
        try:
            out.append(getattr(execution, what)())
        except Exception as e:  # the host API must not fail on a live instance: report which engine did
            crash = execution.classify(e)
            raise _divergence(lv, step, f"reading {what}", "readable", f"{execution.name}: {crash}",
                              kind=crash.summary) from None
    return out


def _check_state(lv: _Live, step: str) -> None:
    ga, gb = _read(lv, step, "globals")
    for name in ga:
        if not allowed.values_equal(ga[name], gb.get(name, Value("missing"))):
            raise _divergence(lv, step, f"global {name!r}", str(ga[name]), str(gb.get(name)))
    ma, mb = _read(lv, step, "memories")
    for name, da in ma.items():
        db = mb.get(name, b"")
        if da != db:
            raise _divergence(lv, step, f"memory {name!r}", *_memory_difference(da, db), kind="bytes")


def _check_tables(lv: _Live, step: str) -> None:
    ta, tb = _read(lv, step, "tables")
    for name, ea in ta.items():
        eb = tb.get(name, ())
        if len(ea) != len(eb):
            raise _divergence(lv, step, f"table {name!r}", f"{len(ea)} elements", f"{len(eb)} elements",
                              kind="size")
        for i, (x, y) in enumerate(zip(ea, eb)):
            if not allowed.values_equal(x, y):
                raise _divergence(lv, step, f"table {name!r}", f"[{i}] = {x}", f"[{i}] = {y}", kind="element")


def _memory_difference(a: bytes, b: bytes) -> tuple[str, str]:
    if len(a) != len(b):
        return f"{len(a)} bytes", f"{len(b)} bytes"
    i = next(i for i in range(len(a)) if a[i] != b[i])
    lo = max(0, i - 4)
    return f"at {i}: {a[lo:i + 8].hex(' ')}", f"at {i}: {b[lo:i + 8].hex(' ')}"


def _divergence(lv: _Live, step: str, aspect: str, expected: str, actual: str, kind: str = "") -> Divergence:
    return Divergence(lv.pair.name, lv.reference.name, lv.candidate.name, step, aspect, expected, actual, kind)
