"""Interviews and statements: roles, saving over the version read, ids never reused, contradictions
that stay visible, corroborating with a file attached in place."""

from __future__ import annotations

import pytest
from sqlmodel import select

from fieldwork_tui.domain.inquiry import ContradictionState, SaveAction
from fieldwork_tui.domain.vocab import Flag
from fieldwork_tui.services.controls import add_control
from fieldwork_tui.services.controls.workpaper import control_records
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.evidence import files as evidence
from fieldwork_tui.services.evidence import interviews
from fieldwork_tui.store.models import JournalEntry


@pytest.fixture
def eng(engagement):
    add_control(engagement, "AC-01", "Quarterly user access review", criteria=["CC6.1"])
    add_control(engagement, "AC-03", "Terminated users removed", criteria=["CC6.2"])
    return engagement


@pytest.fixture
def files(tmp_path):
    out = []
    for name in ("review.pdf", "log.csv", "later.pdf"):
        p = tmp_path / name
        p.write_text(f"content of {name}")
        out.append(p)
    return out


def test_interview_with_new_person_role_and_title(eng) -> None:
    iv = interviews.create_interview(eng, "Diego Alvarez", role="IT admin", title="IT Administrator",
                                     held_on="2026-10-14", topic="Access")
    st = interviews.add_statement(eng, iv.id, "We review access quarterly.", "ac-01 AC-03, ac-01")
    detail = interviews.interview_detail(eng, iv.id)
    assert detail.person.role == "it_administration" and detail.person.title == "IT Administrator"
    assert detail.person.label == "Diego Alvarez (IT administration, IT Administrator)"
    assert [(s.text, s.controls) for s in detail.statements] == [("We review access quarterly.", ("AC-01", "AC-03"))]
    assert detail.interviewer == "elena" and st.position == 1
    [summary] = interviews.list_interviews(eng)
    assert (summary.person.name, summary.statements, summary.held_on) == ("Diego Alvarez", 1, "2026-10-14")
    interviews.create_interview(eng, "diego  alvarez")  # the same person again is found, not duplicated
    assert [p.name for p in interviews.interviewees(eng)] == ["Diego Alvarez"]


def test_roles_come_from_the_vocabulary(eng) -> None:
    with pytest.raises(InvalidInput, match="role 'astronaut': expected one of engineering, hr"):
        interviews.create_interview(eng, "Ann", role="astronaut")
    iv = interviews.create_interview(eng, "Hannah")  # no role yet: the person is shown without one
    assert interviews.interview_detail(eng, iv.id).person.label == "Hannah"
    interviews.create_interview(eng, "Hannah", role="Human Resources")  # the first role given is kept
    assert interviews.interviewees(eng)[0].role == "hr"
    with pytest.raises(InvalidInput, match="Hannah is hr; change the person's role first"):
        interviews.create_interview(eng, "Hannah", role="finance")
    p = interviews.set_person_role(eng, "hannah", "finance", title="Payroll lead")
    assert p.label == "Hannah (Finance, Payroll lead)"
    with pytest.raises(NotFound):
        interviews.set_person_role(eng, "Nobody", "hr")


def test_autosave_writes_only_over_the_version_it_read(eng) -> None:
    iv = interviews.create_interview(eng, "Marcus", role="engineering")
    st = interviews.add_statement(eng, iv.id, "No one", "AC-01")
    a = interviews.save_statement_text(eng, st.id, "No one merges", st.version)  # window A
    assert a.action is SaveAction.update and a.version == st.version + 1
    # window B, which read the first version, types on: its text is kept as a new statement
    b = interviews.save_statement_text(eng, st.id, "No one deploys", st.version)
    assert b.action is SaveAction.keep_as_new and b.statement_id != st.id
    assert f"Statement #{st.id} was changed in another window" in b.message and f"#{b.statement_id}" in b.message
    texts = [(s.text, s.controls) for s in interviews.interview_detail(eng, iv.id).statements]
    assert texts == [("No one merges", ("AC-01",)), ("No one deploys", ("AC-01",))]
    # unchanged text writes nothing
    assert interviews.save_statement_text(eng, st.id, "No one merges", a.version).action is SaveAction.unchanged


def test_a_statement_deleted_elsewhere_keeps_the_typed_text_and_ids_are_never_reused(eng) -> None:
    iv = interviews.create_interview(eng, "Marcus")
    first = interviews.add_statement(eng, iv.id, "first")
    second = interviews.add_statement(eng, iv.id, "second", "AC-03")
    assert interviews.delete_statement(eng, second.id)
    assert not interviews.delete_statement(eng, second.id)
    kept = interviews.save_statement_text(eng, second.id, "second, typed on", second.version, interview_id=iv.id,
                                          controls="AC-03")
    assert kept.action is SaveAction.recreate and kept.statement_id > second.id  # the deleted id never comes back
    assert "was deleted in another window" in kept.message
    third = interviews.add_statement(eng, iv.id, "third")
    assert third.id > kept.statement_id > first.id
    assert [s.controls for s in interviews.interview_detail(eng, iv.id).statements] == [(), ("AC-03",), ()]
    with pytest.raises(NotFound):
        interviews.save_statement_text(eng, 999, "x", 1)


def test_save_as_typed_is_journaled_once_per_change(eng) -> None:
    iv = interviews.create_interview(eng, "Marcus")
    st = interviews.add_statement(eng, iv.id, "")
    version = st.version
    for text in ("No one", "No one merges", "No one merges without review"):
        version = interviews.save_statement_text(eng, st.id, text, version).version
    assert not interviews.save_statement_text(eng, st.id, "No one merges without review", version).wrote
    with eng.read() as s:
        updates = s.exec(select(JournalEntry).where(JournalEntry.entity == "inquirystatement",
                                                    JournalEntry.action == "update")).all()
    assert len(updates) == 3


