"""The checked-in corpus as pytest items, one per entry: seeds replayed
through their target, regressions through every pair of executions (as
``wasmfuzz check`` does). A regression whose runtime bug is still open
(``xfail.txt``) is an expected failure, and an error once it passes."""

from __future__ import annotations

from pathlib import Path

import pytest
from wasmfuzz.fuzz import entries
from wasmfuzz.fuzz.check import all_oracles

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
ENTRIES = entries.walk(CORPUS)


def test_every_target_has_seeds():
    from wasmfuzz.fuzz.targets import NAMES
    assert {e.target for e in ENTRIES if e.data is not None} == set(NAMES)


def test_every_regression_says_what_it_is():
    regressions = [e for e in ENTRIES if e.case is not None]
    assert regressions
    assert all(e.description and "\n" not in e.description for e in regressions)


@pytest.mark.parametrize("entry", ENTRIES, ids=[str(e.path.relative_to(CORPUS)) for e in ENTRIES])
def test_corpus_entry_replays_without_divergence(entry):
    if entry.open_bug:
        pytest.xfail(entry.open_bug) if _diverges(entry) else \
            pytest.fail(f"passes now: remove {entries.XFAIL} from {entry.path}")
    all_oracles(entry).replay()


def _diverges(entry) -> bool:
    from wasmfuzz.oracles import Divergence
    try:
        all_oracles(entry).replay()
    except Divergence:
        return True
    return False
