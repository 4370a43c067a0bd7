"""Corpus entries and findings, read back and replayed.

Two kinds of entry, both replayable by ``repro``, ``check`` and pytest:

- a fuzz input (a file of bytes, as libFuzzer writes corpora), replayed
  through a target's generator; its target is named by the directory it
  sits in (``corpus/<target>/...``, ``findings/corpus/<target>/...``) or
  given explicitly;
- a finding directory (``case.json`` + ``module.wasm``, as ``findings``
  writes them and as ``corpus/regressions/`` keeps them), replayed as a
  test case, with no generator involved.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wasmfuzz.oracles import Verdict

from . import findings, targets
from .case import TestCase

DESCRIPTION = "description.txt"  # the one-line summary of a regression
XFAIL = "xfail.txt"  # present while the runtime bug a regression shows is still open: why


class EntryError(Exception):
    """The path is not something that can be replayed (message says why)."""


@dataclass
class Entry:
    path: Path
    target: str | None
    case: TestCase | None = None  # finding directories
    data: bytes | None = None  # fuzz inputs

    @property
    def description(self) -> str:
        return self._note(DESCRIPTION)

    @property
    def open_bug(self) -> str:
        """Why this regression is expected to fail still ("" once it is fixed)."""
        return self._note(XFAIL)

    def _note(self, name: str) -> str:
        f = self.path / name if self.path.is_dir() else None
        return f.read_text().strip() if f is not None and f.exists() else ""

    def replay(self) -> Verdict | None:
        """Run the entry's checks; raise Divergence; None if the input makes no module."""
        if self.case is not None:
            return self.case.check()
        case = targets.make_case(self.target, self.data)
        return case.check() if case is not None else None


def load(path: Path, target: str | None = None) -> Entry:
    if not path.exists():
        raise EntryError(f"{path}: no such file or directory")
    if path.is_dir():
        if (path / "case.json").exists() and (path / "module.wasm").exists():
            try:
                return Entry(path, target or findings.target_of(path), case=findings.load_case(path))
            except (ValueError, KeyError, TypeError) as e:
                raise EntryError(f"{path}: unreadable case.json ({e})") from None
        if (path / "input.bin").exists():
            return load(path / "input.bin", target or findings.target_of(path))
        raise EntryError(f"{path}: neither a finding (case.json, module.wasm) nor an input (input.bin)")
    target = target or _target_from_path(path)
    if target is None:
        raise EntryError(f"{path}: cannot tell which target this input is for (use --target)")
    if target not in targets.NAMES:
        raise EntryError(f"{path}: unknown target {target!r} (targets: {', '.join(targets.NAMES)})")
    return Entry(path, target, data=path.read_bytes())


def walk(root: Path) -> list[Entry]:
    """Every entry under ``root``: finding directories and fuzz inputs, in path order."""
    if not root.is_dir():
        raise EntryError(f"{root}: not a directory")
    out = []
    for path in sorted(root.rglob("*")):
        if path.is_dir() and (path / "case.json").exists():
            out.append(load(path))
        elif path.is_file() and not path.name.startswith(".") and not _inside_finding(path, root) \
                and _target_from_path(path) is not None:
            out.append(load(path))
    return out


def _inside_finding(path: Path, root: Path) -> bool:
    return any((p / "case.json").exists() or (p / "finding.json").exists()
               for p in path.parents if p != root and root in p.parents)


def _target_from_path(path: Path) -> str | None:
    return next((p.name for p in path.parents if p.name in targets.NAMES), None)