def test_a_contradiction_stays_a_red_flag_until_later_evidence_or_an_exception(eng, files) -> None:
    review, log, later = (evidence.attach(eng, "AC-01", [f])[0].evidence.id for f in files)
    iv = interviews.create_interview(eng, "Diego", role="it_administration", held_on="2026-10-14")
    st = interviews.add_statement(eng, iv.id, "Every quarter, every manager signs.", "AC-01")
    row = interviews.set_corroboration(eng, st.id, "contradicted", log, "Q3 review was never signed")
    assert row.red_flag and row.describe().startswith("contradicted by log.csv (#")
    assert Flag.contradicted_inquiry in control_records(eng, "AC-01").flags
    # a reason alone is not enough: neither a new state nor a resolution without evidence
    for state, ev in (("uncorroborated", None), ("corroborated", review)):
        with pytest.raises(InvalidInput, match="a reason alone is not enough"):
            interviews.set_corroboration(eng, st.id, state, ev, "it was fine after all")
    with pytest.raises(InvalidInput, match="a reason alone is not enough"):
        interviews.resolve_contradiction(eng, st.id, None, "the manager says it was signed")
    with pytest.raises(InvalidInput, match="cannot also resolve"):
        interviews.resolve_contradiction(eng, st.id, log, "same file")
    row = interviews.resolve_contradiction(eng, st.id, later, "Signed Q3 review received on 2 Nov")
    assert row.contradiction is ContradictionState.resolved_by_evidence and not row.red_flag
    assert row.describe() == (f"contradicted by log.csv (#{log}): Q3 review was never signed — resolved by "
                              f"later.pdf (#{later}): Signed Q3 review received on 2 Nov")
    assert Flag.contradicted_inquiry not in control_records(eng, "AC-01").flags
    with pytest.raises(InvalidInput, match="already resolved"):
        interviews.resolve_contradiction(eng, st.id, review, "again")


def test_raising_an_exception_ends_the_red_flag_and_the_statement_names_it(eng, files) -> None:
    from fieldwork_tui.services.findings.exceptions import get_exception

    log = evidence.attach(eng, "AC-03", [files[1]])[0].evidence.id
    iv = interviews.create_interview(eng, "Diego Alvarez", role="it_administration", held_on="2026-10-14")
    st = interviews.add_statement(eng, iv.id, "Leavers lose access the same day.", "AC-01 AC-03")
    interviews.set_corroboration(eng, st.id, "contradicted", log, "Two leavers kept access for a week")
    with pytest.raises(InvalidInput, match="name the control"):
        interviews.raise_statement_exception(eng, st.id)
    with pytest.raises(InvalidInput, match="not linked to CM-01"):
        interviews.raise_statement_exception(eng, st.id, "CM-01")
    ex_id = interviews.raise_statement_exception(eng, st.id, "ac-03")
    row = interviews.get_statement(eng, st.id)
    assert row.contradiction is ContradictionState.exception_raised and f"exception #{ex_id} raised" in row.describe()
    ex = get_exception(eng, ex_id).exception
    assert ex.instance == f"Inquiry of IT administration on 2026-10-14 (statement #{st.id})"
    assert "Diego" not in ex.instance + ex.deviation + ex.report_wording  # reports name roles, not people
    assert "Two leavers kept access for a week" in ex.deviation
    assert Flag.contradicted_inquiry not in control_records(eng, "AC-03").flags
    with pytest.raises(InvalidInput, match="only an open contradiction"):
        interviews.raise_statement_exception(eng, st.id, "AC-03")


def test_corroborate_with_a_file_attached_in_place(eng, files, tmp_path) -> None:
    iv = interviews.create_interview(eng, "Diego")
    st = interviews.add_statement(eng, iv.id, "We review access.", "AC-01 AC-03")
    assert interviews.statement_evidence_choices(eng, st.id) == []  # nothing in the vault yet
    ev_id = interviews.attach_for_statement(eng, st.id, files[0])
    assert {f.id for f in evidence.list_files(eng, "AC-01")} == {ev_id} == {f.id for f in evidence.list_files(eng, "AC-03")}
    [choice] = interviews.statement_evidence_choices(eng, st.id)
    assert choice.id == ev_id and choice.linked
    unlinked = interviews.add_statement(eng, iv.id, "Said about nothing in particular.")
    other = interviews.attach_for_statement(eng, unlinked.id, files[1])  # kept in the vault, on no control
    assert other not in {f.id for f in evidence.list_files(eng, "AC-01")}
    with pytest.raises(InvalidInput, match="is a folder"):
        interviews.attach_for_statement(eng, st.id, tmp_path)
    assert interviews.set_corroboration(eng, st.id, "corroborated", ev_id).describe() == \
        f"corroborated by review.pdf (#{ev_id})"


def test_links_can_change_and_unknown_refs_are_refused(eng) -> None:
    iv = interviews.create_interview(eng, "Priya")
    st = interviews.add_statement(eng, iv.id, "x", "AC-01")
    assert interviews.set_statement_controls(eng, st.id, "AC-03") == ["AC-03"]
    with pytest.raises(NotFound):
        interviews.set_statement_controls(eng, st.id, "AC-01 ZZ-1")
    assert interviews.interview_detail(eng, iv.id).statements[0].controls == ("AC-03",)


def test_bad_input(eng) -> None:
    with pytest.raises(InvalidInput):
        interviews.create_interview(eng, "  ")
    with pytest.raises(InvalidInput):
        interviews.create_interview(eng, "Ann", held_on="soon")
    with pytest.raises(NotFound):
        interviews.add_statement(eng, 999, "x")
    with pytest.raises(NotFound):
        interviews.interview_detail(eng, 999)
