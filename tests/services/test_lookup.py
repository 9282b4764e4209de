"""One lookup rule per entity, used by every service that looks one up (issue 18): what one command
finds, every command finds. Each of these once differed between modules."""

from __future__ import annotations

import pytest

from fieldwork_tui.services.controls import list_controls
from fieldwork_tui.services.controls.catalog import find_control, import_controls
from fieldwork_tui.services.errors import NotFound
from fieldwork_tui.services.evidence import attach, create_interview
from fieldwork_tui.services.findings import list_exceptions
from fieldwork_tui.services.requests import request_detail

from ..reliability.helpers import db_rows


def _file(tmp_path, name="evidence.txt"):
    p = tmp_path / name
    p.write_bytes(b"evidence")
    return p


def test_attach_finds_the_request_the_triage_table_finds(demo, tmp_path):
    """attach --request once matched the ref exactly, the request screens case-insensitively."""
    assert request_detail(demo, "pbc-001").ref == "PBC-001"
    (a,) = attach(demo, "CE-01", [_file(tmp_path)], request="pbc-001")
    assert a.evidence.request_id == request_detail(demo, "PBC-001").id


def test_attach_finds_the_person_by_name_in_any_case_or_by_e_mail(demo, tmp_path):
    """attach --received-from once matched the exact name only."""
    (a,) = attach(demo, "CE-01", [_file(tmp_path, "a.txt")], received_from="priya  RAMAN")
    (b,) = attach(demo, "CE-01", [_file(tmp_path, "b.txt")], received_from="PRIYA.RAMAN@lumenledger.example")
    (priya,) = db_rows(demo.db_path, "SELECT id FROM person WHERE name = 'Priya Raman'")
    assert a.evidence.received_from_id == b.evidence.received_from_id == priya[0]
    with pytest.raises(NotFound, match="no person named"):
        attach(demo, "CE-01", [_file(tmp_path, "c.txt")], received_from="Nobody Known")


def test_an_interview_with_a_known_e_mail_is_that_person(demo):
    """Interviews once matched by lower-cased name only, so an e-mail created a second person."""
    before = db_rows(demo.db_path, "SELECT count(*) FROM person")
    iv = create_interview(demo, "hannah.k@lumenledger.example", held_on="2026-03-02")
    assert db_rows(demo.db_path, "SELECT count(*) FROM person") == before
    assert db_rows(demo.db_path, f"SELECT p.name FROM interview i JOIN person p ON p.id = i.person_id "
                                 f"WHERE i.id = {iv.id}") == [("Hannah Köhler",)]


def test_the_control_matrix_import_finds_owners_like_the_request_import(engagement, tmp_path):
    """The matrix import once kept 'Dana  Ruiz' and 'dana ruiz' apart and ignored e-mails."""
    p = tmp_path / "matrix.csv"
    p.write_text("Control ID,Title,Owner\nAC-01,Access review,Dana Ruiz\nAC-02,Offboarding,dana  RUIZ\n"
                 "AC-03,Joiners,Dana Ruiz\n", encoding="utf-8")
    import_controls(engagement, p)
    assert db_rows(engagement.db_path, "SELECT count(*) FROM person") == [(1,)]


def test_refs_match_in_every_lookup_whatever_the_case_or_width(demo):
    with demo.read() as s:
        assert find_control(s, "ＣＥ-０１").ref == "CE-01"
    ref = sorted({e.control for e in list_exceptions(demo)})[0]
    found = list_exceptions(demo, control=f" {ref.lower()} ")
    assert found and {e.control for e in found} == {ref}


def test_one_control_text_filter_searches_the_owner_too(demo):
    """`list_controls` once searched ref/title/description/criteria, the controls table the owner too."""
    owned = {c.ref for c in list_controls(demo, "Köhler")}
    assert {"CE-01", "CE-03"} <= owned
