"""The pairs of executions the oracles compare, and what each needs.

Each pair derives its two executions from the test case's own
configuration (the *base* spec, a wasmfuzz spec drawn from the fuzz input),
changing only what the pair is about, so one input is compared under many
configurations. The reference comes first. A pair whose runtime feature
is missing (``capabilities``) is skipped, not failed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Sequence

from .capabilities import supports
from .execution import NO_DEADLINE
from .spec import ExecutionSpec

# Enough fuel that a module built with wasm-smith's --ensure-termination
# never runs out: running out with this much is a divergence.
AMPLE_FUEL = 1 << 40


@dataclass(frozen=True)
class Pair:
    name: str
    needs: tuple[str, ...]
    reference: Callable[[ExecutionSpec], ExecutionSpec]
    candidate: Callable[[ExecutionSpec], ExecutionSpec]
    compare_fuel: bool = False
    on_original: bool = False  # the reference side runs the module the case's module was rewritten from

    def available(self) -> bool:
        return all(supports(n) for n in self.needs)


WASMTIME = Pair(
    "wasmfuzz vs wasmtime", (),
    lambda b: b.with_(engine="wasmtime", lazy_init=None, pooling=False),
    lambda b: b,
    compare_fuel=True)
LAZY_VS_EAGER = Pair(
    "lazy vs eager", ("table_lazy_init",),
    lambda b: b.with_(lazy_init=False),
    lambda b: b.with_(lazy_init=True))
FUEL_ON_VS_OFF = Pair(
    "fuel off vs ample fuel", ("fuel",),
    lambda b: b.with_(fuel=None),
    lambda b: b.with_(fuel=AMPLE_FUEL))
EPOCHS_VS_NONE = Pair(
    "no epochs vs far deadline", ("epoch",),
    lambda b: b.with_(epoch_deadline=None),
    lambda b: b.with_(epoch_deadline=NO_DEADLINE))
# Deadline 0: every check that sees the epoch at the deadline calls back (or
# yields) and goes on one tick later, so the run is interrupted at every
# import call's next check, and must end as the uninterrupted run does.
EPOCH_CALLBACKS = Pair(
    "no epochs vs deadline callbacks", ("epoch_callback",),
    lambda b: b.with_(epoch_deadline=None),
    lambda b: b.with_(epoch_deadline=0, epoch_mode="callback"))
EPOCH_ASYNC_YIELDS = Pair(
    "no epochs vs async yields", ("epoch_async",),
    lambda b: b.with_(epoch_deadline=None),
    lambda b: b.with_(epoch_deadline=0, epoch_mode="yield"))
ON_DEMAND_VS_POOLING = Pair(
    "on-demand vs pooling", ("pooling",),
    lambda b: b.with_(pooling=False),
    lambda b: b.with_(pooling=True))

PAIRS = {p.name: p for p in (WASMTIME, LAZY_VS_EAGER, FUEL_ON_VS_OFF, EPOCHS_VS_NONE, EPOCH_CALLBACKS,
                              EPOCH_ASYNC_YIELDS, ON_DEMAND_VS_POOLING)}


def swarm(seed: bytes, always: Sequence[Pair], others: Sequence[Pair], share: float) -> tuple[str, ...]:
    """The names of ``always`` and of a share of ``others`` drawn from ``seed``
    (swarm testing over pairs): each input pays for a few executions, not one
    per pair, and the others are still compared, each on its share of inputs.
    The draw hashes ``seed`` instead of reading more of the fuzz input, so
    the module and the calls an input makes do not depend on it."""
    rng = random.Random(seed)
    drawn = [p for p in others if rng.random() < share]
    return tuple(p.name for p in (*always, *drawn))
