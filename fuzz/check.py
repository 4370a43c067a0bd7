"""``wasmfuzz check [DIR]``: replay a whole corpus through the oracles; the CI gate.

Every entry under DIR (default ``corpus/``) is replayed: fuzz inputs through
their target, saved test cases (regressions) through every pair of
executions, not just the ones that found them. Exits 1 if any entry
diverges or crashes, 0 otherwise (a regression whose bug is still open,
marked by ``xfail.txt``, is reported as known and fails only once it
passes); prints one line per failure and a summary, and writes JUnit XML with ``--junit FILE`` (one test case per
entry) for CI to display. pytest collects the same entries as test items
(tests/harness/test_corpus.py).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree as ET

from wasmfuzz.oracles import PAIRS, Divergence
from wasmfuzz.oracles.semantics import PAIR as SEMANTICS
from wasmfuzz.oracles.validation import PAIR as VALIDATION
from wasmfuzz.oracles.wasi import PAIR as WASI

from . import entries


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, nargs="?", default=Path("corpus"), help="corpus directory (default: corpus)")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML results to FILE")


def all_oracles(entry: entries.Entry) -> entries.Entry:
    """A saved test case goes through every pair (a validation or WASI case stays one; a
    rewritten module keeps its semantics check)."""
    if entry.case is None or VALIDATION in entry.case.checks or WASI in entry.case.checks:
        return entry
    kept = tuple(name for name in entry.case.checks if name == SEMANTICS.name)
    return replace(entry, case=replace(entry.case, checks=tuple(PAIRS) + kept))


def run(args: argparse.Namespace) -> int:
    try:
        found = entries.walk(args.dir)
    except entries.EntryError as e:
        print(f"wasmfuzz check: {e}", file=sys.stderr)
        return 2
    results = []  # (entry, seconds, failure kind or "", message)
    for entry in found:
        started = time.monotonic()
        kind, message = "", ""
        try:
            all_oracles(entry).replay()
        except Divergence as d:
            kind, message = "failure", d.report()
        except Exception:  # a crash outside the oracles is a failure of this entry, reported whole
            kind, message = "error", traceback.format_exc()
        if entry.open_bug:
            kind, message = ("skipped", f"known open bug: {entry.open_bug}") if kind else \
                ("failure", f"passes now: remove {entries.XFAIL} from {entry.path}")
        results.append((entry, time.monotonic() - started, kind, message))
        if kind:
            print(f"{'KNOWN' if kind == 'skipped' else 'FAIL'} {entry.path}: {message.splitlines()[0]}")
    failed = sum(1 for r in results if r[2] in ("failure", "error"))
    known = sum(1 for r in results if r[2] == "skipped")
    print(f"{len(results)} entries checked, {failed} failed" + (f", {known} known open bugs" if known else ""))
    if args.junit:
        _write_junit(args.junit, results)
    return 1 if failed else 0


def _write_junit(path: Path, results) -> None:
    suite = ET.Element("testsuite", name="wasmfuzz check", tests=str(len(results)),
                       failures=str(sum(1 for r in results if r[2] == "failure")),
                       errors=str(sum(1 for r in results if r[2] == "error")),
                       skipped=str(sum(1 for r in results if r[2] == "skipped")))
    for entry, seconds, kind, message in results:
        case = ET.SubElement(suite, "testcase", classname=entry.target or "corpus", name=str(entry.path),
                             time=f"{seconds:.3f}")
        if kind:
            ET.SubElement(case, kind, message=message.splitlines()[0]).text = message
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
