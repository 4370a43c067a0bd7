"""wasmfuzz.oracles: run one module on several executions and judge the results.

An *execution* is one engine with one configuration (wasmfuzz with lazy or
eager tables, with fuel, with epochs, pooled; real Wasmtime through
wasmtime-py). Every execution sits behind the same adapter (``execution``),
so the comparison (``compare``) never knows which engine it is looking at.
What may legitimately differ between two executions is spelled out, with
the reason, in ``allowed``; everything else that differs is a
``Divergence``. Which pairs are compared is in ``pairs``; a pair whose
runtime feature does not exist yet is skipped by ``capabilities``.
"""

from .capabilities import supports
from .compare import Verdict, compare
from .divergence import Divergence
from .pairs import PAIRS, Pair
from .spec import ExecutionSpec

__all__ = ["PAIRS", "Divergence", "ExecutionSpec", "Pair", "Verdict", "compare", "supports"]
