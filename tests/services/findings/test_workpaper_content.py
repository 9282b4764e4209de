"""What a sign-off covers, gathered from the schema: every row a workpaper shows, and nothing else."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from fieldwork_tui.services.controls.catalog import add_control, find_control
from fieldwork_tui.services.findings.content import content_digests, content_states, controls_using_evidence
from fieldwork_tui.store.models import (
    Control,
    EvidenceControl,
    EvidenceFile,
    InquiryStatement,
    Interview,
    Person,
    Population,
    PopulationRow,
    ReperformanceDifference,
    ReviewNote,
    SampleItem,
)

from ..support import attach_file, fill_control


@pytest.fixture
def full(engagement):
    fill_control(engagement, "AC-01", "x")
    add_control(engagement, "OP-01", "Incident response")
    add_control(engagement, "CM-01", "Change approval")
    return engagement


def _digests(handle) -> dict[str, str]:
    with handle.read() as s:
        refs = dict(s.exec(select(Control.id, Control.ref)).all())
        return {refs[cid]: d for cid, d in content_digests(s).items()}


def _edit(handle, model, where, **values):
    with handle.session() as s:
        row = s.exec(select(model).where(where)).first()
        for k, v in values.items():
            setattr(row, k, v)
        s.add(row)


def test_every_kind_of_record_is_covered(full):
    with full.read() as s:
        state = content_states(s, find_control(s, "AC-01").id)[find_control(s, "AC-01").id]
    assert {"control", "person", "interview", "inquirystatement", "statementcontrol", "observation",
            "evidencefile", "evidencecontrol", "reperformance", "reperformancedifference", "population", "sample",
            "sampleitem", "controlexception", "managementresponse"} <= set(state)
    assert not {"reviewnote", "signoff", "journalentry", "evidencerequest", "requestcontrol"} & set(state)


@pytest.mark.parametrize(("model", "column", "value"), [
    (EvidenceFile, "as_of", dt.date(2025, 6, 30)),
    (EvidenceFile, "description", "a different description"),
    (EvidenceFile, "original_name", "renamed.pdf"),
    (InquiryStatement, "text", "said something else"),
    (Interview, "held_on", dt.date(2026, 5, 5)),
    (Person, "name", "someone else"),
    (ReperformanceDifference, "key", "other key"),
    (SampleItem, "note", "other note"),
    (Population, "expected_count", 0),
])
def test_a_change_the_workpaper_shows_changes_only_that_controls_digest(full, model, column, value):
    before = _digests(full)
    _edit(full, model, True, **{column: value})
    after = _digests(full)
    assert after["AC-01"] != before["AC-01"]
    assert (after["OP-01"], after["CM-01"]) == (before["OP-01"], before["CM-01"])


def test_review_notes_population_rows_and_bookkeeping_are_not_content(full):
    before = _digests(full)
    with full.session() as s:
        c = find_control(s, "AC-01")
        s.add(ReviewNote(target_id=c.id, author="sam", text="why?"))
        pop = s.exec(select(Population)).first()
        s.add(PopulationRow(population_id=pop.id, row_number=1, key="k"))
        c.updated_at = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
        s.add(c)
    assert _digests(full) == before


def test_a_file_shared_by_two_controls_changes_both(full):
    ef = attach_file(full, "OP-01", "shared.pdf", b"shared", as_of=dt.date(2026, 3, 31))
    with full.session() as s:
        s.add(EvidenceControl(evidence_id=ef.id, control_id=find_control(s, "CM-01").id))
    before = _digests(full)
    _edit(full, EvidenceFile, EvidenceFile.id == ef.id, as_of=dt.date(2025, 6, 30))
    after = _digests(full)
    assert after["OP-01"] != before["OP-01"] and after["CM-01"] != before["CM-01"]
    assert after["AC-01"] == before["AC-01"]
    with full.read() as s:
        ids = controls_using_evidence(s, ef.id)
        assert sorted(s.get(Control, i).ref for i in ids) == ["CM-01", "OP-01"]


def test_a_file_used_only_to_corroborate_a_statement_counts(full):
    with full.read() as s:
        st = s.exec(select(InquiryStatement)).first()
        linked = {e for e in s.exec(select(EvidenceControl.evidence_id))}
        assert st.evidence_id in linked  # fill_control links it; unlink to test the statement path alone
    with full.session() as s:
        s.delete(s.get(EvidenceControl, (st.evidence_id, find_control(s, "AC-01").id)))
    before = _digests(full)["AC-01"]
    _edit(full, EvidenceFile, EvidenceFile.id == st.evidence_id, description="changed")
    assert _digests(full)["AC-01"] != before


def test_one_control_alone_equals_its_part_of_the_whole(demo):
    with demo.read() as s:
        whole = content_states(s)
        assert len(whole) == len(s.exec(select(Control)).all())
        for cid, state in whole.items():
            assert content_states(s, cid) == {cid: state}
