"""Files received against a request land in the vault, on the request and (as inspection evidence)
on its controls, and the request moves to submitted."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from fieldwork_tui.domain.vocab import RequestStatus
from fieldwork_tui.services.errors import FieldworkError
from fieldwork_tui.services.requests import triage as rq
from fieldwork_tui.store.models import EvidenceControl, EvidenceFile

S = RequestStatus


def _open_request_with_controls(handle):
    rows = rq.request_page(handle, rq.RequestQuery(statuses=frozenset({S.open}), sort="ref"), 0, 100)
    return next(r for r in rows if len(r.controls.split()) >= 1)


def test_attach_received_files(demo, tmp_path):
    from fieldwork_tui.services.requests.files import attach_received_files

    r = _open_request_with_controls(demo)
    a = tmp_path / "access review Q3.pdf"
    a.write_bytes(b"%PDF-1.4 review" * 100)
    b = tmp_path / "listing.csv"
    b.write_text("user,role\nana,admin\n")
    seen = []
    n = attach_received_files(demo, r.id, [a, b], progress=lambda d, t: seen.append((d, t)))
    assert n == 2 and seen and seen[-1][0] == seen[-1][1]
    d = rq.request_detail(demo, r.id)
    assert d.status is S.submitted and d.received_on == dt.date(2026, 11, 20)
    assert sorted(f.name for f in d.files) == ["access review Q3.pdf", "listing.csv"]
    assert d.history[-1].to_status is S.submitted and "2 file(s) received" in d.history[-1].reason
    with demo.read() as s:
        files = s.exec(select(EvidenceFile).where(EvidenceFile.request_id == r.id)).all()
        links = {(e.evidence_id, e.control_id) for e in s.exec(select(EvidenceControl))}
        from fieldwork_tui.store.models import Control

        control_ids = [s.exec(select(Control.id).where(Control.ref == ref)).one() for ref in r.controls.split()]
    assert all((f.id, cid) in links for f in files for cid in control_ids)
    for f in files:
        assert (demo.vault_path).exists()
        assert any(p.is_file() for p in demo.vault_path.rglob(f"*{f.sha256[:16]}*")) or f.size


def test_attach_missing_file_changes_nothing(demo, tmp_path):
    from fieldwork_tui.services.requests.files import attach_received_files

    r = _open_request_with_controls(demo)
    with pytest.raises(FieldworkError):
        attach_received_files(demo, r.id, [tmp_path / "nope.pdf"])
    d = rq.request_detail(demo, r.id)
    assert d.status is S.open and d.files == []


def test_attach_refused_for_not_applicable(demo, tmp_path):
    from fieldwork_tui.services.requests.files import attach_received_files

    na = rq.request_page(demo, rq.RequestQuery(statuses=frozenset({S.not_applicable})), 0, 1)[0]
    f = tmp_path / "x.txt"
    f.write_text("x")
    with pytest.raises(FieldworkError, match="cannot go from not_applicable to submitted"):
        attach_received_files(demo, na.id, [f])
