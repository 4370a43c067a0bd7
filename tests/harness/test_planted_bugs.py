"""The harness finds bugs: each test plants one bug of the catalogue
(``planted_bugs``, shared with ``benches/find_bugs.py``) in the runtime,
inside the test only, and shows that the target meant to catch that kind
of bug finds it, from an empty corpus, within a bounded number of
executions. The number each bug took is printed (``pytest -s``).

Adding a bug is one ``PlantedBug`` line in ``planted_bugs`` and, usually, a
small function that plants it.
"""

from __future__ import annotations

import pytest
from planted_bugs import BUGS, PlantedBug, first_finding
from wasmfuzz.oracles import supports


@pytest.mark.parametrize("bug", BUGS, ids=[b.name for b in BUGS])
def test_target_finds_planted_bug(bug: PlantedBug, record_property):
    missing = [n for n in bug.needs if not supports(n)]
    if missing:
        pytest.skip(f"the runtime has no {', '.join(missing)} yet")
    if bug.pending:
        pytest.skip(bug.pending)
    execs = first_finding(bug, bug.target, bug.name, bug.budget)
    assert execs is not None, f"{bug.target} did not find '{bug.name}' in {bug.budget} executions"
    record_property("executions", execs)
    print(f"\n{bug.name}: found by {bug.target} after {execs} executions")
