"""The runtime configuration a fuzz input chooses (swarm testing).

The base ``ExecutionSpec`` of a test case: which proposals the module may
use, lazy or eager tables, on-demand or pooled instances, a fuel budget,
an epoch deadline and NaN canonicalization (on both engines of every pair,
so their float results are compared bit for bit). Only what wasmfuzz
supports today is ever chosen (``oracles.capabilities``), so these choices
widen by themselves as the runtime grows. Targets raise the odds of the feature they are about.
"""

from __future__ import annotations

from wasmfuzz.oracles.capabilities import supports
from wasmfuzz.oracles.spec import ExecutionSpec

from .source import Source, boolean, choice

# Budgets where running out happens at interesting points: immediately,
# within the first few checks, part-way through, or never.
FUEL_BUDGETS = ((0, 0), (1, 10), (11, 500), (501, 20_000), (20_001, 1_000_000))
# SIMD is a quarter of Wasm's instructions: drawn for a fifth of the inputs
# of every target whose modules may use proposals at all.
SIMD_PERCENT = 20


def draw_spec(src: Source, *, fuel_percent: int = 10, epoch_percent: int = 10,
              proposal_percent: int = 5, nan_percent: int = 10) -> ExecutionSpec:
    """A wasmfuzz spec; each optional feature is drawn only when supported."""
    features = {f for f in ("memory64", "multi_memory", "threads", "wide_arithmetic", "custom_page_sizes", "tail_call")
                if supports(f) and boolean(src, proposal_percent)}
    if proposal_percent and supports("simd") and boolean(src, SIMD_PERCENT):
        features.add("simd")
        if supports("relaxed_simd") and boolean(src):
            features.add("relaxed_simd")
    features = frozenset(features)
    lazy_init = boolean(src) if supports("table_lazy_init") else None
    pooling = supports("pooling") and boolean(src, 20)
    fuel = None
    if supports("fuel") and boolean(src, fuel_percent):
        fuel = src.int_in(*choice(src, FUEL_BUDGETS))
    epoch = None
    if supports("epoch") and boolean(src, epoch_percent):
        epoch = src.int_in(0, 4)
    canonical_nans = boolean(src, nan_percent)
    return ExecutionSpec("wasmfuzz", features, lazy_init, pooling, fuel, epoch, nan_canonicalization=canonical_nans)
