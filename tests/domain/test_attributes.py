"""Attribute testing rules: steps from text, derived item results, counts, wording, the IPE gate, approach."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.domain import attributes as a
from fieldwork_tui.domain import expressions
from fieldwork_tui.domain.vocab import EngagementType, Frequency, Nature, SampleResult

R = SampleResult
P, D, N, U = R.passed, R.deviation, R.not_applicable, R.untested
CHANGE_STEPS = a.ControlSteps("Changes are approved before deployment.", (
    a.AttributeSpec("A", "Approved in the ticket before the deploy date", "the change was deployed before it was approved",
                    "Approved <= Deployed"),
    a.AttributeSpec("B", "Approver is not the author", "the change was approved by its own author", "Approver != Author"),
    a.AttributeSpec("C", "Tested before deployment", "", "Tested = yes"),
))


def cell(result: R, **kw) -> a.Cell:
    return a.Cell(result, **kw)


# -- steps from a spreadsheet cell -------------------------------------------------------------------------
def test_steps_from_text_reads_letters_bullets_and_an_objective():
    steps = a.steps_from_text("Objective: changes are authorised\nA — Approved in the ticket before deploy\n"
                              "B. Approver is not the author\r\n\n- Tested before deployment\nE: Rolled back if failed")
    assert steps.objective == "changes are authorised"
    assert [(x.letter, x.description) for x in steps.attributes] == [
        ("A", "Approved in the ticket before deploy"), ("B", "Approver is not the author"),
        ("C", "Tested before deployment"), ("E", "Rolled back if failed")]


def test_steps_from_text_keeps_sentences_that_start_with_a_letter_word():
    steps = a.steps_from_text("A change ticket exists\ne.g. the ticket links the pull request")
    assert [(x.letter, x.description) for x in steps.attributes] == [
        ("A", "A change ticket exists"), ("B", "e.g. the ticket links the pull request")]


def test_steps_from_text_refuses_a_letter_used_twice_naming_the_line():
    with pytest.raises(a.StepsError, match=r"line 3: letter A is already used on line 1"):
        a.steps_from_text("A. one\nB. two\nA) three")


def test_steps_from_text_refuses_more_than_26_attributes():
    with pytest.raises(a.StepsError, match="line 27"):
        a.steps_from_text("\n".join(f"check {i}" for i in range(27)))


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1,
                        max_size=30).filter(lambda t: t.strip()), max_size=8),
       st.text(alphabet="abc def", max_size=20))
def test_steps_text_round_trips(descriptions, objective):
    steps = a.ControlSteps(" ".join(objective.split()), tuple(a.AttributeSpec(a.letter(i), " ".join(d.split()))
                                                             for i, d in enumerate(descriptions)))
    again = a.steps_from_text(a.steps_text(steps))
    assert [(x.letter, x.description) for x in again.attributes] == [(x.letter, x.description) for x in steps.attributes]
    assert again.objective == steps.objective


def test_validate_steps_names_each_problem():
    bad = a.ControlSteps("", (a.AttributeSpec("A", "ok", rule="Approved <= Deployd"), a.AttributeSpec("A", ""),
                           a.AttributeSpec("7", "x")))
    problems = a.validate_steps(bad, ["Approved", "Deployed"])
    assert problems[0].startswith("attribute A: rule position 13: no column 'Deployd'")
    assert "attribute A: letter A is used twice" in problems
    assert "attribute A: the description is empty" in problems
    assert "attribute 7: the letter must be one of A to Z" in problems
    assert a.validate_steps(CHANGE_STEPS, ["Approved", "Deployed", "Approver", "Author", "Tested"]) == []


def test_deviation_clause_defaults_from_the_description():
    assert CHANGE_STEPS.attributes[0].deviation_clause() == "the change was deployed before it was approved"
    assert CHANGE_STEPS.attributes[2].deviation_clause() == "attribute C (tested before deployment) was not met"


# -- cells and the derived item result ----------------------------------------------------------------------
@pytest.mark.parametrize(("cells", "expected"), [
    ([P, P, P], P),
    ([P, D, P], D),
    ([D, U, U], D),  # a deviation decides the item even while other cells are untested
    ([P, U, P], U),
    ([N, N, N], N),
    ([P, N, P], P),
    ([], U),
])
def test_item_result_is_derived_from_its_cells(cells, expected):
    assert a.item_result([cell(c) for c in cells]) is expected


def test_a_proposed_cell_counts_as_untested_until_confirmed():
    proposed = [cell(P, proposed=True), cell(P, proposed=True), cell(D, proposed=True)]
    assert a.item_result(proposed) is U
    confirmed = [cell(P, seen_in_extract=True), cell(P, seen_in_extract=True), cell(D)]
    assert a.item_result(confirmed) is D


def test_a_pass_needs_evidence_or_seen_in_the_extract():
    assert a.pass_basis_problem(cell(P)) is not None
    assert a.pass_basis_problem(cell(P, evidence_id=3)) is None
    assert a.pass_basis_problem(cell(P), item_evidence_id=9) is None
    assert a.pass_basis_problem(cell(P, seen_in_extract=True)) is None


def test_counts_count_an_item_once_and_each_attribute_once():
    letters = ["A", "B", "C"]
    rows = [
        {"A": cell(D), "B": cell(D), "C": cell(P)},  # two attributes deviate: one item
        {"A": cell(P), "B": cell(P), "C": cell(P)},
        {"A": cell(P), "B": cell(D, proposed=True), "C": cell(P)},  # a proposal is not yet a deviation
        {"A": cell(N), "B": cell(N), "C": cell(N)},
        {},
    ]
    c = a.matrix_counts(letters, rows)
    assert (c.items, c.tested, c.deviations, c.passed, c.not_applicable, c.proposed, c.untested) == (5, 3, 1, 1, 1, 1, 2)
    assert dict(c.by_attribute) == {"A": 1, "B": 1, "C": 0}


def test_wording_per_attribute_from_the_current_counts():
    rows = [{"A": cell(D), "B": cell(D), "C": cell(P)}] + [{"A": cell(P), "B": cell(P), "C": cell(P)}] * 39
    counts = a.matrix_counts(CHANGE_STEPS.letters(), rows)
    wordings = a.attribute_wordings(CHANGE_STEPS, counts, "changes")
    assert [w.text for w in wordings] == [
        "For 1 of 40 changes sampled, the change was deployed before it was approved.",
        "For 1 of 40 changes sampled, the change was approved by its own author.",
    ]
    assert counts.deviations == 1


# -- rules, proposals, the population run ----------------------------------------------------------------------
COLUMNS = ["Change", "Approved", "Deployed", "Approver", "Author", "Tested"]


def test_bind_rules_reports_unusable_rules_by_letter():
    bound, problems = a.bind_rules(CHANGE_STEPS, ["Change", "Approved", "Deployed", "Approver", "Author"])
    assert set(bound) == {"A", "B"}
    assert problems["C"].startswith("position 1: no column 'Tested'")


def test_proposals_follow_the_verdict():
    rule = expressions.bind("Approved <= Deployed", COLUMNS)
    assert a.proposal(expressions.evaluate(rule, ["1", "2026-01-01", "2026-01-02", "", "", ""])) is P
    assert a.proposal(expressions.evaluate(rule, ["1", "2026-01-03", "2026-01-02", "", "", ""])) is D
    assert a.proposal(expressions.evaluate(rule, ["1", "", "2026-01-02", "", "", ""])) is U


def test_run_over_population_counts_every_row_and_keeps_the_differences():
    bound, _ = a.bind_rules(CHANGE_STEPS, COLUMNS)
    rows = [("CHG-1", ["CHG-1", "2026-01-01", "2026-01-02", "ann", "bob", "yes"]),
            ("CHG-2", ["CHG-2", "2026-01-05", "2026-01-02", "ann", "ann", "yes"]),
            ("CHG-3", ["CHG-3", "2026-01-01", "2026-01-02", "ann", "bob", "later"])]
    run = a.run_over_population(bound, rows, keep=10)
    assert run.rows == 3
    assert run.met == {"A": 2, "B": 2, "C": 2}
    assert run.not_met == {"A": 1, "B": 1, "C": 0}
    assert run.undecided == {"A": 0, "B": 0, "C": 1}
    assert [(d.key, d.letter, d.met) for d in run.differences] == [("CHG-2", "A", False), ("CHG-2", "B", False),
                                                                    ("CHG-3", "C", None)]
    assert run.difference_count == 3
    assert a.run_over_population(bound, rows, keep=1).difference_count == 3


# -- the IPE gate ---------------------------------------------------------------------------------------------
def test_rules_are_offered_only_once_completeness_and_accuracy_are_recorded():
    rec = a.ExtractRecord(rows=40)
    assert a.ipe_gaps(rec) == ["the source system", "the query or parameters", "the client's count (reconciliation)"]
    assert not a.rules_offered(rec)
    rec = a.ExtractRecord("Jira", "project = OPS AND status = Done AND resolved in 2026", 40, 41)
    assert a.ipe_gaps(rec) == ["a reconciliation: the client stated 41, 40 rows were imported"]
    assert "record a reconciliation" in a.ipe_message(rec)
    rec = a.ExtractRecord("Jira", "project = OPS", 40, 40)
    assert a.rules_offered(rec)


# -- approach: Type I walkthrough, automated test of one ---------------------------------------------------------
def test_approach():
    assert a.testing_approach(EngagementType.type1, Nature.manual, Frequency.daily).kind == a.WALKTHROUGH
    assert a.testing_approach(EngagementType.type1, Nature.automated, Frequency.continuous).kind == a.WALKTHROUGH
    assert a.testing_approach(EngagementType.type2, Nature.automated, Frequency.daily).kind == a.TEST_OF_ONE
    assert a.testing_approach(EngagementType.type2, Nature.manual, Frequency.continuous).kind == a.TEST_OF_ONE
    assert a.testing_approach(EngagementType.type2, Nature.manual, Frequency.as_needed).kind == a.SAMPLE


def test_a_test_of_one_needs_the_configuration_and_the_itgc_reliance():
    t = a.SingleTest(a.TEST_OF_ONE, instance="AWS RDS", performed_on="2026-11-02", description="Inspected")
    problems = a.single_test_problems(t)
    assert any(p.startswith("configuration") for p in problems)
    assert any(p.startswith("ITGC reliance") for p in problems)
    done = a.SingleTest(a.TEST_OF_ONE, "AWS RDS", "2026-11-02", "Inspected the parameter group", "backup_retention=35",
                        ("CM-01", "AC-02"), "CM-01 and AC-02 tested effective for the period", (4,), P)
    assert a.single_test_problems(done) == []
    walk = a.SingleTest(a.WALKTHROUGH, "CHG-1042", "2026-06-30", "Walked through the ticket", result=P)
    assert a.single_test_problems(walk) == ["evidence: a pass needs the evidence inspected"]
