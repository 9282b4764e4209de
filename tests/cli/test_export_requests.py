"""`fieldwork export-requests`: what the filters select (as the TUI exports what its view shows), or
every request with --all; bad filters are one line and write nothing (issue 15 item 9)."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from fieldwork_tui.cli import app
from fieldwork_tui.services.demo import DEMO_SLUG
from fieldwork_tui.services.requests import RequestQuery, count_requests, owner_counts

runner = CliRunner()


def _refs(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [row["Request ID"] for row in csv.DictReader(fh)]


def test_filters_select_what_is_exported_and_all_exports_everything(demo, tmp_path: Path):
    owner = max(owner_counts(demo), key=lambda o: o.overdue)
    expected = count_requests(demo, RequestQuery(overdue=True, owner_id=owner.id))
    total = count_requests(demo, RequestQuery())
    assert 0 < expected < total

    shown = tmp_path / "shown.csv"
    r = runner.invoke(app, ["export-requests", DEMO_SLUG, "-o", str(shown), "--overdue", "--owner", owner.name])
    assert r.exit_code == 0, r.output
    assert len(_refs(shown)) == expected

    everything = tmp_path / "all.csv"
    r = runner.invoke(app, ["export-requests", DEMO_SLUG, "-o", str(everything), "--all"])
    assert r.exit_code == 0, r.output
    assert len(_refs(everything)) == total


def test_status_and_text_filters(demo, tmp_path: Path):
    out = tmp_path / "submitted.csv"
    r = runner.invoke(app, ["export-requests", DEMO_SLUG, "-o", str(out), "--status", "submitted"])
    assert r.exit_code == 0, r.output
    from fieldwork_tui.domain.vocab import RequestStatus

    assert len(_refs(out)) == count_requests(demo, RequestQuery(statuses=frozenset({RequestStatus.submitted})))


def test_unknown_owner_or_all_with_filters_is_one_line_and_writes_nothing(demo, tmp_path: Path):
    out = tmp_path / "x.csv"
    r = runner.invoke(app, ["export-requests", DEMO_SLUG, "-o", str(out), "--owner", "Nobody Here"])
    assert r.exit_code != 0 and "Nobody Here" in r.output and len(r.output.strip().splitlines()) == 1
    r = runner.invoke(app, ["export-requests", DEMO_SLUG, "-o", str(out), "--all", "--overdue"])
    assert r.exit_code != 0 and "--all" in r.output
    r = runner.invoke(app, ["export-requests", DEMO_SLUG, "-o", str(out), "--status", "lost"])
    assert r.exit_code != 0 and "status" in r.output
    assert not out.exists()
