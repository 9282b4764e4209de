"""The interview plan table: proposals from criteria and subject, per-control choices, planned
against held per control, role and person, and who to book next."""

from __future__ import annotations

from importlib.resources import files

import pytest

from fieldwork_tui.domain.interview_plan import (
    PLAN_FILE,
    PlanControl,
    PlanError,
    PlanPerson,
    Spoken,
    criterion_matches,
    keyword_in,
    parse_plan_table,
    plan_status,
    planned_roles,
    propose_roles,
)
from fieldwork_tui.domain.vocab import PersonRole as R


@pytest.fixture(scope="module")
def table():
    return parse_plan_table(files("fieldwork_tui.domain").joinpath(PLAN_FILE).read_text(encoding="utf-8"))


def roles(table, criteria, title="", description=""):
    return [p.role for p in propose_roles(table, criteria.split(), title, description)]


def test_shipped_table_proposes_the_guides_interviewees(table):
    assert roles(table, "CC8.1", "Changes peer reviewed") == [R.engineering]
    # on/offboarding under CC6.2 or CC1.4 -> HR and IT administration
    assert roles(table, "CC6.2 CC6.3", "Terminated users removed", "Access of terminated personnel") == [
        R.hr, R.it_administration]
    assert roles(table, "CC1.4", "Offboarding checklist", "Leavers are offboarded") == [R.hr, R.it_administration]
    # provisioning -> IT administration
    assert roles(table, "CC6.2", "Access provisioning approved", "New access is approved") == [R.it_administration]
    assert roles(table, "CC6.1") == [R.it_administration]
    assert roles(table, "CC6.3") == [R.it_administration]
    # incidents -> security operations
    assert roles(table, "CC7.3", "Incident triage") == [R.security_operations]
    assert roles(table, "CC7.4") == [R.security_operations]
    assert roles(table, "CC1.4", "Background checks at hire") == [R.hr]
    assert R.finance in roles(table, "CC4.1", "Invoice run reconciled")
    assert roles(table, "", "Deployment pipeline", "Every pull request is reviewed") == [R.engineering]


def test_every_criterion_gets_at_least_one_role_from_the_shipped_table(table):
    from fieldwork_tui.domain.criteria import CRITERIA

    assert [c for c in CRITERIA if not roles(table, c)] == []


def test_proposals_say_why(table):
    (hr, it) = propose_roles(table, ["CC6.2"], "Leaver access removed", "Termination tickets")
    assert hr.role is R.hr and hr.rules == ("Onboarding and offboarding",)
    assert "Access provisioning and reviews" in it.rules and "Onboarding and offboarding" in it.rules


@pytest.mark.parametrize(("pattern", "criterion", "expected"), [
    ("CC6.2", "CC6.2", True), ("CC6.2", "CC6.20", False), ("CC6", "CC6.8", True), ("CC6", "CC7.1", False),
    ("CC8", "CC8.1", True), ("P", "P1.1", True), ("P", "PI1.1", False), ("PI", "PI1.3", True),
    ("C1", "CC1.1", False), ("C", "C1.2", True), ("cc6.2", "cc6.2", True), ("CC6.2", "not a ref", False),
])
def test_criterion_patterns(pattern, criterion, expected):
    assert criterion_matches(pattern, criterion) is expected


def test_keywords_match_at_word_starts():
    assert keyword_in("offboard", "Offboarding checklist")
    assert keyword_in("pull request", "Every Pull-Request is reviewed")
    assert not keyword_in("hire", "Archived logs")
    assert not keyword_in("", "anything")


def test_a_control_can_be_set_by_hand(table):
    proposal = propose_roles(table, ["CC6.1"], "Privileged access")
    assert planned_roles(proposal, None) == (R.it_administration,)
    assert planned_roles(proposal, ["engineering", "it_administration"]) == (R.engineering, R.it_administration)
    assert planned_roles(proposal, []) == ()  # "nobody to interview" is a choice too


def test_firm_table_may_make_the_flag_blocking(table):
    assert not table.missing_role_blocking
    t = parse_plan_table('[settings]\nmissing_role_blocking = true\n[[rules]]\nname = "x"\ncriteria = ["CC8"]\n'
                         'roles = ["engineering"]\n')
    assert t.missing_role_blocking


@pytest.mark.parametrize(("text", "message"), [
    ("rules = 3", "array of tables"),
    ("[[rules]]\nname = 'a'\nroles = ['pilots']\ncriteria = ['CC8']", "'pilots' is not a role"),
    ("[[rules]]\nname = 'a'\nroles = ['hr']\ncriteria = ['CC10']", "'CC10' is not a Trust Services"),
    ("[[rules]]\nname = 'a'\nroles = ['hr']\ncriteria = ['XX1']", "'XX1' is not a Trust Services"),
    ("[[rules]]\nname = 'a'\nroles = ['hr']", "give criteria, keywords or both"),
    ("[[rules]]\nname = 'a'\nroles = []\ncriteria = ['CC8']", "at least one role"),
    ("[[rules]]\nname = 'a'\nroles = ['hr']\ncriteria = ['CC8']\nblocking = true", "unknown field 'blocking'"),
    ("[[rules]]\nname = 'a'\nroles = ['hr']\ncriterias = ['CC8']", "unknown field 'criterias'"),
    ("[settings]\nmissing_role_blocking = 1", "expected true or false"),
    ("[settings]\nstrict = true", "unknown setting 'strict'"),
    ("[rulez]", "unknown section 'rulez'"),
    ("not toml [", "not valid TOML"),
])
def test_bad_tables_name_file_rule_and_field(text, message):
    with pytest.raises(PlanError, match="firm.toml") as err:
        parse_plan_table(text, "firm.toml")
    assert message in str(err.value)


