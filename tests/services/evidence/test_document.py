"""Evidence dates belong to the document; attach uses paths exactly as given; the viewer gets a
read-only copy; the vault refuses a copy it has no room for (issue 12 part 2, issue 14 items 12, 13, 16)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fieldwork_tui.domain.vocab import Flag
from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.controls.status import control_rows
from fieldwork_tui.services.errors import FieldworkError, InvalidInput
from fieldwork_tui.services.evidence import files as evidence
from fieldwork_tui.services.findings.signoffs import control_signoffs, sign

ALL_FLAGS = [f.value for f in Flag]


@pytest.fixture
def eng(engagement):
    add_control(engagement, "AC-01", "Quarterly access review")
    add_control(engagement, "OP-01", "Incident response")
    return engagement


def _file(folder: Path, name: str, data: bytes = b"q1 review") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_bytes(data)
    return p


def _blobs(handle) -> list[Path]:
    return [p for p in handle.vault_path.rglob("*") if p.is_file() and not p.name.startswith(".")]


def _flags(handle, ref):
    return next(r.flags for r in control_rows(handle) if r.ref == ref)


# -- evidence dates belong to the document --------------------------------------------------------


def test_a_second_attach_with_another_as_of_is_refused_and_attaches_nothing(eng, tmp_path):
    src = _file(tmp_path, "same.pdf")
    [a] = evidence.attach(eng, "OP-01", [src], as_of="2026-03-31")
    other = _file(tmp_path / "b", "new.pdf", b"new content")
    with pytest.raises(evidence.MetadataConflictError) as info:
        evidence.attach(eng, "AC-01", [other, src], as_of="2025-06-30")
    exc = info.value
    assert exc.evidence_id == a.evidence.id and exc.fields == ("as_of",) and exc.used_by == ["OP-01"]
    assert str(exc) == ("same.pdf is already in the vault as evidence #1 (used by OP-01): as of 2026-03-31 is "
                        "stored, 2025-06-30 given")
    assert evidence.list_files(eng, "AC-01") == [] and len(_blobs(eng)) == 1  # the new blob went too
    assert evidence.get_file(eng, a.evidence.id).as_of == dt.date(2026, 3, 31)


def test_update_as_of_changes_the_record_for_every_control_and_stales_their_sign_offs(eng, tmp_path):
    src = _file(tmp_path, "same.pdf")
    evidence.attach(eng, "OP-01", [src], as_of="2026-03-31")
    sign(eng, "OP-01", "preparer", confirm_flags=ALL_FLAGS)
    [b] = evidence.attach(eng, "AC-01", [src], as_of="2025-06-30", update=["as_of"])
    assert b.updated == ("as_of",) and b.also_used_by == ("OP-01",)
    assert Flag.evidence_outside_period in _flags(eng, "OP-01")  # the issue's example now flags both
    assert Flag.evidence_outside_period in _flags(eng, "AC-01")
    assert control_signoffs(eng, "OP-01")[0].stale


def test_a_date_given_where_none_was_stored_fills_it_in(eng, tmp_path):
    src = _file(tmp_path, "same.pdf")
    evidence.attach(eng, "OP-01", [src])
    [b] = evidence.attach(eng, "AC-01", [src], as_of="2026-02-01", description="Q1")
    assert b.evidence.as_of == dt.date(2026, 2, 1) and b.evidence.description == "Q1" and b.updated == ()


def test_a_different_description_is_a_conflict_too(eng, tmp_path):
    src = _file(tmp_path, "same.pdf")
    evidence.attach(eng, "OP-01", [src], description="Q1 review")
    with pytest.raises(evidence.MetadataConflictError, match="description Q1 review is stored, Q2 review given"):
        evidence.attach(eng, "AC-01", [src], description="Q2 review")
    [b] = evidence.attach(eng, "AC-01", [src], description="Q2 review", update=["description"])
    assert b.evidence.description == "Q2 review"


def test_edit_evidence_stales_every_control_using_the_file(eng, tmp_path, become):
    src = _file(tmp_path, "same.pdf")
    [a] = evidence.attach(eng, "OP-01", [src], as_of="2026-03-31")
    evidence.attach(eng, "AC-01", [src])
    add_control(eng, "CM-01", "Change approval")
    for ref in ("OP-01", "AC-01", "CM-01"):
        sign(eng, ref, "preparer", confirm_flags=ALL_FLAGS)
    eng.actor = "sam"
    become("sam")
    sign(eng, "OP-01", "reviewer", confirm_flags=ALL_FLAGS)
    result = evidence.edit_evidence(eng, a.evidence.id, description="Q1 review, signed")
    assert result.changes == {"description": ("", "Q1 review, signed")}
    assert result.staled == ("AC-01 preparer", "OP-01 preparer", "OP-01 reviewer")
    assert result.evidence.used_by == ("AC-01", "OP-01")
    assert not control_signoffs(eng, "CM-01")[0].stale
    again = evidence.edit_evidence(eng, f"#{a.evidence.id}", description="Q1 review, signed")
    assert again.changes == {} and "nothing changed" in again.describe()


def test_edit_evidence_is_journaled(eng, tmp_path):
    from sqlmodel import select

    from fieldwork_tui.store.models import JournalEntry

    [a] = evidence.attach(eng, "OP-01", [_file(tmp_path, "x.pdf")], as_of="2026-03-31")
    evidence.edit_evidence(eng, a.evidence.sha256[:10], as_of="2026-04-30")
    with eng.read() as s:
        entry = s.exec(select(JournalEntry).where(JournalEntry.entity == "evidencefile",
                                                  JournalEntry.action == "update")).one()
    assert entry.details == {"as_of": {"from": "2026-03-31", "to": "2026-04-30"}} and entry.actor == "elena"


def test_edit_evidence_refuses_bad_input(eng, tmp_path):
    [a] = evidence.attach(eng, "OP-01", [_file(tmp_path, "x.pdf")])
    with pytest.raises(InvalidInput, match="^as of: "):
        evidence.edit_evidence(eng, a.evidence.id, as_of="2026-13-45")
    with pytest.raises(InvalidInput, match="give --as-of"):
        evidence.edit_evidence(eng, a.evidence.id)
    with pytest.raises(InvalidInput, match="^description: at most"):
        evidence.edit_evidence(eng, a.evidence.id, description="x" * 2001)


# -- issue 14 item 12: paths exactly as given -----------------------------------------------------


def test_attach_uses_the_path_exactly_as_given(eng, tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    _file(ws, "evidence.pdf", b"the real one")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidInput, match="evidence.pdf : file not found"):
        evidence.attach(eng, "AC-01", ["ws/evidence.pdf "])  # the trailing space is part of the name
    spaces = _file(tmp_path, "   ", b"named by spaces")
    [a] = evidence.attach(eng, "AC-01", ["   "])  # a file named by three spaces, not its folder
    assert a.evidence.original_name == "   " and a.evidence.size == len(b"named by spaces")
    assert spaces.exists()
    _file(tmp_path, "'q'", b"quoted name")
    [b] = evidence.attach(eng, "AC-01", ["'q'"])
    assert b.evidence.original_name == "'q'"
    with pytest.raises(InvalidInput, match="empty path"):
        evidence.attach(eng, "AC-01", [""])


def test_cli_attach_uses_the_path_exactly_as_given(eng, home, tmp_path, monkeypatch):
    from fieldwork_tui.cli import app

    _file(tmp_path / "ws", "evidence.pdf")
    _file(tmp_path, "'q'", b"quoted")
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(app, ["--home", str(home), "attach", "acme", "AC-01", "ws/evidence.pdf "])
    assert r.exit_code == 1 and "file not found" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = CliRunner().invoke(app, ["--home", str(home), "attach", "acme", "AC-01", "'q'"])
    assert r.exit_code == 0 and "'q'" in r.stdout


# -- issue 14 item 13: the viewer gets a read-only copy -------------------------------------------


def test_the_viewer_gets_a_read_only_copy_never_the_vault_blob(eng, tmp_path, monkeypatch):
    [a] = evidence.attach(eng, "AC-01", [_file(tmp_path, "chart.pdf", b"%PDF original")])
    blob = evidence.stored_path(eng, a.evidence.id)
    monkeypatch.setattr(evidence, "system_opener", lambda: ["xdg-open"])
    monkeypatch.setattr(evidence.subprocess, "Popen", lambda args, **kw: None)
    view = evidence.open_with_viewer(eng, a.evidence.id)
    assert view.name == "chart.pdf" and view.read_bytes() == b"%PDF original"
    assert os.stat(view).st_ino != os.stat(blob).st_ino and os.stat(blob).st_nlink == 1
    assert (os.stat(view).st_mode & 0o777) == 0o400
    os.chmod(view, 0o600)  # a viewer that saves in place
    view.write_bytes(b"edited by the viewer")
    assert blob.read_bytes() == b"%PDF original"
    again = evidence.open_with_viewer(eng, a.evidence.id)  # the next view shows the evidence, not the edit
    assert again.read_bytes() == b"%PDF original"
    assert not [p for p in again.parent.iterdir() if p.name.startswith(".tmp-")]


# -- issue 14 item 16: free space, sparse files at their apparent size ----------------------------


def test_attach_refuses_a_copy_the_disk_has_no_room_for(eng, tmp_path, monkeypatch):
    sparse = tmp_path / "sparse.img"
    with open(sparse, "wb") as f:
        f.truncate(64 * 1024 * 1024)  # 64 MiB apparent size, almost no blocks on disk
    assert os.stat(sparse).st_blocks * 512 < 1024 * 1024
    monkeypatch.setattr(evidence, "free_bytes", lambda path: 80 * 1024 * 1024)
    with pytest.raises(FieldworkError) as info:
        evidence.attach(eng, "AC-01", [sparse])
    msg = str(info.value)
    assert msg == ("sparse.img: not enough free space in the vault: the files need 64.0 MB (counted at their full size, sparse "
                   "files too) plus 64.0 MB kept free, and 80.0 MB is free; nothing was copied")
    assert _blobs(eng) == [] and evidence.list_files(eng, "AC-01") == []
    assert not list((eng.vault_path).rglob(".tmp-*"))


def test_free_space_is_checked_against_the_vaults_file_system(eng, tmp_path):
    assert evidence.free_bytes(eng.vault_path) > 0
    [a] = evidence.attach(eng, "AC-01", [_file(tmp_path, "small.pdf")])  # real disk: room enough
    assert a.evidence.size == len(b"q1 review")
