"""The semantics oracle: a module rewritten by a transformation that claims to
keep its meaning, against the module it was made from, both on wasmfuzz.

``wasm-tools mutate --preserve-semantics`` rewrites a module (peephole
rules, code motion, new unused items, ...) without changing what any export
does. So the original and the rewrite must answer every call alike: same
outcomes, same exported globals, memories and tables after every step.
No second engine is needed, and a runtime bug that only some instruction
sequences reach shows up as the rewrite disagreeing with the original.
``PAIR`` runs in the differential comparison's own lockstep with the test
case's other pairs (``compare``'s ``original``): its reference side runs
the original, its candidate is the rewrite's execution those pairs
already make, so the check costs one execution more, not two.

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
fuel-off execution of it hangs the fuzzer. So Wasmtime runs each step of
the rewrite first with ``ENDS_WITHIN`` fuel (natively, milliseconds;
``compare``'s guard): one that does not end there is run nowhere else
and poisons the case. The guarded Wasmtime execution is the one the
wasmfuzz-vs-Wasmtime pair compares with, so the guard costs no
compilation of its own (it used to be a run of its own before the
comparison: a sixth of a preserved case's time).
"""

from __future__ import annotations

from typing import Callable

from .compare import Plan, Verdict, compare, compare_modules, shown_together
from .divergence import Divergence
from .execution import Engines
from .pairs import WASMTIME, Pair
from .spec import ExecutionSpec

PAIR = Pair("mutated vs original", (), lambda b: b.with_(fuel=None), lambda b: b.with_(fuel=None), on_original=True)
# Fuel within which a rewrite's instantiation and each of its calls must end on Wasmtime before wasmfuzz
# runs them without fuel (``compare``'s guard): over 500 times what a mutate seed's calls take together
# (at most 18,543 in 657 cases).
ENDS_WITHIN = 10_000_000


def _on_wasmtime(base: ExecutionSpec) -> ExecutionSpec:
    return WASMTIME.reference(PAIR.reference(base)).with_(fuel=ENDS_WITHIN)


# The same two runs on Wasmtime, made only when wasmfuzz sees the rewrite differ. Metered: the
# rewrite's steps after the one that differed were never guarded (a run-away one differs, as it should).
_ON_WASMTIME = Pair("mutated vs original on wasmtime", (), _on_wasmtime, _on_wasmtime)
_LABELS = ("original", "mutated")


def check_semantics(original: bytes, rewritten: bytes, spec: ExecutionSpec, plan: Plan,
                    engines: Engines | None = None) -> Verdict:
    """Raise Divergence if ``rewritten`` behaves differently from ``original`` under ``spec``
    on wasmfuzz but not on Wasmtime, this pair alone (a test case runs it
    among its other pairs, sharing the rewrite's execution: ``fuzz.case``)."""
    return with_semantics(lambda pairs: compare(rewritten, spec, pairs, plan, engines, original=original,
                                                guard=ENDS_WITHIN),
                          [], original, rewritten, spec, plan, engines)


def with_semantics(compare_pairs: Callable[[list[Pair]], Verdict], pairs: list[Pair], original: bytes,
                   rewritten: bytes, spec: ExecutionSpec, plan: Plan, engines: Engines | None = None) -> Verdict:
    """``compare_pairs`` (a comparison of the rewrite with its original and
    ``guard``) on ``pairs`` and ``PAIR`` last, so that at any step a
    divergence from Wasmtime is seen first and tells which side is wrong.
    A divergence of ``PAIR`` that Wasmtime sees too poisons it, and
    ``pairs`` are compared again without it, to the end."""
    try:
        return compare_pairs([*pairs, PAIR])
    except Divergence as seen:
        if seen.pair != PAIR.name:
            raise
        reason = mutation_changed_meaning(seen, original, rewritten, spec, plan, engines)
    verdict = compare_pairs(pairs) if pairs else Verdict()
    verdict.compared.append(PAIR.name)
    verdict.poisoned[PAIR.name] = reason
    return verdict


def mutation_changed_meaning(seen: Divergence, original: bytes, rewritten: bytes, spec: ExecutionSpec, plan: Plan,
                             engines: Engines | None = None) -> str:
    """Why ``seen``, a divergence of ``PAIR``, is wasm-mutate's slip and not
    wasmfuzz's bug: Wasmtime sees the rewrite differ from its original too.
    Raises ``seen`` when Wasmtime does not."""
    try:
        compare_modules(*shown_together(original, rewritten), spec, _ON_WASMTIME, plan, engines, labels=_LABELS)
    except Divergence as also:
        return (f"{seen.step}: the rewrite is not the original program: Wasmtime sees it differ too "
                f"({also.step}: {also.aspect}), so the mutation changed its meaning")
    raise seen from None
