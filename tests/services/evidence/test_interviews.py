"""Interviews, statements saved as typed, control links, corroboration."""

from __future__ import annotations

import pytest

from fieldwork_tui.domain.vocab import Flag
from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.controls.workpaper import control_records
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.evidence import files as evidence
from fieldwork_tui.services.evidence import interviews


@pytest.fixture
def eng(engagement):
    add_control(engagement, "AC-01", "Quarterly user access review", criteria=["CC6.1"])
    add_control(engagement, "AC-03", "Terminated users removed", criteria=["CC6.2"])
    return engagement


def test_interview_with_new_person_and_statements(eng) -> None:
    iv = interviews.create_interview(eng, "Diego Alvarez", role="it administration", held_on="2026-10-14",
                                     topic="Access")
    st = interviews.add_statement(eng, iv.id, "We review access quarterly.", "ac-01 AC-03, ac-01")
    detail = interviews.interview_detail(eng, iv.id)
    assert detail.person.name == "Diego Alvarez" and detail.person.role == "it administration"
    assert [(s.text, s.controls) for s in detail.statements] == [("We review access quarterly.", ["AC-01", "AC-03"])]
    assert detail.interview.interviewer == "elena"
    [summary] = interviews.list_interviews(eng)
    assert (summary.person, summary.statements, summary.held_on) == ("Diego Alvarez", 1, "2026-10-14")
    # the same person again is found, not duplicated
    interviews.create_interview(eng, "diego alvarez")
    assert len([p for p in interviews.interviewees(eng) if p.name == "Diego Alvarez"]) == 1
    assert st.position == 1


def test_inquiry_only_flag_from_a_statement(eng) -> None:
    iv = interviews.create_interview(eng, "Hannah")
    interviews.add_statement(eng, iv.id, "IT removes access the same day.", ["AC-03"])
    flags = control_records(eng, "AC-03").flags
    assert {Flag.inquiry_only, Flag.single_evidence_type, Flag.uncorroborated_inquiry} <= set(flags)


def test_save_as_typed_is_idempotent_and_journaled(eng) -> None:
    iv = interviews.create_interview(eng, "Marcus")
    st = interviews.add_statement(eng, iv.id, "")
    for text in ("No one", "No one merges", "No one merges without review"):
        assert interviews.save_statement_text(eng, st.id, text)
    assert not interviews.save_statement_text(eng, st.id, "No one merges without review")
    assert interviews.interview_detail(eng, iv.id).statements[0].text == "No one merges without review"
    from sqlmodel import select

    from fieldwork_tui.store.models import JournalEntry

    with eng.read() as s:
        updates = s.exec(select(JournalEntry).where(JournalEntry.entity == "inquirystatement",
                                                    JournalEntry.action == "update")).all()
    assert len(updates) == 3  # one per change; the unchanged save wrote nothing


def test_empty_statements_are_not_counted(eng) -> None:
    iv = interviews.create_interview(eng, "Marcus")
    interviews.add_statement(eng, iv.id, "")
    assert interviews.list_interviews(eng)[0].statements == 0


def test_links_can_change_and_unknown_refs_are_refused(eng) -> None:
    iv = interviews.create_interview(eng, "Priya")
    st = interviews.add_statement(eng, iv.id, "x", "AC-01")
    assert interviews.set_statement_controls(eng, st.id, "AC-03") == ["AC-03"]
    with pytest.raises(NotFound, match="ZZ-1"):
        interviews.set_statement_controls(eng, st.id, "AC-01 ZZ-1")
    assert interviews.interview_detail(eng, iv.id).statements[0].controls == ["AC-03"]
    interviews.delete_statement(eng, st.id)
    assert interviews.interview_detail(eng, iv.id).statements == []


def test_corroboration_states(eng, tmp_path) -> None:
    src = tmp_path / "review.pdf"
    src.write_bytes(b"signed review")
    ev = evidence.attach(eng, "AC-01", [src])[0].evidence
    iv = interviews.create_interview(eng, "Diego")
    st = interviews.add_statement(eng, iv.id, "Every quarter.", "AC-01")
    assert Flag.uncorroborated_inquiry in control_records(eng, "AC-01").flags
    with pytest.raises(InvalidInput, match="choose the evidence"):
        interviews.set_corroboration(eng, st.id, "corroborated")
    interviews.set_corroboration(eng, st.id, "corroborated", ev.id)
    flags = control_records(eng, "AC-01").flags
    assert Flag.uncorroborated_inquiry not in flags and Flag.contradicted_inquiry not in flags
    with pytest.raises(InvalidInput, match="add a note"):
        interviews.set_corroboration(eng, st.id, "contradicted", ev.id)
    interviews.set_corroboration(eng, st.id, "contradicted", ev.id, "Review was signed a month late")
    assert Flag.contradicted_inquiry in control_records(eng, "AC-01").flags
    row = interviews.interview_detail(eng, iv.id).statements[0]
    assert (row.corroboration, row.evidence_name, row.note) == ("contradicted", "review.pdf",
                                                                "Review was signed a month late")
    interviews.set_corroboration(eng, st.id, "uncorroborated", ev.id, "ignored")
    row = interviews.interview_detail(eng, iv.id).statements[0]
    assert (row.evidence_id, row.note) == (None, "")
    assert interviews.statement_evidence_choices(eng, st.id)[0][0] == ev.id


def test_bad_interview_input(eng) -> None:
    with pytest.raises(InvalidInput, match="interviewee"):
        interviews.create_interview(eng, "  ")
    with pytest.raises(InvalidInput, match="date"):
        interviews.create_interview(eng, "Ann", held_on="soon")
    with pytest.raises(NotFound):
        interviews.add_statement(eng, 999, "x")
