"""``Divergence``: two executions disagreed, and the report that says how."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Divergence(AssertionError):
    """Raised by a target when two executions of one test case disagree.

    ``signature`` names the kind of disagreement without the details (which
    pair, which aspect, what each side did), so a campaign can keep one
    finding per kind and ``shrink`` can insist a smaller module keeps it."""

    pair: str
    reference: str
    candidate: str
    step: str
    aspect: str  # instantiate, exports, outcome, fuel, global, memory, table
    expected: str
    actual: str
    kind: str = ""  # e.g. "returned vs trap MEMORY_OUT_OF_BOUNDS"

    def __post_init__(self):
        super().__init__(self.report())

    @property
    def signature(self) -> str:
        return f"{self.pair}: {self.aspect}: {self.kind}" if self.kind else f"{self.pair}: {self.aspect}"

    def report(self) -> str:
        return (f"divergence in {self.pair}: {self.aspect} differs at {self.step}\n"
                f"  {self.reference}: {self.expected}\n"
                f"  {self.candidate}: {self.actual}\n")

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in
                ("pair", "reference", "candidate", "step", "aspect", "expected", "actual", "kind")} | \
            {"signature": self.signature}
