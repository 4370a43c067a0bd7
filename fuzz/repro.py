"""``wasmfuzz repro PATH``: replay one finding or fuzz input and say what happens.

PATH is a finding directory (replayed from its saved test case) or a file
of fuzz input (replayed through its target; ``--target`` names it when the
path does not). Prints the divergence report and exits 1 when the
divergence reproduces, 0 when every check agrees. A crash of the harness
or the runtime outside the oracles prints its traceback and exits 1 too.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from wasmfuzz.oracles import Divergence

from . import entries, targets


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="a finding directory, or a file of fuzz input")
    parser.add_argument("--target", choices=targets.NAMES, help="the target of a fuzz input")


def run(args: argparse.Namespace) -> int:
    try:
        entry = entries.load(args.path, args.target)
    except entries.EntryError as e:
        print(f"wasmfuzz repro: {e}", file=sys.stderr)
        return 2
    if entry.description:
        print(entry.description)
    try:
        verdict = entry.replay()
    except Divergence as d:
        print(d.report() + f"signature: {d.signature}")
        return 1
    except Exception:  # the finding may be exactly this crash: show it whole
        traceback.print_exc()
        return 1
    if verdict is None:
        print("the input makes no module (wasm-tools smith declined it)")
        return 0
    print(f"no divergence: compared {', '.join(verdict.compared) or 'nothing'}"
          + (f"; skipped {', '.join(verdict.skipped)} (not supported yet)" if verdict.skipped else "")
          + "".join(f"; {pair} poisoned at {why}" for pair, why in verdict.poisoned.items()))
    return 0
