"""The semantics oracle: a module rewritten by a transformation that claims to
keep its meaning, against the module it was made from, both on wasmfuzz.

``wasm-tools mutate --preserve-semantics`` rewrites a module (peephole
rules, code motion, new unused items, ...) without changing what any export
does. So the original and the rewrite must answer every call alike: same
outcomes, same exported globals, memories and tables after every step
(``compare.compare_modules``, the differential comparison's own lockstep).
No second engine is needed, and a runtime bug that only some instruction
sequences reach shows up as the rewrite disagreeing with the original.

Fuel is off on both sides: a rewrite runs a different number of
instructions by design, so a budget would run out at different points.
The original must end by itself (the ``mutate`` target's seeds do).

wasm-mutate's claim can be wrong: in a 10-minute mutate campaign, four
rewrites made under ``--preserve-semantics`` changed what a function
returns (one traps past the end of memory where the original returns), on
Wasmtime exactly as on wasmfuzz. So a difference is checked on Wasmtime
too: if Wasmtime also sees the rewrite differ, the mutation changed the
program (wasm-mutate's bug, not wasmfuzz's) and the check is poisoned with
that reason; only a difference Wasmtime does not see is a divergence.

Such a slip can also make a loop endless: about one rewrite in 1,400 of
the ``mutate`` target's seeds never returned (2 billion fuel on Wasmtime
where the original's calls take at most 19 thousand together), and a
fuel-off execution of it hangs the fuzzer. So before anything runs a
rewrite without fuel, ``runs_away`` runs its calls once on Wasmtime with
``ENDS_WITHIN`` fuel (natively, milliseconds); one that does not end
there is not compared at all.
"""

from __future__ import annotations

from .compare import Plan, Verdict, compare_modules, shown_to_wasmtime
from .divergence import Divergence
from .execution import ApiExecution, Engines
from .outcome import RETURNED
from .pairs import WASMTIME, Pair
from .spec import ExecutionSpec

PAIR = Pair("mutated vs original", (), lambda b: b.with_(fuel=None), lambda b: b.with_(fuel=None))


def _on_wasmtime(base: ExecutionSpec) -> ExecutionSpec:
    return WASMTIME.reference(PAIR.reference(base))


# The same two runs on Wasmtime, made only when wasmfuzz sees the rewrite differ.
_ON_WASMTIME = Pair("mutated vs original on wasmtime", (), _on_wasmtime, _on_wasmtime)
_LABELS = ("original", "mutated")
# Fuel in which a rewrite's instantiation and calls must end together on Wasmtime before it is run
# without fuel: over 500 times what a mutate seed's calls take together (at most 18,543 in 657 cases).
ENDS_WITHIN = 10_000_000


def runs_away(rewritten: bytes, spec: ExecutionSpec, plan: Plan, engines: Engines | None = None) -> str | None:
    """Why ``rewritten`` must not run without fuel (its calls in ``plan`` do not end
    within ``ENDS_WITHIN`` fuel on Wasmtime), or None when they end."""
    execution = ApiExecution(WASMTIME.reference(spec).with_(fuel=ENDS_WITHIN), engines)
    outcome, step = execution.instantiate(shown_to_wasmtime(rewritten)), "instantiation"
    for call in plan(execution.exports()) if outcome.status == RETURNED else ():
        if outcome.trap == "OUT_OF_FUEL":
            break
        outcome, step = execution.call(call.export, call.args), str(call)
    if outcome.trap != "OUT_OF_FUEL":
        return None
    return (f"{step}: the rewrite does not end within {ENDS_WITHIN:,} fuel on Wasmtime, "
            "so it is not run without fuel: the mutation made it run away (its original ends)")


def check_semantics(original: bytes, rewritten: bytes, spec: ExecutionSpec, plan: Plan,
                    engines: Engines | None = None) -> Verdict:
    """Raise Divergence if ``rewritten`` behaves differently from ``original`` under ``spec``
    on wasmfuzz but not on Wasmtime. With the ``engines`` of the test case's
    other comparisons, a module they compiled with the same options is not
    compiled again."""
    try:
        return compare_modules(original, rewritten, spec, PAIR, plan, engines, labels=_LABELS)
    except Divergence as seen:
        try:
            compare_modules(shown_to_wasmtime(original), shown_to_wasmtime(rewritten), spec, _ON_WASMTIME, plan,
                            engines, labels=_LABELS)
        except Divergence as also:
            return Verdict(compared=[PAIR.name], poisoned={PAIR.name: (
                f"{seen.step}: the rewrite is not the original program: Wasmtime sees it differ too "
                f"({also.step}: {also.aspect}), so the mutation changed its meaning")})
        raise seen from None