# -- planned against held ----------------------------------------------------------------------------
PEOPLE = [PlanPerson(1, "Diego Alvarez", R.it_administration, "IT Administrator"),
          PlanPerson(2, "Hannah Köhler", R.hr), PlanPerson(3, "Marcus Oyelaran", R.engineering),
          PlanPerson(4, "Kenji Watanabe", R.engineering), PlanPerson(5, "Ravi Menon", R.security_operations)]
CONTROLS = [PlanControl("AC-03", (R.hr, R.it_administration), owner_id=1),
            PlanControl("CM-01", (R.engineering,), owner_id=3),
            PlanControl("CM-03", (R.engineering,), owner_id=4),
            PlanControl("OP-03", (R.security_operations,), owner_id=5)]


def test_plan_status_per_control():
    status = plan_status(CONTROLS, PEOPLE, [Spoken(2, "AC-03", 10), Spoken(3, "CM-01", 11), Spoken(3, "CM-01", 11),
                                            Spoken(1, "CM-01", 12)])
    ac03 = status.by_ref["AC-03"]
    assert ac03.held == (R.hr,) and ac03.missing == (R.it_administration,) and not ac03.complete
    cm01 = status.by_ref["CM-01"]
    assert cm01.complete and cm01.unplanned == (R.it_administration,) and cm01.people == (1, 3)
    assert status.missing_pairs == 3  # AC-03 IT, CM-03 engineering, OP-03 security operations


def test_plan_status_per_role_and_person_and_who_to_book_next():
    status = plan_status(CONTROLS, PEOPLE, [Spoken(2, "AC-03", 10), Spoken(3, "CM-01", 11)])
    eng = next(r for r in status.roles if r.role is R.engineering)
    assert eng.controls_planned == ("CM-01", "CM-03") and eng.controls_held == ("CM-01",)
    assert eng.controls_missing == ("CM-03",)
    assert eng.people_interviewed == ("Marcus Oyelaran",)
    assert eng.people_known == ("Kenji Watanabe", "Marcus Oyelaran")
    kenji = next(p for p in status.people if p.person.name == "Kenji Watanabe")
    assert kenji.interviews == 0 and kenji.wanted == ("CM-03",) and kenji.owns_wanted == ("CM-03",)
    marcus = next(p for p in status.people if p.person.name == "Marcus Oyelaran")
    assert marcus.interviews == 1 and marcus.controls_heard == ("CM-01",)
    book = {b.role: b for b in status.book_next}
    # the owner of the missing control is proposed first
    assert book[R.engineering].candidates == ("Kenji Watanabe", "Marcus Oyelaran")
    assert book[R.it_administration].controls == ("AC-03",)
    assert book[R.it_administration].candidates == ("Diego Alvarez",)
    assert R.hr not in book


def test_a_role_with_nobody_on_file_is_still_listed_as_missing():
    status = plan_status([PlanControl("FN-01", (R.finance,))], PEOPLE, [])
    (row,) = [r for r in status.roles if r.role is R.finance]
    assert row.controls_missing == ("FN-01",) and row.people_known == ()
    assert next(b for b in status.book_next if b.role is R.finance).candidates == ()


def test_the_table_carries_the_coached_answer_settings(table):
    assert table.coaching.threshold == 90 and table.coaching.min_words == 8
    firm = parse_plan_table('[coached_answers]\nthreshold = 95\n[[rules]]\ncriteria = ["CC8"]\nroles = ["engineering"]\n')
    assert firm.coaching.threshold == 95 and firm.rules[0].name == "rule 1"
    with pytest.raises(PlanError, match="firm.toml: coached_answers.threshold"):
        parse_plan_table("[coached_answers]\nthreshold = 900\n", "firm.toml")


def test_a_firm_can_make_the_missing_role_flag_blocking_and_nothing_else():
    from fieldwork_tui.domain import flags

    assert flags.is_defensible([flags.Flag.interview_missing_role, flags.Flag.possible_coached_answer])
    try:
        flags.set_firm_blocking([flags.Flag.interview_missing_role])
        assert not flags.is_defensible([flags.Flag.interview_missing_role])
        assert flags.blocking(["interview_missing_role", "unsigned"]) == [flags.Flag.interview_missing_role]
        with pytest.raises(ValueError, match="possible_coached_answer"):
            flags.set_firm_blocking(["possible_coached_answer"])
    finally:
        flags.set_firm_blocking([])
    assert flags.is_defensible([flags.Flag.interview_missing_role])
