"""The interview plan of an engagement: the firm's table or the shipped one, per-control choices,
interview_missing_role on the controls whose planned role was not heard."""

from __future__ import annotations

import pytest

from fieldwork_tui.domain.flags import is_defensible
from fieldwork_tui.domain.vocab import Flag
from fieldwork_tui.services.controls import add_control
from fieldwork_tui.services.controls.workpaper import control_records
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.evidence import interview_plan, interviews


@pytest.fixture
def eng(engagement):
    add_control(engagement, "CM-01", "Changes peer reviewed", criteria=["CC8.1"], owner="Marcus Oyelaran")
    add_control(engagement, "AC-03", "Terminated users removed",
                description="Access of terminated personnel is removed within one day.", criteria=["CC6.2"])
    interviews.set_person_role(engagement, "Marcus Oyelaran", "engineering")
    return engagement


def test_the_plan_shows_missing_roles_per_control_until_they_are_heard(eng) -> None:
    view = interview_plan.engagement_plan(eng)
    by_ref = {c.ref: c for c in view.controls}
    assert by_ref["CM-01"].planned == ("engineering",) and by_ref["CM-01"].missing == ("engineering",)
    assert by_ref["AC-03"].planned == ("hr", "it_administration")
    assert "hr: Onboarding and offboarding" in by_ref["AC-03"].reasons
    assert Flag.interview_missing_role in control_records(eng, "CM-01").flags
    book = {b.role: b for b in view.book_next}
    assert book["engineering"].candidates == ("Marcus Oyelaran",)  # the owner of CM-01
    assert book["hr"].candidates == ()
    iv = interviews.create_interview(eng, "Marcus Oyelaran")
    interviews.add_statement(eng, iv.id, "", "CM-01")  # an empty statement is not an interview answer
    assert Flag.interview_missing_role in control_records(eng, "CM-01").flags
    interviews.add_statement(eng, iv.id, "Every change needs an approving review.", "CM-01")
    assert Flag.interview_missing_role not in control_records(eng, "CM-01").flags
    view = interview_plan.engagement_plan(eng)
    cm = next(c for c in view.controls if c.ref == "CM-01")
    assert cm.held == ("engineering",) and cm.people == ("Marcus Oyelaran (Engineering)",)
    marcus = next(p for p in view.people if p.name == "Marcus Oyelaran")
    assert marcus.interviews == 1 and marcus.controls_heard == ("CM-01",)


def test_a_person_without_a_role_counts_for_no_role_and_is_listed(eng) -> None:
    iv = interviews.create_interview(eng, "Kim")
    interviews.add_statement(eng, iv.id, "HR tells IT the last day.", "AC-03")
    view = interview_plan.engagement_plan(eng)
    assert next(c for c in view.controls if c.ref == "AC-03").missing == ("hr", "it_administration")
    assert view.no_role == ("Kim",)
    interviews.set_person_role(eng, "Kim", "hr")
    assert next(c for c in interview_plan.engagement_plan(eng).controls if c.ref == "AC-03").missing == (
        "it_administration",)


def test_roles_can_be_set_per_control_with_a_reason_and_reset(eng) -> None:
    with pytest.raises(InvalidInput, match="reason"):
        interview_plan.set_control_roles(eng, "AC-03", ["it_administration"])
    with pytest.raises(InvalidInput, match="role 'pilot'"):
        interview_plan.set_control_roles(eng, "AC-03", ["pilot"], "x")
    with pytest.raises(NotFound):
        interview_plan.set_control_roles(eng, "ZZ-9", ["hr"], "x")
    c = interview_plan.set_control_roles(eng, "ac-03", ["IT admin", "it_administration"], "HR is out of scope")
    assert c.planned == ("it_administration",) and c.adjusted and c.adjust_reason == "HR is out of scope"
    assert c.proposed == ("hr", "it_administration")
    c = interview_plan.set_control_roles(eng, "AC-03", [], "Automated; nobody to interview")
    assert c.planned == () and not c.missing
    assert Flag.interview_missing_role not in control_records(eng, "AC-03").flags
    c = interview_plan.set_control_roles(eng, "AC-03", None)
    assert c.planned == ("hr", "it_administration") and not c.adjusted


def test_the_flag_is_advisory_unless_the_firm_table_makes_it_blocking(eng, tmp_path, monkeypatch) -> None:
    flags = control_records(eng, "CM-01").flags
    assert Flag.interview_missing_role in flags
    assert is_defensible([Flag.interview_missing_role, Flag.unsigned])
    firm = interview_plan.firm_table_path()
    firm.parent.mkdir(parents=True, exist_ok=True)
    firm.write_text('[settings]\nmissing_role_blocking = true\n[[rules]]\nname = "Change"\ncriteria = ["CC8"]\n'
                    'roles = ["engineering"]\n', encoding="utf-8")
    assert interview_plan.plan_table().source == str(firm)
    view = interview_plan.engagement_plan(eng)
    cm = next(c for c in view.controls if c.ref == "CM-01")
    assert cm.blocking and view.source == str(firm)
    assert not is_defensible(control_records(eng, "CM-01").flags)  # the firm made the missing role blocking
    assert next(c for c in view.controls if c.ref == "AC-03").planned == ()  # the firm's table has no rule for it
    firm.write_text("[[rules]]\nname = 'x'\nroles = ['wizards']\ncriteria = ['CC8']\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"interview_plan.toml: rule 'x', roles: 'wizards' is not a role"):
        interview_plan.engagement_plan(eng)
