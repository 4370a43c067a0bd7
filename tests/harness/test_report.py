"""The stats file a campaign leaves, and ``wasmfuzz report`` reading it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from wasmfuzz.cli import main
from wasmfuzz.fuzz import campaign, report

SVG = "{http://www.w3.org/2000/svg}"


def test_campaign_appends_its_progress_as_json_lines(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(campaign, "_have_atheris", lambda: False)
    monkeypatch.delenv("WASMFUZZ_FINDINGS", raising=False)
    main(["fuzz", "memory", "--runs", "4", "--findings", str(tmp_path)])
    main(["fuzz", "memory", "--runs", "2", "--findings", str(tmp_path)])
    capsys.readouterr()
    rows = [json.loads(line) for line in (tmp_path / "memory" / "stats.jsonl").read_text().splitlines()]
    assert {"campaign", "time", "execs", "rate", "coverage", "corpus", "findings"} <= set(rows[0])
    campaigns = sorted({r["campaign"] for r in rows})
    assert len(campaigns) == 2  # two campaigns, told apart, in one file
    first = [r for r in rows if r["campaign"] == campaigns[0]]
    assert [r["execs"] for r in first] == sorted(r["execs"] for r in first) and first[-1]["execs"] == 4
    assert [r["time"] for r in first] == sorted(r["time"] for r in first)
    assert [r for r in rows if r["campaign"] == campaigns[1]][-1]["execs"] == 2


def _campaign_dir(root: Path) -> Path:
    folder = root / "differential"
    folder.mkdir(parents=True)
    old = [{"campaign": 100.0, "time": t, "execs": 999 * t, "rate": 0, "coverage": 1, "corpus": 1, "findings": 0}
           for t in (1, 2)]
    new = [{"campaign": 200.0, "time": t, "execs": e, "rate": 0, "coverage": c, "corpus": 5, "findings": 1}
           for t, e, c in ((1, 10, 50), (2, 40, 80), (4, 100, 90))]
    lines = [json.dumps(r) for r in old + new] + ['{"campaign": 200.0, "time": 5, "ex']  # cut short by a kill
    (folder / "stats.jsonl").write_text("\n".join(lines))
    for kind, n in (("trap-UNREACHABLE-vs-returned", 2), ("crash", 1)):
        for i in range(n):
            d = folder / kind / f"id{i}"
            d.mkdir(parents=True)
            (d / "finding.json").write_text("{}")
    return folder


def test_report_prints_findings_by_kind_and_draws_the_last_campaign(tmp_path, capsys):
    folder = _campaign_dir(tmp_path)
    assert main(["report", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "4 s, 100 execs (25.0/s), coverage 90, corpus 5" in out  # the later campaign, not the first
    assert "trap-UNREACHABLE-vs-returned      2" in out and "crash                             1" in out
    svg = ET.parse(folder / "report.svg").getroot()
    lines = svg.findall(f"{SVG}polyline")
    assert len(lines) == 2  # rate and coverage
    rate_points = lines[0].get("points").split()
    assert len(rate_points) == 2  # one rate per interval between samples
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "trap-UNREACHABLE-vs-returned" in texts and "crash" in texts


def test_rates_are_executions_per_second_between_samples():
    samples = [report.Sample(0, 0, 0, 0, 0), report.Sample(2, 60, 0, 0, 0), report.Sample(3, 160, 0, 0, 0)]
    assert report.rates(samples) == [(2, 30.0), (3, 100.0)]


def test_report_of_one_target_folder(tmp_path, capsys):
    folder = _campaign_dir(tmp_path)
    assert main(["report", str(folder)]) == 0
    assert capsys.readouterr().out.startswith("differential:")


def test_report_of_a_folder_without_campaigns_is_an_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    for bad in (tmp_path / "empty", tmp_path / "missing"):
        assert main(["report", str(bad)]) == 2
        err = capsys.readouterr().err
        assert "no campaign here" in err and len(err.strip().splitlines()) == 1
