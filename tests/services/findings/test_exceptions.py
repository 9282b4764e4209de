"""Exceptions register, management responses, control conclusions and Section IV rows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import func, select

from fieldwork_tui.domain.vocab import Conclusion, Flag, Frequency, Phase, RemediationStatus, SampleResult
from fieldwork_tui.services.controls.catalog import add_control, get_control, set_required_types
from fieldwork_tui.services.controls.facts import control_flags
from fieldwork_tui.services.engagements import set_phase
from fieldwork_tui.services.errors import EngagementLocked, InvalidInput, NotFound
from fieldwork_tui.services.evidence import observations
from fieldwork_tui.services.findings import conclusions, exceptions
from fieldwork_tui.services.sampling import populations
from fieldwork_tui.services.sampling import samples as sampling
from fieldwork_tui.store.models import ControlException, Reperformance, ReperformanceDifference


@pytest.fixture
def eng(engagement, tmp_path):
    add_control(engagement, "CM-01", "Changes peer reviewed", description="Every change is peer reviewed.",
                frequency=Frequency.multiple_daily)
    lines = ["Change ID,Deployed"] + [f"CHG-{i:04d},2026-{1 + i % 12:02d}-10" for i in range(100)]
    (tmp_path / "c.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    populations.import_population(engagement, "CM-01", tmp_path / "c.csv", key="Change ID", date="Deployed")
    return engagement


def deviating_item(handle, n=1):
    view = sampling.take_sample(handle, "CM-01")
    for i, item in enumerate(view.items):
        sampling.mark(handle, item.id, SampleResult.deviation if i < n else SampleResult.passed, "no review")
    return view.items[0]


def flags(handle):
    cid = get_control(handle, "CM-01").id
    with handle.read() as s:
        return control_flags(s)[cid]


def test_exception_from_sample_deviation_with_wording(eng):
    item = deviating_item(eng, 2)
    draft = exceptions.draft_from_sample_item(eng, item.id)
    assert draft["instance"].startswith(item.key) and draft["planned_control"] == "Every change is peer reviewed."
    ex = exceptions.create_exception(eng, "CM-01", source="sample", sample_item_id=item.id, instance=draft["instance"],
                                     deviation="The change was merged without a peer review.", exception_type="execution")
    assert ex.report_wording == "For 2 of 25 changes sampled, the change was merged without a peer review."
    with pytest.raises(InvalidInput, match="already recorded"):
        exceptions.create_exception(eng, "CM-01", source="sample", sample_item_id=item.id, instance="x",
                                    deviation="y")


def test_sample_exception_needs_a_deviation(eng):
    view = sampling.take_sample(eng, "CM-01")
    with pytest.raises(InvalidInput, match="not marked as a deviation"):
        exceptions.create_exception(eng, "CM-01", source="sample", sample_item_id=view.items[0].id, instance="x",
                                    deviation="y")


def test_manual_and_reperformance_exceptions(eng):
    ex = exceptions.create_exception(eng, "CM-01", instance="the March release", deviation="Tests were skipped",
                                     exception_type="timing", effectiveness="design")
    assert ex.report_wording == "In 1 instance, tests were skipped."  # counted, the instance not named
    with eng.session() as s:
        rp = Reperformance(control_id=get_control(eng, "CM-01").id, list_a_label="deploy log", list_b_label="approvals")
        s.add(rp)
        s.flush()
        diff = ReperformanceDifference(reperformance_id=rp.id, kind="only_in_a", key="CHG-0042")
        s.add(diff)
    draft = exceptions.draft_from_difference(eng, diff.id)
    assert draft["deviation"] == "the item was in deploy log but not in approvals"  # no key in report text
    ex2 = exceptions.create_exception(eng, "CM-01", source="reperformance", difference_id=diff.id,
                                      instance=draft["instance"], deviation=draft["deviation"])
    assert ex2.difference_id == diff.id
    with pytest.raises(InvalidInput, match="type 'sloppy'"):
        exceptions.create_exception(eng, "CM-01", instance="x", deviation="y", exception_type="sloppy")
    with pytest.raises(InvalidInput, match="deviation: say what actually happened"):
        exceptions.create_exception(eng, "CM-01", instance="x", deviation=" ")


def test_register_filters(eng):
    exceptions.create_exception(eng, "CM-01", instance="release A", deviation="no review")
    b = exceptions.create_exception(eng, "CM-01", instance="release B", deviation="late approval",
                                    exception_type="timing")
    exceptions.respond(eng, b.id, root_cause="holiday", responder="Marcus")
    assert [e.instance for e in exceptions.list_exceptions(eng, "late")] == ["release B"]
    assert [e.instance for e in exceptions.list_exceptions(eng, without_response=True)] == ["release A"]
    assert [e.response for e in exceptions.list_exceptions(eng, control="cm-01")] == ["missing", "not_started"]
    assert exceptions.counts(eng) == (2, 1)


def test_response_flag_from_draft_report_and_remediation_keeps_exception(eng):
    ex = exceptions.create_exception(eng, "CM-01", instance="release A", deviation="no review")
    assert Flag.exception_without_response not in flags(eng)
    set_phase(eng, Phase.draft_report)
    assert Flag.exception_without_response in flags(eng)
    with pytest.raises(InvalidInput, match="remediation date"):
        exceptions.respond(eng, ex.id, root_cause="x", responder="M", remediation_status="remediated")
    resp = exceptions.respond(eng, ex.id, root_cause="Override used", corrective_action="Override removed",
                              compensating_controls="Weekly deploy review", remediation_status="remediated",
                              remediation_date="2026-08-14", responder="Marcus Oyelaran")
    assert resp.remediation_status is RemediationStatus.remediated and resp.remediation_date == dt.date(2026, 8, 14)
    assert resp.responded_on == dt.date(2026, 11, 20)  # the frozen clock
    assert Flag.exception_without_response not in flags(eng)
    with eng.read() as s:  # remediation never deletes the exception
        assert s.exec(select(func.count()).select_from(ControlException)).one() == 1
    assert exceptions.get_exception(eng, ex.id).response.root_cause == "Override used"
    # revising the response updates it in place
    exceptions.respond(eng, ex.id, root_cause="Override used in a hotfix", responder="Marcus Oyelaran",
                       remediation_status="remediated", remediation_date=dt.date(2026, 8, 14))
    assert exceptions.get_exception(eng, ex.id).response.root_cause == "Override used in a hotfix"


def test_response_validation_and_lock(eng):
    ex = exceptions.create_exception(eng, "CM-01", instance="release A", deviation="no review")
    with pytest.raises(InvalidInput, match="root cause"):
        exceptions.respond(eng, ex.id, root_cause="", responder="M")
    with pytest.raises(InvalidInput, match="response date 'soon'"):
        exceptions.respond(eng, ex.id, root_cause="x", responder="M", responded_on="soon")
    with pytest.raises(NotFound):
        exceptions.respond(eng, 999, root_cause="x", responder="M")
    set_phase(eng, Phase.final_report)
    with pytest.raises(EngagementLocked):
        exceptions.update_exception(eng, ex.id, deviation="changed")


def test_update_regenerates_wording(eng):
    ex = exceptions.create_exception(eng, "CM-01", instance="release A", deviation="no review")
    ex = exceptions.update_exception(eng, ex.id, deviation="Merged without review", report_wording=None)
    assert ex.report_wording == "In 1 instance, merged without review."
    with pytest.raises(InvalidInput, match="cannot be edited"):
        exceptions.update_exception(eng, ex.id, source="manual")


def test_conclusion_and_section_iv(eng):
    view = conclusions.conclusion_view(eng, "CM-01")
    assert view.suggested is Conclusion.not_tested
    item = deviating_item(eng, 1)
    v = sampling.expand(eng, "CM-01")
    for it in v.items[25:]:
        sampling.mark(eng, it.id, "passed")
    sampling.conclude_deviations(eng, "CM-01")
    exceptions.create_exception(eng, "CM-01", source="sample", sample_item_id=item.id, instance=item.key,
                                deviation="the change was merged without review")
    view = conclusions.conclusion_view(eng, "CM-01")
    # a sample alone is one evidence type and misses the required inquiry: no positive conclusion yet,
    # and Section IV says what is open (with the exception found so far)
    assert view.suggested is Conclusion.not_tested and "open: one evidence type" in view.why
    assert view.row.results == ("Testing not complete — open: one evidence type, missing required type. Exceptions "
                                "noted so far: For 1 of 40 changes sampled, the change was merged without review.")
    observations.add_observation(eng, "CM-01", observed_at="2026-05-05 10:00", location="screen share",
                                 description="Merge blocked until approved", observed_by="elena")
    set_required_types(eng, "CM-01", ["inspection", "observation"])
    view = conclusions.conclusion_view(eng, "CM-01")
    assert view.suggested is Conclusion.effective_with_exceptions
    assert view.row.procedures[-1:] == ["Inspected a sample of 40 changes from a population of 100 to determine whether "
                                   "every change is peer reviewed."]
    assert view.row.results == "For 1 of 40 changes sampled, the change was merged without review."
    with pytest.raises(InvalidInput, match="note: concluding effective when the work supports"):
        conclusions.conclude_control(eng, "CM-01", "effective")
    view = conclusions.conclude_control(eng, "CM-01")
    assert view.current is Conclusion.effective_with_exceptions
    assert get_control(eng, "CM-01").conclusion_note == "1 exception, isolated."
    rows = conclusions.section_iv_rows(eng)
    assert [r.ref for r in rows] == ["CM-01"]


def test_no_occurrences_is_not_tested(engagement, tmp_path):
    add_control(engagement, "CM-03", "Emergency changes", description="Emergency changes are reviewed.",
                frequency=Frequency.as_needed)
    (tmp_path / "none.csv").write_text("Change ID,Date\n", encoding="utf-8")
    populations.import_population(engagement, "CM-03", tmp_path / "none.csv", expected_count=0)
    view = conclusions.conclude_control(engagement, "CM-03")
    assert view.current is Conclusion.not_tested and view.row.results.startswith("No occurrences")


def test_demo_has_exception_with_response(demo):
    [ex] = exceptions.list_exceptions(demo, control="CM-01")
    assert ex.control == "CM-01" and ex.response == "remediated" and ex.source == "sample"
    assert ex.report_wording.startswith("For 1 of 40 changes sampled")
    row = conclusions.conclusion_view(demo, "AC-02").row
    assert row.results == "Testing not complete — open: uncorroborated inquiry."
