"""Hypothesis strategies over the same generators the fuzz targets use.

``HypothesisSource`` answers a generator's draws with Hypothesis draws, so
a generator written once for fuzz bytes also runs under Hypothesis, which
records each choice and shrinks a failing case choice by choice (an
operation dropped, an index made smaller) without a shrinker of our own.

``cases(target)`` is the test cases of a fuzz target; ``table_programs``
and ``memory_programs`` are the targeted programs themselves.
"""

from __future__ import annotations

from hypothesis import strategies as st

from . import memory_ops, table_ops, targets
from .case import TestCase


class HypothesisSource:
    """A ``Source`` whose draws are Hypothesis draws."""

    def __init__(self, draw, max_rest: int = 2048):
        self.draw = draw
        self.max_rest = max_rest

    def int_in(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi)) if hi > lo else lo

    def bytes(self, n: int) -> bytes:
        return self.draw(st.binary(min_size=n, max_size=n))

    def rest(self) -> bytes:
        return self.draw(st.binary(max_size=self.max_rest))


def cases(target: str) -> st.SearchStrategy[TestCase]:
    """Test cases of fuzz target ``target``; inputs smith declines are rejected."""
    module = targets.load(target)
    from .smith import SmithFailed

    @st.composite
    def draw_case(draw):
        try:
            return module.generate(HypothesisSource(draw))
        except SmithFailed:
            from hypothesis import reject
            reject()
    return draw_case()


@st.composite
def table_programs(draw) -> table_ops.TableOpsProgram:
    return table_ops.program(HypothesisSource(draw))


@st.composite
def memory_programs(draw, memory64: bool = False, multi_memory: bool = False,
                    atomics: bool = False) -> memory_ops.MemoryOpsProgram:
    return memory_ops.program(HypothesisSource(draw), memory64=memory64, multi_memory=multi_memory, atomics=atomics)
