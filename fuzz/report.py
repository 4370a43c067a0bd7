"""``wasmfuzz report DIR``: a campaign at a glance.

Reads what campaigns leave in a findings directory (``DIR`` is the root
given to ``wasmfuzz fuzz --findings``, or one target's folder in it): the
stats file every campaign appends to (``TARGET/stats.jsonl``, see
``campaign``) and the findings saved per kind (``TARGET/KIND/ID/``). For
each target it prints the last campaign's figures and a table of findings
by kind, and writes ``TARGET/report.svg``: execution rate and coverage over
time, with the same table beside them. The SVG is written by hand, so the
report needs nothing installed and opens in any browser.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from html import escape
from pathlib import Path

from .campaign import STATS_FILE


@dataclass(frozen=True)
class Sample:
    time: float
    execs: int
    coverage: int
    corpus: int
    findings: int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, metavar="DIR",
                        help="a findings directory (wasmfuzz fuzz --findings), or one target's folder in it")


def run(args: argparse.Namespace) -> int:
    folders = target_folders(args.dir)
    if folders is None:
        print(f"wasmfuzz report: {args.dir}: no campaign here (no {STATS_FILE} and no findings)", file=sys.stderr)
        return 2
    for folder in folders:
        samples = last_campaign(folder / STATS_FILE)
        kinds = findings_by_kind(folder)
        print(summary(folder.name, samples, kinds))
        svg = folder / "report.svg"
        svg.write_text(draw(folder.name, samples, kinds))
        print(f"  chart: {svg}\n")
    return 0


def target_folders(root: Path) -> list[Path] | None:
    """The target folders under ``root`` (or ``root`` itself) that hold a
    campaign's stats or findings; None if there are none."""
    if not root.is_dir():
        return None
    candidates = [root] if _is_target_folder(root) else sorted(p for p in root.iterdir() if _is_target_folder(p))
    return candidates or None


def _is_target_folder(p: Path) -> bool:
    return p.is_dir() and ((p / STATS_FILE).is_file() or any(p.glob("*/*/finding.json")))


def last_campaign(path: Path) -> list[Sample]:
    """The samples of the latest campaign in a stats file; a line cut short
    by a campaign that died is skipped."""
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            row = json.loads(line)
            rows.append((row["campaign"], Sample(float(row["time"]), int(row["execs"]), int(row["coverage"]),
                                                 int(row["corpus"]), int(row["findings"]))))
        except (ValueError, KeyError, TypeError):
            continue
    if not rows:
        return []
    latest = max(campaign for campaign, _ in rows)
    return [s for campaign, s in rows if campaign == latest]


def findings_by_kind(folder: Path) -> dict[str, int]:
    """Findings saved per kind (the folder names ``findings.save`` gives them)."""
    out: dict[str, int] = {}
    for meta in sorted(folder.glob("*/*/finding.json")):
        kind = meta.parent.parent.name
        out[kind] = out.get(kind, 0) + 1
    return out


def rates(samples: list[Sample]) -> list[tuple[float, float]]:
    """(time, executions a second since the previous sample)."""
    out = []
    for a, b in zip(samples, samples[1:]):
        if b.time > a.time:
            out.append((b.time, (b.execs - a.execs) / (b.time - a.time)))
    return out


def summary(target: str, samples: list[Sample], kinds: dict[str, int]) -> str:
    lines = [f"{target}:"]
    if samples:
        last = samples[-1]
        mean = last.execs / last.time if last.time > 0 else 0.0
        lines.append(f"  last campaign: {last.time:.0f} s, {last.execs} execs ({mean:.1f}/s), "
                     f"coverage {last.coverage}, corpus {last.corpus}, {last.findings} new finding(s)")
    else:
        lines.append(f"  no {STATS_FILE}: no campaign figures")
    if kinds:
        width = max(len(k) for k in kinds)
        lines.append(f"  {'findings by kind':{width}}  count")
        lines += [f"  {kind:{width}}  {n:5}" for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))]
    else:
        lines.append("  no findings")
    return "\n".join(lines)


# ----- the SVG -----

W, H, PAD = 460, 220, 46


def draw(target: str, samples: list[Sample], kinds: dict[str, int]) -> str:
    table_rows = sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))
    height = max(2 * H + 60, 90 + 18 * len(table_rows))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W + 520}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<text x="10" y="20" font-size="15">wasmfuzz campaign: {escape(target)}</text>',
             _chart("executions / s", rates(samples), 0, 36, "#1f77b4"),
             _chart("coverage", [(s.time, s.coverage) for s in samples], 0, 56 + H, "#d62728"),
             f'<text x="{W + 30}" y="50" font-size="13">findings by kind</text>']
    if not table_rows:
        parts.append(f'<text x="{W + 30}" y="72">none</text>')
    for i, (kind, n) in enumerate(table_rows):
        y = 72 + 18 * i
        parts.append(f'<text x="{W + 30}" y="{y}" text-anchor="start">{n}</text>'
                     f'<text x="{W + 70}" y="{y}">{escape(kind)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _chart(title: str, points: list[tuple[float, float]], x0: int, y0: int, colour: str) -> str:
    """One line chart with its axes, in a W x H box at (x0, y0)."""
    left, top, right, bottom = x0 + PAD, y0 + 20, x0 + W - 10, y0 + H - 24
    out = [f'<text x="{left}" y="{y0 + 12}" font-size="13">{escape(title)}</text>',
           f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="black"/>']
    if not points:
        out.append(f'<text x="{left + 10}" y="{(top + bottom) // 2}">no data</text>')
        return "\n".join(out)
    t_max = max(t for t, _ in points) or 1.0
    v_max = max(v for _, v in points) or 1.0
    xy = " ".join(f"{left + (right - left) * t / t_max:.1f},{bottom - (bottom - top) * v / v_max:.1f}"
                  for t, v in points)
    out += [f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{xy}"/>',
            f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{v_max:.0f}</text>',
            f'<text x="{left - 4}" y="{bottom}" text-anchor="end">0</text>',
            f'<text x="{right}" y="{bottom + 16}" text-anchor="end">{t_max:.0f} s</text>']
    return "\n".join(out)
