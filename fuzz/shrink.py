"""``wasmfuzz shrink PATH``: minimise a finding's module with ``wasm-tools shrink``.

The predicate ``wasm-tools shrink`` calls on each candidate is this module
run as a script: it replays the finding's test case with the candidate as
its module and answers "interesting" (exit 0) only when the same kind of
divergence comes out (same pair, same aspect, same kind: the
``Divergence.signature``), so the shrinking never drifts to a different
bug. The smallest module is saved as a new finding in ``PATH/shrunk/``.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from wasmfuzz.oracles import Divergence
from wasmfuzz.runtime.binary.wat import wasm_tools

from . import entries, findings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="a finding directory (with case.json and module.wasm)")
    parser.add_argument("--attempts", type=int, default=300, help="candidates to try (default 300)")
    parser.add_argument("--seed", type=int, default=42, help="wasm-tools shrink's random seed")


def run(args: argparse.Namespace) -> int:
    try:
        entry = entries.load(args.path)
    except entries.EntryError as e:
        print(f"wasmfuzz shrink: {e}", file=sys.stderr)
        return 2
    if entry.case is None:
        print(f"wasmfuzz shrink: {args.path} has no saved module; replay it with wasmfuzz repro first",
              file=sys.stderr)
        return 2
    signature = divergence_of(entry.case.wasm, args.path)
    if signature is None:
        print(f"wasmfuzz shrink: {args.path} does not diverge any more; nothing to shrink", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="wasmfuzz-shrink-") as tmp:
        predicate = Path(tmp) / "predicate"
        predicate.write_text("#!/bin/sh\nexec " + shlex.join(
            [sys.executable, "-m", "wasmfuzz.fuzz.shrink", str(args.path.resolve()), signature]) + ' "$1"\n')
        predicate.chmod(0o755)
        out = Path(tmp) / "shrunk.wasm"
        proc = subprocess.run([wasm_tools(), "shrink", str(predicate), str(args.path / "module.wasm"),
                               "-o", str(out), "--attempts", str(args.attempts), "--seed", str(args.seed)],
                              capture_output=True, text=True)
        if proc.returncode != 0 or not out.exists():
            message = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "no output"
            print(f"wasmfuzz shrink: wasm-tools shrink failed: {message}", file=sys.stderr)
            return 1
        small = entry.case.with_wasm(out.read_bytes())
    dest = args.path / "shrunk"
    dest.mkdir(exist_ok=True)
    findings.write_case(dest, small)
    try:
        small.check()
    except Divergence as d:
        (dest / "report.txt").write_text(d.report() + f"\nsignature: {d.signature}\n")
    print(f"{len(entry.case.wasm)} -> {len(small.wasm)} bytes, same divergence: {signature}\nsaved in {dest}")
    return 0


def divergence_of(wasm: bytes, finding: Path) -> str | None:
    """The signature of the divergence the finding's case shows with module ``wasm``."""
    case = findings.load_case(finding).with_wasm(wasm)
    try:
        case.check()
    except Divergence as d:
        return d.signature
    return None


def _predicate(finding: str, signature: str, candidate: str) -> int:
    """Exit status for wasm-tools shrink: 0 when ``candidate`` keeps the divergence."""
    return 0 if divergence_of(Path(candidate).read_bytes(), Path(finding)) == signature else 1


if __name__ == "__main__":
    raise SystemExit(_predicate(*sys.argv[1:4]))
