"""Inspection evidence: attach files and folders into the vault, all-or-nothing, flags, CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from fieldwork_tui.domain.vocab import Flag
from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.controls.workpaper import control_records
from fieldwork_tui.services.errors import FieldworkError, InvalidInput, NotFound
from fieldwork_tui.services.evidence import files as evidence
from fieldwork_tui.services.evidence import observations
from fieldwork_tui.store.models import EvidenceControl, EvidenceFile


@pytest.fixture
def eng(engagement):
    add_control(engagement, "CE-03", "Organizational chart maintained", criteria=["CC1.3"])
    add_control(engagement, "AC-01", "Quarterly user access review", criteria=["CC6.1"])
    return engagement


def _file(tmp_path: Path, name: str, data: bytes = b"hello") -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


def _blobs(handle) -> list[Path]:
    return [p for p in handle.vault_path.rglob("*") if p.is_file()]


def test_attach_records_everything(eng, tmp_path: Path) -> None:
    src = _file(tmp_path, "org-chart.pdf", b"%PDF-1.4 chart")
    [a] = evidence.attach(eng, "ce-03", [src], as_of="2026-06-30", description="June chart")
    ev = a.evidence
    assert (ev.original_name, ev.original_path, ev.size) == ("org-chart.pdf", str(src.resolve()), 14)
    assert ev.media_type == "application/pdf" and ev.as_of.isoformat() == "2026-06-30"
    assert ev.added_by == "elena" and ev.description == "June chart"
    assert evidence.vault(eng).path_for(ev.sha256).read_bytes() == b"%PDF-1.4 chart"
    rec = control_records(eng, "CE-03")
    assert [f.id for f in rec.files] == [ev.id]
    assert rec.evidence_types == ["inspection"]


def test_original_may_vanish_after_attach(eng, tmp_path: Path) -> None:
    src = _file(tmp_path, "a.txt")
    [a] = evidence.attach(eng, "CE-03", [src])
    src.unlink()
    assert evidence.stored_path(eng, a.evidence.id).read_bytes() == b"hello"


def test_same_content_twice_is_stored_and_recorded_once(eng, tmp_path: Path) -> None:
    a = evidence.attach(eng, "CE-03", [_file(tmp_path, "a.txt")])[0]
    b = evidence.attach(eng, "AC-01", [_file(tmp_path, "copy-of-a.txt")])[0]
    again = evidence.attach(eng, "CE-03", [_file(tmp_path, "a.txt")])[0]
    assert a.evidence.id == b.evidence.id == again.evidence.id
    assert b.already_in_vault and again.already_linked
    assert len(_blobs(eng)) == 1
    with eng.read() as s:
        assert len(s.exec(select(EvidenceFile)).all()) == 1
        assert len(s.exec(select(EvidenceControl)).all()) == 2


def test_folder_attaches_its_files(eng, tmp_path: Path) -> None:
    folder = tmp_path / "upload"
    _file(folder, "b.csv", b"b")
    _file(folder / "sub", "c.txt", b"c")
    _file(folder, ".DS_Store", b"junk")
    names = [a.evidence.original_name for a in evidence.attach(eng, "CE-03", [folder])]
    assert names == ["b.csv", "c.txt"]


def test_bad_file_in_a_batch_records_nothing(eng, tmp_path: Path) -> None:
    good = _file(tmp_path, "good.txt", b"good")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InvalidInput, match="FIFO"):
        evidence.attach(eng, "CE-03", [good, fifo])
    with pytest.raises(InvalidInput, match="not found"):
        evidence.attach(eng, "CE-03", [good, tmp_path / "vanished.pdf"])
    with pytest.raises(InvalidInput, match="device"):
        evidence.attach(eng, "CE-03", [good, "/dev/null"])
    assert _blobs(eng) == []
    assert evidence.list_files(eng) == []


def test_failure_after_copy_removes_new_blobs(eng, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*a, **k):
        raise FieldworkError("simulated failure while recording")

    monkeypatch.setattr(evidence, "record_file", boom)
    with pytest.raises(FieldworkError):
        evidence.attach(eng, "CE-03", [_file(tmp_path, "x.txt", b"x")])
    assert _blobs(eng) == []


def test_wrong_control_request_or_date_fail_before_copying(eng, tmp_path: Path) -> None:
    src = _file(tmp_path, "a.txt")
    with pytest.raises(NotFound, match="control 'ZZ-9'"):
        evidence.attach(eng, "ZZ-9", [src])
    with pytest.raises(NotFound, match="request 'R-404'"):
        evidence.attach(eng, "CE-03", [src], request="R-404")
    with pytest.raises(InvalidInput, match="as of"):
        evidence.attach(eng, "CE-03", [src], as_of="next tuesday")
    assert _blobs(eng) == []


def test_progress_covers_all_files(eng, tmp_path: Path) -> None:
    files = [_file(tmp_path, f"{i}.bin", os.urandom(1000 * (i + 1))) for i in range(3)]
    seen = []
    evidence.attach(eng, "CE-03", files, progress=lambda d, t, n: seen.append((d, t, n)))
    assert seen[-1][0] == seen[-1][1] == 6000


def test_single_evidence_flag_clears_with_a_second_technique(eng, tmp_path: Path) -> None:
    evidence.attach(eng, "CE-03", [_file(tmp_path, "chart.pdf")], as_of="2026-06-30")
    assert Flag.single_evidence_type in control_records(eng, "CE-03").flags
    observations.add_observation(eng, "CE-03", observed_at="2026-07-01 10:00", description="Chart on the intranet")
    flags = control_records(eng, "CE-03").flags
    assert Flag.single_evidence_type not in flags and Flag.no_evidence not in flags


def test_evidence_outside_period(eng, tmp_path: Path) -> None:
    [a] = evidence.attach(eng, "CE-03", [_file(tmp_path, "old.pdf")], as_of="2025-06-15")
    assert Flag.evidence_outside_period in control_records(eng, "CE-03").flags
    evidence.edit_evidence(eng, a.evidence.id, as_of="2026-02-01")
    assert Flag.evidence_outside_period not in control_records(eng, "CE-03").flags


def test_unlink_keeps_the_vault_copy(eng, tmp_path: Path) -> None:
    [a] = evidence.attach(eng, "CE-03", [_file(tmp_path, "a.txt")])
    evidence.unlink(eng, "CE-03", a.evidence.id)
    assert control_records(eng, "CE-03").files == [] and len(_blobs(eng)) == 1
    with pytest.raises(NotFound):
        evidence.unlink(eng, "CE-03", a.evidence.id)


def test_open_with_viewer_uses_a_named_read_only_view(eng, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [a] = evidence.attach(eng, "CE-03", [_file(tmp_path, "chart.pdf", b"%PDF")])
    calls = []
    monkeypatch.setattr(evidence, "system_opener", lambda: ["xdg-open"])
    monkeypatch.setattr(evidence.subprocess, "Popen", lambda args, **kw: calls.append(args))
    path = evidence.open_with_viewer(eng, a.evidence.id)
    assert path.name == "chart.pdf" and path.read_bytes() == b"%PDF"
    assert calls == [["xdg-open", str(path)]]
    monkeypatch.setattr(evidence, "system_opener", lambda: None)
    with pytest.raises(FieldworkError, match="no system viewer"):
        evidence.open_with_viewer(eng, a.evidence.id)


# -- CLI ---------------------------------------------------------------------------------------------
def _cli(home: Path, *args: str):
    from fieldwork_tui.cli import app

    return CliRunner().invoke(app, ["--home", str(home), *args])


def test_cli_attach(eng, home: Path, tmp_path: Path) -> None:
    src = _file(tmp_path, "chart.pdf", b"chart")
    r = _cli(home, "attach", "acme", "CE-03", str(src), "--as-of", "2026-05-01", "--description", "chart", "--json")
    assert r.exit_code == 0, r.output
    [row] = json.loads(r.stdout)
    assert row["name"] == "chart.pdf" and row["as_of"] == "2026-05-01" and len(row["sha256"]) == 64
    r = _cli(home, "attach", "acme", "CE-03", str(src))
    assert r.exit_code == 0 and "already attached" in r.stdout


def test_cli_attach_errors_are_one_line(eng, home: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for args, message in ((["CE-03", str(fifo)], "FIFO"), (["CE-03", str(tmp_path / "nope.pdf")], "not found"),
                          (["XX-1", str(fifo)], "control 'XX-1' not found")):
        r = _cli(home, "attach", "acme", *args)
        assert r.exit_code == 1
        assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1
