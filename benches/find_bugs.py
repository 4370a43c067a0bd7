"""Bug-finding power: how many executions a target takes to find each planted bug.

    python benches/find_bugs.py [--bugs SUBSTR,...] [--targets main,own|NAME,...]
                                [--seeds N] [--max-execs N] [--json FILE] [--smoke]

For every bug of the catalogue (``tests/harness/planted_bugs.py``, shared with
the test that requires each bug's own target to find it), the target a user
would run, the main job (``differential``), and the bug's own target each
get ``--max-execs`` random inputs from an empty corpus, in ``--seeds``
seeds. An input is a finding only if it diverges with the bug planted and
not without it. Reported per bug and target: executions to the first
finding (median over all seeds, a miss counting as more than any count;
worst over the seeds that found it), the seconds those executions took (secondary: the machine is shared, so only executions are
deterministic), and how many seeds missed.

The inputs of one target and seed are the same for every bug, so each
input's case is made once and checked with each bug still unfound; a
bug's seconds are its own checks plus the making of the cases it saw.
Pending bugs (no target can reach them yet) are measured too, marked.
Target (issue 18): the main job finds every bug within 5,000 executions
in the median, and no bug is missed by its own target in 20,000.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "harness")]

from planted_bugs import BUGS, MAIN_JOB, diverges, diverges_with, inputs  # noqa: E402
from wasmfuzz.fuzz import targets  # noqa: E402
from wasmfuzz.oracles import supports  # noqa: E402
from wasmfuzz.oracles.execution import reset_pooled_engines  # noqa: E402


def hunt(target: str, bugs: list, seed: int, max_execs: int) -> dict[str, tuple[int, float] | None]:
    """bug name -> (executions, seconds) to its first finding by ``target``
    from seed ``seed``, or None if it was not found in ``max_execs``."""
    found: dict[str, tuple[int, float] | None] = {b.name: None for b in bugs}
    seconds = dict.fromkeys(found, 0.0)
    open_bugs = list(bugs)
    reset_pooled_engines()  # pooled slots start empty, as in a fresh campaign
    for execs, data in enumerate(inputs(f"{target}/{seed}", target, max_execs), start=1):
        if not open_bugs:
            break
        t0 = time.perf_counter()
        case = targets.make_case(target, data)
        made = time.perf_counter() - t0
        baseline = None  # whether the unchanged runtime diverges on this case, once needed
        for bug in list(open_bugs):
            t0 = time.perf_counter()
            hit = case is not None and diverges_with(bug, case)
            if hit:
                baseline = diverges(case) if baseline is None else baseline
                hit = not baseline
            seconds[bug.name] += made + time.perf_counter() - t0
            if hit:
                found[bug.name] = (execs, seconds[bug.name])
                open_bugs.remove(bug)
    return found


def summarise(runs: list[tuple[int, float] | None]) -> dict:
    """Median and worst over the seeds; a seed that missed counts as more
    than any execution count, so a median exists only if most seeds found it."""
    hits = [r for r in runs if r is not None]
    execs = [e for e, _ in hits]
    secs = [s for _, s in hits]
    median = statistics.median([r[0] if r is not None else math.inf for r in runs])
    return {"seeds": len(runs), "missed": len(runs) - len(hits),
            "execs_median": None if median == math.inf else median, "execs_worst": max(execs, default=None),
            "seconds_median": round(statistics.median(secs), 2) if secs else None,
            "seconds_worst": round(max(secs), 2) if secs else None, "runs": [r and r[0] for r in runs]}


def plan(bugs: list, target_args: list[str]) -> dict[str, list]:
    """target -> the bugs it is run against."""
    out: dict[str, list] = {}
    for t in target_args:
        for bug in bugs:
            name = MAIN_JOB if t == "main" else bug.target if t == "own" else t
            if bug not in out.setdefault(name, []):
                out[name].append(bug)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bugs", default="", help="comma-separated substrings of bug names (default: all)")
    ap.add_argument("--targets", default="main,own", help="'main', 'own' and/or target names, comma-separated")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--max-execs", type=int, default=2000)
    ap.add_argument("--json", type=Path, help="write the results here as JSON")
    ap.add_argument("--smoke", action="store_true", help="one cheap bug, one seed, few executions")
    a = ap.parse_args(argv)
    if a.smoke:
        a.bugs, a.targets, a.seeds, a.max_execs = "i64.xor", "main,own", 1, 40
    wanted = [w.strip() for w in a.bugs.split(",") if w.strip()]
    bugs = [b for b in BUGS if not wanted or any(w in b.name for w in wanted)]
    if not bugs:
        print(f"no planted bug matches {a.bugs!r}", file=sys.stderr)
        return 2
    unknown = [t for t in a.targets.split(",") if t not in ("main", "own") and t not in targets.NAMES]
    if unknown or a.seeds < 1 or a.max_execs < 1:
        print(f"bad arguments: unknown targets {unknown}" if unknown else "--seeds and --max-execs must be >= 1",
              file=sys.stderr)
        return 2
    for name in targets.NAMES:  # every generator loaded now: one version of them for the whole run
        targets.load(name)
    results = []
    for target, tbugs in plan(bugs, a.targets.split(",")).items():
        runnable = [b for b in tbugs if all(supports(n) for n in b.needs) and target in targets.NAMES]
        for b in tbugs:
            if b not in runnable:
                why = f"no {target} target" if target not in targets.NAMES else f"runtime lacks {b.needs}"
                results.append({"bug": b.name, "target": target, "skipped": why})
        runs = {b.name: [] for b in runnable}
        for seed in range(a.seeds):
            for name, r in hunt(target, runnable, seed, a.max_execs).items():
                runs[name].append(r)
        for b in runnable:
            results.append({"bug": b.name, "target": target, "own": target == b.target, "pending": bool(b.pending),
                            **summarise(runs[b.name])})
            print(_row(results[-1]), flush=True)
    print(f"\nexecutions to the first finding ({a.seeds} seeds, at most {a.max_execs} executions each)")
    print(f"{'bug':58} {'target':13} {'median':>7} {'worst':>7} {'missed':>6} {'s median':>8} {'s worst':>8}")
    for r in sorted(results, key=lambda r: ([b.name for b in BUGS].index(r["bug"]), r["target"] != MAIN_JOB)):
        print(_row(r))
    if a.json:
        a.json.write_text(json.dumps({"seeds": a.seeds, "max_execs": a.max_execs, "results": results}, indent=2))
    return 0


def _row(r: dict) -> str:
    name = r["bug"][:56] + (" *" if r.get("pending") else "")
    if "skipped" in r:
        return f"{name:58} {r['target']:13} skipped: {r['skipped']}"
    f = lambda v: "-" if v is None else str(v)  # noqa: E731
    return (f"{name:58} {r['target']:13} {f(r['execs_median']):>7} {f(r['execs_worst']):>7} "
            f"{r['missed']:>3}/{r['seeds']:<2} {f(r['seconds_median']):>8} {f(r['seconds_worst']):>8}")


if __name__ == "__main__":
    sys.exit(main())
