"""Run one module and one sequence of calls on several executions, in lockstep.

``compare`` builds every execution the available pairs need (an execution
shared by two pairs runs once), instantiates them, then makes each call on
all of them and compares each pair after every step: the outcome (values,
trap code, or refusal), fuel consumed when the pair meters fuel, and then
every exported global and memory. Exported tables are compared once, at the
end: reading a whole table from the host initialises every lazy element,
which would hide the lazy paths from all later steps.
``compare_modules`` runs the same lockstep on two modules, one per side of
a pair (a rewritten module against its original).

A crash of either execution is named by where it happened, whatever the
other did, so one engine bug makes one kind of finding. A pair stops at
its first divergence or when an outcome is poisoned
(``allowed.non_deterministic``); the others go on. The first divergence is
raised, the poisoned pairs are reported in the ``Verdict``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable, Sequence

from . import allowed
from .divergence import Divergence
from .execution import ApiExecution, Engines, ExportInfo
from .memcmp import same_bytes
from .outcome import CRASHED, RETURNED, TRAPPED, Outcome
from .pairs import WASMTIME, Pair
from .recorded import RecordedExecution
from .spec import ExecutionSpec
from .hidden_types import hide_as, hide_unshowable
from .values import Value

# The rewrite decodes the module each time; a campaign meets the same module
# again and again (``Engines``), so the last few answers are kept.
shown_to_wasmtime = functools.lru_cache(maxsize=32)(hide_unshowable)


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


def compare(wasm: bytes, base: ExecutionSpec, pairs: Sequence[Pair], plan: Plan,
            engines: Engines | None = None, original: bytes = b"", guard: int | None = None) -> Verdict:
    """Compare ``pairs`` on ``wasm``; raise ``Divergence`` at the first disagreement.
    ``engines``: shared with other comparisons of the same test case.
    ``original``: the module a pair ``on_original`` runs on its reference side
    (``wasm`` was rewritten from it: ``oracles.semantics``); its candidate side
    is the execution of ``wasm`` that other pairs share. With a campaign's
    ``engines``, that original's execution is answered from what the same
    one answered before, where it can (``oracles.recorded``).
    ``guard``: fuel within which Wasmtime must end each step before any
    execution without fuel makes it (a rewrite may loop forever where its
    original ends): Wasmtime's executions without fuel get that budget and
    run first, and a step that runs out of it ends the comparison, every
    pair poisoned, before anything else runs it. Fuel is then not compared
    between Wasmtime and wasmfuzz (``allowed.fuel_comparable``)."""
    verdict = Verdict()
    execs: dict[tuple[ExecutionSpec, bool], ApiExecution] = {}
    engines = engines if engines is not None else Engines()
    live: list[_Live] = []
    guarded: list[ApiExecution] = []

    def execution(spec: ExecutionSpec, on_original: bool = False) -> ApiExecution:
        metered = guard is not None and spec.engine == "wasmtime" and spec.fuel is None
        key = (spec.with_(fuel=guard) if metered else spec, on_original)
        if key not in execs:
            recordings = engines.recordings if on_original and not spec.pooling else None
            execs[key] = ApiExecution(key[0], engines) if recordings is None else \
                RecordedExecution(key[0], recordings, lambda: ApiExecution(key[0], engines))
            if original:  # the report tells the two modules apart
                execs[key].name += " (original)" if on_original else " (mutated)"
            if metered:
                guarded.append(execs[key])
        return execs[key]

    for pair in pairs:
        if not pair.available():
            verdict.skipped.append(pair.name)
            continue
        live.append(_Live(pair, execution(pair.reference(base), pair.on_original), execution(pair.candidate(base))))
        verdict.compared.append(pair.name)
    if guard is not None:  # a guard runs even when no pair compares with Wasmtime
        execution(WASMTIME.reference(base))
    modules = {False: bytes(wasm), True: original}  # by on_original
    if any(spec.engine == "wasmtime" for spec, _ in execs):  # every engine runs the module Wasmtime can
        if any(on_original for _, on_original in execs):
            modules[True], modules[False] = shown_together(original, modules[False])
        else:
            modules[False] = shown_to_wasmtime(modules[False])
    runs = _Runs([(e, modules[on_original]) for (_, on_original), e in execs.items()], guarded, guard)
    return _lockstep(live, runs, plan, verdict)


def shown_together(original: bytes, rewritten: bytes) -> tuple[bytes, bytes]:
    """A rewrite and its original as engines run them when Wasmtime is one of
    them: each as ``hide_unshowable`` leaves it, and then, if that hid
    anything, both exporting only the names both still export (lockstep
    compares exports)."""
    shown = shown_to_wasmtime(original), shown_to_wasmtime(rewritten)
    if shown == (original, rewritten):
        return shown
    return hide_as(shown[0], shown[1]), hide_as(shown[1], shown[0])


class _Runs:
    """The executions of one comparison, each with the module it runs, made to
    take each step together: instantiation, then every call. A guarded
    Wasmtime execution (``compare``'s ``guard``) goes first and, when it
    runs out of its fuel, stops the step there (``ran_away`` says where)."""

    def __init__(self, execs: list[tuple[ApiExecution, bytes]], guarded: Sequence[ApiExecution] = (),
                 guard: int | None = None):
        # Guarded first, then wasmfuzz: see instantiate.
        self._order = sorted(execs, key=lambda ew: (ew[0] not in guarded, ew[0].spec.engine == "wasmtime"))
        self._guarded = guarded
        self._guard = guard
        self.ran_away: str | None = None

    def instantiate(self) -> dict[int, Outcome]:
        """Every execution's instantiation outcome, by ``id``. A GC allocation
        wasmfuzz refuses as too large (vm.gc.MAX_ARRAY_BYTES) is not attempted
        on an unguarded Wasmtime, whose larger GC heap would take gigabytes of
        this process for it; the refusal poisons the input anyway
        (``allowed.non_deterministic``), so Wasmtime is given the same outcome.
        (A guarded one cannot allocate more than its fuel: an array costs
        its length.)"""
        outcomes: dict[int, Outcome] = {}
        oversized = None
        for e, wasm in self._order:
            if oversized is not None and e.spec.engine == "wasmtime" and e not in self._guarded:
                outcomes[id(e)] = oversized
                continue
            outcomes[id(e)] = outcome = e.instantiate(wasm)
            if self._runs_away(e, outcome, "instantiation"):
                return outcomes
            if outcome.status == TRAPPED and outcome.trap == "ALLOCATION_TOO_LARGE":
                oversized = outcome
        return outcomes

    def call(self, needed: set[int], call: Call, step: str) -> dict[int, Outcome]:
        """The outcome of ``call`` on each execution in ``needed`` (ids), and on the guard."""
        outcomes: dict[int, Outcome] = {}
        for e, _ in self._order:
            if id(e) in needed or e in self._guarded:
                outcomes[id(e)] = outcome = e.call(call.export, call.args)
                if self._runs_away(e, outcome, step):
                    break
        return outcomes

    def _runs_away(self, e: ApiExecution, outcome: Outcome, step: str) -> bool:
        if e in self._guarded and outcome.trap == "OUT_OF_FUEL":
            self.ran_away = (f"{step}: does not end within {self._guard:,} fuel on Wasmtime, so it is not "
                             "run without fuel (a rewrite made it run away where its original ends)")
        return self.ran_away is not None


def compare_modules(reference: bytes, candidate: bytes, base: ExecutionSpec, pair: Pair, plan: Plan,
                    engines: Engines | None = None, labels: tuple[str, str] = ("reference", "candidate")) -> Verdict:
    """Compare two modules, each on its side of ``pair``, with the calls ``plan``
    makes of the reference's exports. Raise ``Divergence`` as ``compare`` does;
    its report names each side's module by its label."""
    engines = engines if engines is not None else Engines()
    ref, cand = ApiExecution(pair.reference(base), engines), ApiExecution(pair.candidate(base), engines)
    ref.name, cand.name = f"{ref.name} ({labels[0]})", f"{cand.name} ({labels[1]})"
    return _lockstep([_Live(pair, ref, cand)], _Runs([(ref, reference), (cand, candidate)]), plan,
                     Verdict(compared=[pair.name]))


def _lockstep(live: list[_Live], runs: _Runs, plan: Plan, verdict: Verdict) -> Verdict:
    """Instantiation, then each call, on every live execution, each pair compared
    after every step, tables at the end."""
    live = _step(live, runs.instantiate(), "instantiation", verdict, runs)
    if not live:
        return verdict
    for lv in live:
        _check_exports(lv)
    for call in plan(live[0].reference.exports()):
        verdict.steps += 1
        step = f"call {verdict.steps}: {call}"
        needed = {id(e) for lv in live for e in (lv.reference, lv.candidate)}
        live = _step(live, runs.call(needed, call, step), step, verdict, runs)
        if not live:
            return verdict
    with _Reads() as reads:
        for lv in live:
            _check_tables(lv, "the end", reads)
    return verdict


def _step(live: list[_Live], outcomes: dict[int, Outcome], step: str, verdict: Verdict, runs: _Runs) -> list[_Live]:
    """Compare every live pair after one step; return the pairs still worth comparing."""
    if runs.ran_away:
        verdict.poisoned.update((lv.pair.name, runs.ran_away) for lv in live)
        return []
    with _Reads() as reads:
        return [lv for lv in live if _step_pair(lv, outcomes, step, verdict, reads)]


def _step_pair(lv: _Live, outcomes: dict[int, Outcome], step: str, verdict: Verdict,
               reads: "_Reads") -> bool:
    """Compare one pair after one step; whether it is still worth comparing."""
    a, b = outcomes[id(lv.reference)], outcomes[id(lv.candidate)]
    reason = allowed.non_deterministic(a) or allowed.non_deterministic(b) or (
        lv.candidate.spec.pooling and not lv.reference.spec.pooling and allowed.pool_slot_grow_failed(a, b))
    if reason:
        verdict.poisoned[lv.pair.name] = f"{step}: {reason}"
        return False
    if not allowed.outcomes_agree(a, b, _exact_nans(lv)):
        crash = next((o.summary for o in (b, a) if o.status == CRASHED), None)
        raise _divergence(lv, step, "outcome", str(a), str(b), crash or f"{a.summary} vs {b.summary}")
    if lv.pair.compare_fuel and allowed.fuel_comparable(a, b) and a.fuel_consumed != b.fuel_consumed:
        raise _divergence(lv, step, "fuel consumed", str(a.fuel_consumed), str(b.fuel_consumed))
    if a.status == RETURNED or step != "instantiation":
        _check_state(lv, step, reads)
        return True
    return False


def _exact_nans(lv: _Live) -> bool:
    return allowed.nans_compared_exactly(lv.reference.spec, lv.candidate.spec)


def _check_exports(lv: _Live) -> None:
    a, b = lv.reference.exports(), lv.candidate.exports()
    if a != b:
        raise _divergence(lv, "instantiation", "exports", "; ".join(map(str, a)), "; ".join(map(str, b)))


class _Reads:
    """What the executions' exports hold after one step, each read once
    however many pairs an execution is in (the base execution is in most),
    through the host API: an engine crashing there is a divergence too.
    Memories are read as views in place; leaving the step releases them."""

    def __init__(self):
        self._done: dict[tuple[int, str], object] = {}

    def __enter__(self) -> "_Reads":
        return self

    def __exit__(self, *exc) -> None:
        for (_, what), got in self._done.items():
            if what == "memory_views":
                for view in got.values():
                    view.release()
        self._done.clear()

    def both(self, lv: _Live, step: str, what: str) -> list:
        return [self._one(lv, execution, step, what) for execution in (lv.reference, lv.candidate)]

    def _one(self, lv: _Live, execution: ApiExecution, step: str, what: str):
        key = (id(execution), what)
        if key not in self._done:
            try:
                self._done[key] = getattr(execution, what)()
            except Exception as e:  # the host API must not fail on a live instance: report which engine did
                crash = execution.classify(e)
                raise _divergence(lv, step, f"reading {what}", "readable", f"{execution.name}: {crash}",
                                  kind=crash.summary) from None
        return self._done[key]


def _check_state(lv: _Live, step: str, reads: _Reads) -> None:
    ga, gb = reads.both(lv, step, "globals")
    exact_nans = _exact_nans(lv)
    for name in ga:
        if not allowed.values_equal(ga[name], gb.get(name, Value("missing")), exact_nans):
            raise _divergence(lv, step, f"global {name!r}", str(ga[name]), str(gb.get(name)))
    va, vb = reads.both(lv, step, "memory_views")
    differ = [name for name in va if not same_bytes(va[name], vb.get(name, memoryview(b"")))]
    if differ:  # only now copies, for the report
        ma, mb = reads.both(lv, step, "memories")
        name = differ[0]
        raise _divergence(lv, step, f"memory {name!r}", *_memory_difference(ma[name], mb.get(name, b"")),
                          kind="bytes")


def _check_tables(lv: _Live, step: str, reads: _Reads) -> None:
    ta, tb = reads.both(lv, step, "tables")
    for name, ea in ta.items():
        eb = tb.get(name, ())
        if ea == eb:  # equal Values, element by element (both engines name functions by index: wasmfuzz's)
            continue
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
