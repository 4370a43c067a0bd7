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
"""

from __future__ import annotations

from .compare import Plan, Verdict, compare_modules
from .execution import Engines
from .pairs import Pair
from .spec import ExecutionSpec

PAIR = Pair("mutated vs original", (), lambda b: b.with_(fuel=None), lambda b: b.with_(fuel=None))


def check_semantics(original: bytes, rewritten: bytes, spec: ExecutionSpec, plan: Plan,
                    engines: Engines | None = None) -> Verdict:
    """Raise Divergence if ``rewritten`` behaves differently from ``original`` under ``spec``.
    With the ``engines`` of the test case's other comparisons, a module they
    compiled with the same options is not compiled again."""
    return compare_modules(original, rewritten, spec, PAIR, plan, engines, labels=("original", "mutated"))
