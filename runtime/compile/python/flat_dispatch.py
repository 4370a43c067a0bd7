"""The flat layout's dispatch in two steps instead of one long chain.

The flat layout (``codegen``) is one ``while True:`` whose body tests
``if _L == N:`` for every state in turn; a branch sets ``_L`` and goes back
to the top, so reaching the code of the k-th state costs k tests. Functions
fall back to this layout when their blocks nest too deep for Python's
structured form, and those are the large ones: an interpreter's dispatch
loop (QuickJS's ``JS_CallInternal`` has 1,259 states) paid hundreds of
tests per branch, most of its time.

``group_states`` renumbers the states in the order their code appears
(every ``_L = N``, ``if _L == N:`` and the exception handlers'
``if _L in (...):`` alike) and wraps each run of about sqrt(n) states in
``if _L < first_state_of_the_next_run:``. A branch then passes at most
sqrt(n) run tests and sqrt(n) state tests; falling through from one state
into the next still works, across runs too, since a run's test only asks
whether ``_L`` is below its end. The last run needs no test. Lines shift, so
the line map's per-line records move with them.
"""

from __future__ import annotations

import math
import re

MIN_STATES = 32  # below this, the chain is short enough
MIN_RUN = 8  # states a run holds at the least
_HEADER = re.compile(r"if _L == (\d+):$")
_STATE_USES = re.compile(r"(?<![\w])(_L = |_L == )(\d+)|(?<![\w])_L in \(([\d, ]+)\)")


def group_states(em) -> None:
    """Renumber and group the states of flat-layout emitter ``em``'s lines, in place."""
    pad = "    " * em.flat_base
    headers = [k for k, line in enumerate(em.lines)
               if line.startswith(pad) and line[len(pad):len(pad) + 1] != " " and _HEADER.match(line, len(pad))]
    if len(headers) < MIN_STATES:
        return
    renumber = {int(_HEADER.match(em.lines[k], len(pad)).group(1)): n for n, k in enumerate(headers)}
    run = max(MIN_RUN, math.isqrt(len(headers)))
    starts = headers[run::run]  # the first header of every run after the first
    if not starts:
        return
    inner = headers[0]
    used = {int(n) for line in em.lines if "_L" in line for m in _STATE_USES.finditer(line)
            for n in (m.group(3).replace(",", " ").split() if m.group(3) is not None else [m.group(2)])}
    if not used <= renumber.keys() or any(not line.startswith(pad) for line in em.lines[inner:starts[-1]]):
        return  # a state with no code, or other code between the states: leave the chain as it is

    def new_number(match: re.Match) -> str:
        if match.group(3) is not None:
            return "_L in (" + ", ".join(str(renumber[int(s)]) for s in match.group(3).split(",") if s.strip()) + ",)"
        return match.group(1) + str(renumber[int(match.group(2))])

    guards = {headers[0]: run}
    guards.update({k: n + run for n, k in zip(range(run, len(headers), run), starts[:-1])})
    lines, line_code, moved = [], [], {}
    for k, line in enumerate(em.lines):
        if k in guards:
            lines.append(f"{pad}if _L < {guards[k]}:")
            line_code.append(em.line_code[k])
        if "_L" in line:
            line = _STATE_USES.sub(new_number, line)
        moved[k] = len(lines)
        lines.append("    " + line if inner <= k < starts[-1] else line)
        line_code.append(em.line_code[k])
    em.lines, em.line_code = lines, line_code
    em.accesses = {moved[k]: a for k, a in em.accesses.items()}
    em.calls = {moved[k]: f for k, f in em.calls.items()}
