"""Findings: a divergence saved with everything that replays it.

A finding is a directory ``<root>/<target>/<kind>/<id>/`` holding the fuzz
input (``input.bin``, when there is one), the module (``module.wasm``, and
``module.wat`` from ``wasm-tools print``), the test case (``case.json``:
configuration, checks, argument bytes), and the report (``report.txt``,
``finding.json`` with the divergence's fields and signature). It is written
to a temporary directory and renamed into place, so a campaign killed at
any moment leaves whole findings or none. A campaign keeps a few findings
of each kind (``KEEP_PER_KIND``) and counts the rest, except that a finding
of a known kind is still saved when it is a new *variant* of it (another
step kind or configuration, ``variant``), up to ``KEEP_VARIANTS``: a kind met
early and often (say, a trap at instantiation under fuel) must not hide a
later bug with the same signature somewhere else (issue 18).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

from wasmfuzz.oracles import Divergence
from wasmfuzz.runtime.binary.wat import wasm_tools

from .case import TestCase

KEEP_PER_KIND = 3
KEEP_VARIANTS = 20


def variant(d: dict) -> tuple[str, ...]:
    """What tells two findings of one signature apart beyond their values: where
    they diverged (instantiation or a call) and the two configurations, with
    numbers (call indexes, budgets, deadlines) left out."""
    where = "instantiation" if d["step"] == "instantiation" else "call"
    return where, *(re.sub(r"\d+", "N", d[k]) for k in ("reference", "candidate"))


def slug(signature: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", signature).strip("-")[:120] or "divergence"


def save(root: Path, target: str, case: TestCase, div: Divergence, data: bytes | None = None) -> Path | None:
    """Write one finding; None when this kind already has KEEP_PER_KIND of
    them and this one is no new ``variant``."""
    kind_dir = root / target / slug(div.signature)
    kind_dir.mkdir(parents=True, exist_ok=True)
    fid = hashlib.sha1(data if data is not None else case.wasm).hexdigest()[:16]
    final = kind_dir / fid
    kept = [p for p in kind_dir.iterdir() if not p.name.startswith(".")]
    if final.exists() or len(kept) >= KEEP_PER_KIND and (
            len(kept) >= KEEP_VARIANTS or variant(div.as_dict()) in {_variant_of(p) for p in kept}):
        return None
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=kind_dir))
    if data is not None:
        (tmp / "input.bin").write_bytes(data)
    write_case(tmp, case)
    (tmp / "report.txt").write_text(div.report() + f"\nsignature: {div.signature}\n")
    (tmp / "finding.json").write_text(json.dumps({"target": target, **div.as_dict()}, indent=2) + "\n")
    os.replace(tmp, final)
    return final


def _variant_of(directory: Path) -> tuple[str, ...] | None:
    meta = directory / "finding.json"
    return variant(json.loads(meta.read_text())) if meta.exists() else None


def save_crash(root: Path, target: str, data: bytes, kind: str, details: str,
               case: TestCase | None = None, replay: str = "") -> Path:
    """Keep an input that crashed, hung or exhausted memory: the input, the
    test case when the target could still make it, the campaign's
    ``details`` and, for a crash, ``replay``: what replaying it here showed."""
    directory = root / target / kind / hashlib.sha1(data).hexdigest()[:16]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "input.bin").write_bytes(data)
    (directory / "finding.json").write_text(json.dumps({"target": target, "signature": kind}, indent=2) + "\n")
    if case is not None:
        write_case(directory, case)
    (directory / "report.txt").write_text(f"{kind} in target {target}\n\n{details}{replay}\n")
    return directory


def write_case(directory: Path, case: TestCase) -> None:
    """``module.wasm``, ``module.wat`` (when wasm-tools can print it) and ``case.json``."""
    (directory / "module.wasm").write_bytes(case.wasm)
    printed = subprocess.run([wasm_tools(), "print", "-"], input=case.wasm, capture_output=True)
    if printed.returncode == 0:
        (directory / "module.wat").write_bytes(printed.stdout)
    (directory / "case.json").write_text(case.to_json() + "\n")


def load_case(directory: Path) -> TestCase:
    """The test case saved in a finding or corpus directory."""
    return TestCase.from_json((directory / "case.json").read_text(), (directory / "module.wasm").read_bytes())


def target_of(directory: Path) -> str | None:
    meta = directory / "finding.json"
    return json.loads(meta.read_text()).get("target") if meta.exists() else None


def count(root: Path, target: str = "*") -> int:
    """Findings saved under ``root`` for ``target`` (default: every target)."""
    return sum(1 for _ in root.glob(f"{target}/*/*/finding.json")) if root.exists() else 0
