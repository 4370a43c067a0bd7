"""Where a generator's choices come from: fuzz bytes, or Hypothesis.

Generators are written once against ``Source`` (a few typed draws) and run
from either side. ``Unstructured`` reads the choices from fuzz input bytes,
as Rust's ``arbitrary::Unstructured`` does for wasm-smith: it never fails,
and once the bytes run out every draw returns its smallest value, so any
input, even an empty one, makes a test case, and libFuzzer's byte mutations
map to small changes in choices. ``HypothesisSource`` (in ``strategies``)
draws the same choices from Hypothesis, which then shrinks them.
"""

from __future__ import annotations

from typing import Protocol, Sequence, TypeVar

T = TypeVar("T")


class Source(Protocol):
    def int_in(self, lo: int, hi: int) -> int: ...

    def bytes(self, n: int) -> bytes: ...

    def rest(self) -> bytes:
        """Everything not drawn yet (a seed for a generator of its own)."""


def boolean(src: Source, percent_true: int = 50) -> bool:
    return src.int_in(0, 99) < percent_true


def choice(src: Source, items: Sequence[T]) -> T:
    return items[src.int_in(0, len(items) - 1)]


class Unstructured:
    """Typed draws from fuzz input bytes; exhausted input reads as zeros."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def int_in(self, lo: int, hi: int) -> int:
        span = hi - lo
        if span <= 0:
            return lo
        nbytes = (span.bit_length() + 7) // 8
        raw = int.from_bytes(self.bytes(nbytes), "little")
        return lo + raw % (span + 1)

    def bytes(self, n: int) -> bytes:
        out = self.data[self.pos:self.pos + n]
        self.pos += len(out)
        return out + bytes(n - len(out))

    def rest(self) -> bytes:
        out = self.data[self.pos:]
        self.pos = len(self.data)
        return out
