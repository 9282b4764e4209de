"""Attribute testing on a temporary engagement: steps, the matrix, rules gated by the extract record,
proposals and confirmation, derived item results, wording, rule runs over the population, single tests."""

from __future__ import annotations

import pytest
from sqlmodel import select

from fieldwork_tui.domain.attributes import AttributeSpec
from fieldwork_tui.domain.vocab import EngagementType, Frequency, Nature, SampleResult
from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.sampling import samples as sampling
from fieldwork_tui.services.sampling import testing as at

from .attribute_support import STEPS, sampled, with_extract

R = SampleResult


# -- steps ---------------------------------------------------------------------------------------------------
def test_steps_are_set_and_read_back_in_order(changes):
    view = at.set_steps(changes, "CM-01", "  Changes are   approved. ", STEPS)
    assert view.objective == "Changes are approved."
    assert [(a.letter, a.rule) for a in view.attributes] == [("A", "Approved <= Deployed"), ("B", "Approver != Author"),
                                                            ("C", "Tested = yes")]
    assert at.get_steps(changes, "CM-01").spec() == view.spec()


def test_a_rule_naming_a_missing_column_is_refused_with_its_position(changes):
    with pytest.raises(InvalidInput, match=r"CM-01: attribute A: rule position 13: no column 'Deploy'"):
        at.set_steps(changes, "CM-01", "", [AttributeSpec("A", "Approved before deployment", rule="Approved <= Deploy")])
    with pytest.raises(InvalidInput, match=r"attribute B: rule position 10: '!' must be followed by '='"):
        at.set_steps(changes, "CM-01", "", [STEPS[0], AttributeSpec("B", "x", rule="Approver ! Author")])


def test_steps_from_text_are_the_import_entry_point(changes):
    at.set_steps(changes, "CM-01", "", STEPS)
    view = at.set_steps_from_text(changes, "CM-01", "Objective: approved changes\nA — Approved in the ticket before the "
                                  "deploy date\nB — Approver is not the author\nC. Peer review recorded")
    assert view.objective == "approved changes"
    assert [(a.letter, a.description, bool(a.rule)) for a in view.attributes] == [
        ("A", "Approved in the ticket before the deploy date", True),  # unchanged: keeps its rule and wording
        ("B", "Approver is not the author", True),
        ("C", "Peer review recorded", False)]  # changed: the old rule no longer applies
    with pytest.raises(InvalidInput, match="line 2: letter A is already used on line 1"):
        at.set_steps_from_text(changes, "CM-01", "A. one\nA. two")


def test_removing_an_attribute_with_results_needs_drop_results(changes):
    m = sampled(changes)
    at.set_cell(changes, m.items[0].item_id, "C", "deviation")
    with pytest.raises(InvalidInput, match="attribute C holds test results"):
        at.set_steps(changes, "CM-01", "", STEPS[:2])
    at.set_steps(changes, "CM-01", "", STEPS[:2], drop_results=True)
    m = at.matrix(changes, "CM-01")
    assert m.steps.letters() == ["A", "B"] and m.items[0].result is R.untested


def test_the_library_gives_new_controls_sensible_steps(engagement):
    add_control(engagement, "CM-01", "Change management", description="Changes are approved before deployment.")
    add_control(engagement, "HR-03", "Terminations", description="Access of leavers is removed within a day.")
    add_control(engagement, "GV-01", "Board oversight", description="The board meets quarterly.")
    assert at.apply_library(engagement) == [("CM-01", "change-management"), ("HR-03", "termination")]
    steps = at.get_steps(engagement, "CM-01")
    assert steps.source == "library:change-management" and steps.letters() == ["A", "B", "C"]
    assert at.get_steps(engagement, "GV-01").attributes == ()
    assert at.apply_library(engagement) == []  # never overwrites steps already set


def test_a_firm_library_in_the_config_dir_overrides(engagement, tmp_path):
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    (config / "test_steps.toml").write_text('[[steps]]\nid = "change-management"\nmatch = ["change"]\n'
                                           'objective = "Firm objective"\n[[steps.attributes]]\n'
                                           'description = "CAB approval recorded"\n', encoding="utf-8")
    add_control(engagement, "CM-01", "Change management")
    at.apply_library(engagement)
    assert at.get_steps(engagement, "CM-01").objective == "Firm objective"
    (config / "test_steps.toml").write_text("[[steps]]\nid = 'Bad Id'\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"test_steps.toml: steps #1: 'id' must be"):
        at.library()


def test_library_rules_the_population_cannot_run_are_dropped(changes):
    view = at.steps_from_library(changes, "CM-01", "provisioning")  # its rules name Granted and User
    assert [a.rule for a in view.attributes] == ["", "", ""]
    view = at.steps_from_library(changes, "CM-01")
    assert view.source == "library:change-management"
    assert [a.rule for a in view.attributes] == ["Approved <= Deployed", "Approver != Author", "Tested = yes"]


# -- the matrix, cells and the derived item result -----------------------------------------------------------
def test_a_deviation_in_any_attribute_makes_the_item_a_deviation_counted_once(changes):
    m = sampled(changes)
    first, second = m.items[0].item_id, m.items[1].item_id
    at.set_cell(changes, first, "A", "deviation", note="deployed two days before approval")
    item = at.set_cell(changes, first, "B", "deviation")
    assert item.result is R.deviation
    for letter in "ABC":
        at.set_cell(changes, second, letter, "passed", seen_in_extract=True)
    m = at.matrix(changes, "CM-01")
    assert (m.counts.items, m.counts.tested, m.counts.deviations, m.counts.passed) == (25, 2, 1, 1)
    assert dict(m.counts.by_attribute) == {"A": 1, "B": 1, "C": 0}
    assert [w.text for w in m.wordings] == [
        "For 1 of 25 changes sampled, the change was deployed before it was approved.",
        "For 1 of 25 changes sampled, the change was approved by its own author."]
    view = sampling.sample_view(changes, "CM-01")  # the sampling area counts the derived result
    assert view.count(R.deviation) == 1 and view.count(R.passed) == 1


def test_a_pass_needs_evidence_or_seen_in_the_extract(changes, tmp_path):
    from fieldwork_tui.services.evidence.files import attach

    m = sampled(changes)
    item = m.items[0]
    with pytest.raises(InvalidInput, match=r"CM-01 CHG-\d+ · A: a pass needs an evidence reference"):
        at.set_cell(changes, item.item_id, "A", "pass")
    assert at.matrix(changes, "CM-01").items[0].cells[0].result is R.untested  # nothing written
    ticket = tmp_path / "ticket.pdf"
    ticket.write_bytes(b"%PDF ticket")
    evidence_id = attach(changes, "CM-01", [ticket])[0].evidence.id
    assert at.set_cell(changes, item.item_id, "A", "pass", evidence_id=evidence_id).cells[0].evidence_id == evidence_id
    assert at.set_cell(changes, item.item_id, "B", "pass", seen_in_extract=True).cells[1].seen_in_extract
    sampling.link_evidence(changes, item.item_id, evidence_id)  # the item's own evidence is a basis for every cell
    assert at.set_cell(changes, item.item_id, "C", "pass").result is R.passed


def test_p_on_an_item_passes_every_attribute_only_with_a_basis(changes):
    m = sampled(changes)
    item = m.items[2]
    with pytest.raises(InvalidInput, match=r"attributes A, B, C\)"):
        at.pass_row(changes, item.item_id)
    assert at.matrix(changes, "CM-01").items[2].result is R.untested
    done = at.pass_row(changes, item.item_id, seen_in_extract=True)
    assert done.result is R.passed and all(c.result is R.passed and not c.proposed for c in done.cells)


def test_evidence_of_another_control_is_refused(changes, tmp_path):
    from fieldwork_tui.services.evidence.files import attach

    add_control(changes, "AC-01", "Access")
    other = tmp_path / "other.txt"
    other.write_text("x")
    eid = attach(changes, "AC-01", [other])[0].evidence.id
    m = sampled(changes)
    with pytest.raises(InvalidInput, match=f"evidence #{eid} is not linked to CM-01"):
        at.set_cell(changes, m.items[0].item_id, "A", "pass", evidence_id=eid)


# -- rules: gated by the extract record, proposed, confirmed ------------------------------------------------------
def test_rules_wait_for_the_completeness_and_accuracy_record(changes):
    m = sampled(changes)
    assert not m.rules_offered
    assert m.ipe_gaps == ["the source system", "the query or parameters", "the client's count (reconciliation)"]
    with pytest.raises(InvalidInput, match="record the source system, the query or parameters and the client's count"):
        at.propose(changes, "CM-01")
    with_extract(changes, count=301)
    with pytest.raises(InvalidInput, match="the client stated 301, 300 rows were imported"):
        at.propose(changes, "CM-01")
    with_extract(changes)
    assert at.matrix(changes, "CM-01").rules_offered


def test_proposals_count_only_once_confirmed(changes):
    sampled(changes)
    with_extract(changes)
    summary = at.propose(changes, "CM-01")
    m = at.matrix(changes, "CM-01")
    late = [it for it in m.items if it.values["Approved"] > it.values["Deployed"]]  # half the population
    assert [it for it in m.items if it.cells[0].result is R.deviation] == late and 0 < len(late) < 25
    assert summary.proposed["A"] == (25 - len(late), len(late), 0)
    assert all(c.proposed for it in m.items for c in it.cells)
    assert m.counts.tested == 0 and m.counts.proposed == 75  # nothing counts as tested yet
    assert "Approved" in late[0].cells[0].reason and ">" in late[0].cells[0].reason
    assert at.confirm(changes, "CM-01", "A") == 25
    m = at.matrix(changes, "CM-01")
    assert m.counts.tested == len(late) and m.counts.deviations == len(late)  # B and C still proposed
    assert all(it.cells[0].seen_in_extract for it in m.items if it.cells[0].result is R.passed)
    assert at.confirm(changes, "CM-01") == 50
    m = at.matrix(changes, "CM-01")
    assert m.counts.tested == 25 and m.counts.proposed == 0


def test_a_second_proposal_run_never_touches_confirmed_cells(changes):
    m = sampled(changes)
    with_extract(changes)
    at.set_cell(changes, m.items[0].item_id, "A", "deviation", note="ticket shows a later approval")
    summary = at.propose(changes, "CM-01")
    assert summary.kept == 1
    cell = at.matrix(changes, "CM-01").items[0].cells[0]
    assert (cell.result, cell.proposed, cell.note) == (R.deviation, False, "ticket shows a later approval")


def test_pressing_pass_on_a_proposed_pass_confirms_it(changes):
    sampled(changes)
    with_extract(changes)
    at.propose(changes, "CM-01")
    item = next(it for it in at.matrix(changes, "CM-01").items if it.cells[1].result is R.passed)
    cell = at.set_cell(changes, item.item_id, "B", "pass").cells[1]
    assert (cell.result, cell.proposed, cell.seen_in_extract) == (R.passed, False, True)


def test_changing_a_rule_replaces_its_proposals(changes):
    m = sampled(changes)
    with_extract(changes)
    at.set_cell(changes, m.items[0].item_id, "C", "deviation")
    at.set_steps(changes, "CM-01", "", [STEPS[0], STEPS[1], AttributeSpec("C", "Tested", rule='Tested != "yes"')])
    m = at.matrix(changes, "CM-01")
    assert (m.items[0].cells[2].result, m.items[0].cells[2].proposed) == (R.deviation, False)  # a person's result
    assert all(it.cells[2].proposed and it.cells[2].result is R.deviation for it in m.items[1:])  # the new rule's
    assert all("!=" not in it.cells[2].reason and "'yes' = 'yes'" in it.cells[2].reason for it in m.items[1:])
    at.set_steps(changes, "CM-01", "", [STEPS[0], STEPS[1], AttributeSpec("C", "Tested")])  # rule removed
    m = at.matrix(changes, "CM-01")
    assert all(it.cells[2].result is R.untested and not it.cells[2].proposed for it in m.items[1:])
    assert all(it.cells[0].proposed for it in m.items[1:])


def test_a_rule_over_the_whole_population_is_a_reperformance(changes):
    from fieldwork_tui.services.evidence.reperformance import differences, get_reperformance

    sampled(changes)
    with pytest.raises(InvalidInput, match="record the source system"):
        at.run_over_population(changes, "CM-01")
    with_extract(changes)
    runs = at.run_over_population(changes, "CM-01", ["a", "B"])
    assert [(r.letter, r.rows, r.not_met) for r in runs] == [("A", 300, 150), ("B", 300, 2)]
    rp = get_reperformance(changes, runs[1].reperformance_id).reperformance
    assert (rp.count_a, rp.differing, rp.options["kind"]) == (300, 2, "attribute_rule")
    diffs = differences(changes, rp.id)
    assert sorted(d.key for d in diffs) == ["CHG-0005", "CHG-0050"]
    assert diffs[0].details["outcome"] == "not met" and "Approver 'ann' = Author 'ann'" in diffs[0].details["reason"]


def test_a_rule_runs_differences_need_a_disposition_like_a_comparisons(changes):
    """Regression: a rule run's differences were re-performance rows the dispositions did not know
    (no kind of their own, described as differing fields, worded "For 1 of 0 ... compared")."""
    from fieldwork_tui.domain.coverage import flags_for
    from fieldwork_tui.domain.vocab import Flag
    from fieldwork_tui.services.controls.catalog import get_control
    from fieldwork_tui.services.controls.facts import control_facts
    from fieldwork_tui.services.evidence import reperformance
    from fieldwork_tui.services.findings.exceptions import list_exceptions

    def flags():
        cid = get_control(changes, "CM-01").id
        with changes.read() as s:
            return flags_for(control_facts(s, cid)[cid])

    sampled(changes)
    with_extract(changes)
    assert Flag.unresolved_differences not in flags()
    [run] = at.run_over_population(changes, "CM-01", ["B"])
    rows = reperformance.list_differences(changes, "CM-01", open_only=True, kind="rule")
    assert [r.key for r in rows] == ["CHG-0005", "CHG-0050"] and all(r.open for r in rows)
    assert rows[0].description == "CHG-0005: attribute B not met — Approver 'ann' = Author 'ann'"
    assert reperformance.unresolved_count(changes, run.reperformance_id) == 2
    assert Flag.unresolved_differences in flags()  # the same flag as a comparison's open difference
    reperformance.resolve_differences(changes, "CM-01", [rows[0].id], "not-deviation",
                                      "Emergency change; approved by the CAB chair the next morning")
    assert Flag.unresolved_differences in flags()
    [row] = reperformance.resolve_differences(changes, "CM-01", [rows[1].id], "exception")
    assert row.disposition == "exception" and row.exception_id
    assert Flag.unresolved_differences not in flags()
    [ex] = [e for e in list_exceptions(changes, control="CM-01") if e.id == row.exception_id]
    assert ex.source == "reperformance" and ex.instance == "CHG-0050"
    assert ex.report_wording == "For 1 of 300 changes tested, the change was approved by its own author."
    assert "CHG-0050" not in ex.report_wording and "ann" not in ex.report_wording


def test_an_undecided_row_is_worded_as_not_shown_by_the_extract():
    from fieldwork_tui.domain.compare import deviation_clause

    spec = STEPS[0]
    assert spec.rule_difference_clause(False) == "the change was deployed before it was approved"
    assert spec.rule_difference_clause(None) == ("the population extract did not show whether attribute A "
                                                 "(approved in the ticket before the deploy date) was met")
    assert deviation_clause("rule", {"attribute": "A", "deviation": spec.rule_difference_clause(None)}) == \
        spec.rule_difference_clause(None)


# -- Type I and automated ------------------------------------------------------------------------------------------
def test_type_one_engagements_walk_through_one_instance(home):
    from fieldwork_tui.services.engagements import create_engagement

    handle = create_engagement(home, "Acme Type I", type=1, period="2026-01-01..2026-12-31")
    try:
        add_control(handle, "CM-01", "Change management")
        view = at.single_test(handle, "CM-01")
        assert view.approach.kind == "walkthrough" and view.test is None
        with pytest.raises(InvalidInput, match="description: what was done and seen"):
            at.record_single_test(handle, "CM-01", instance="CHG-1042", performed_on="2026-12-31", description="",
                                  result="untested")
        view = at.record_single_test(handle, "CM-01", instance="CHG-1042", performed_on="2026-12-31",
                                     description="Walked through the ticket, the approval and the deploy log",
                                     result="untested")
        assert view.test.kind == "walkthrough" and view.problems == ()
        assert handle.engagement().type is EngagementType.type1
    finally:
        handle.close()


def test_an_automated_control_is_a_test_of_one_with_its_itgc_reliance(changes):
    add_control(changes, "IT-07", "Database backups", frequency=Frequency.continuous, nature=Nature.automated)
    with pytest.raises(InvalidInput, match="configuration: the configuration inspected"):
        at.record_single_test(changes, "IT-07", instance="RDS production", performed_on="2026-11-02",
                              description="Inspected the backup settings", result="untested")
    with pytest.raises(InvalidInput, match="ITGC reliance: control 'XX-99' is not in this engagement"):
        at.record_single_test(changes, "IT-07", instance="RDS production", performed_on="2026-11-02",
                              description="Inspected", configuration="retention 35 days", itgc_refs=["XX-99"],
                              itgc_basis="tested", result="untested")
    view = at.record_single_test(changes, "IT-07", instance="RDS production", performed_on="2026-11-02",
                                 description="Inspected the parameter group", configuration="backup_retention=35",
                                 itgc_refs=["cm-01"], itgc_basis="CM-01 tested without exception", result="untested")
    assert view.test.kind == "test_of_one" and view.test.itgc_refs == ("CM-01",)
    with pytest.raises(InvalidInput, match="Type II: a sample"):
        at.record_single_test(changes, "CM-01", instance="x", performed_on="2026-01-01", description="x", result="untested")


# -- the migration ------------------------------------------------------------------------------------------------
def test_existing_single_results_migrate_to_one_attribute_overall(changes):
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from fieldwork_tui.services.findings.exceptions import create_exception
    from fieldwork_tui.store.db import alembic_config
    from fieldwork_tui.store.models import AttributeResult, ControlException, TestAttribute

    items = sampling.take_sample(changes, "CM-01").items
    cfg = alembic_config(changes.engine)
    before = ScriptDirectory.from_config(cfg).get_revision("attribute_testing").down_revision
    with changes.engine.begin() as conn:  # a database of the version before attributes: one result per item
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, before)
        conn.execute(text("UPDATE sampleitem SET result = 'deviation', note = 'late approval' WHERE id = :i"),
                     {"i": items[0].id})
        conn.execute(text("UPDATE sampleitem SET result = 'passed' WHERE id = :i"), {"i": items[1].id})
        conn.execute(text("INSERT INTO controlexception (control_id, source, sample_item_id, instance, "
                          "planned_control, deviation, exception_type, effectiveness, report_wording, created_by, "
                          "created_at) VALUES (1, 'sample', :i, 'x', 'p', 'd', 'execution', 'operating', '', '', "
                          "'2026-01-01 00:00:00')"), {"i": items[0].id})
    with changes.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with changes.read() as s:
        attrs = list(s.exec(select(TestAttribute)))
        assert [(a.letter, a.description) for a in attrs] == [("A", "Overall")]
        cells = {c.item_id: c.result for c in s.exec(select(AttributeResult))}
        exception = s.exec(select(ControlException)).one()
    assert cells[items[0].id] is R.deviation and cells[items[1].id] is R.passed and len(cells) == 25
    assert exception.attribute_id == attrs[0].id  # the old exception belongs to Overall
    m = at.matrix(changes, "CM-01")
    assert [it.result for it in m.items] == [it.result for it in sampling.sample_view(changes, "CM-01").items]
    assert m.counts.deviations == 1 and m.counts.passed == 1
    with pytest.raises(InvalidInput, match="already recorded"):
        create_exception(changes, "CM-01", instance="x", deviation="d", source="sample", sample_item_id=items[0].id)


# -- the firm library on a control-matrix import ---------------------------------------------------------------------
def test_new_controls_of_an_imported_matrix_take_the_library_steps_in_the_same_transaction(engagement, tmp_path):
    from fieldwork_tui.services.controls.catalog import import_controls

    matrix = tmp_path / "controls.csv"
    matrix.write_text("Control ID,Control Activity,TSC,Frequency\n"
                      "CM-01,Changes are approved before deployment,CC8.1,Multiple times per day\n"
                      "ZZ-01,The board meets quarterly,CC1.2,Quarterly\n", encoding="utf-8")
    result = import_controls(engagement, matrix)
    assert result.library_steps == 1 and "1 took the firm library's test steps" in result.describe()
    steps = at.get_steps(engagement, "CM-01")
    assert steps.source == "library:change-management" and [a.letter for a in steps.attributes] == ["A", "B", "C"]
    assert at.get_steps(engagement, "ZZ-01").attributes == ()  # nothing in the library fits
    at.set_steps(engagement, "CM-01", "Our own objective", [AttributeSpec("A", "Approved first")])
    again = import_controls(engagement, matrix)  # a re-import updates the controls, never their steps
    assert again.library_steps == 0 and at.get_steps(engagement, "CM-01").objective == "Our own objective"


def test_a_broken_firm_library_refuses_the_import_before_anything_is_written(engagement, tmp_path):
    from fieldwork_tui.services.controls.catalog import import_controls
    from fieldwork_tui.services.controls.status import control_rows
    from fieldwork_tui.store import paths

    paths.config_dir().mkdir(parents=True, exist_ok=True)
    (paths.config_dir() / at.CONFIG_FILE).write_text("[[entry]\nid = ", encoding="utf-8")
    matrix = tmp_path / "controls.csv"
    matrix.write_text("Control ID,Control Activity,TSC,Frequency\nCM-01,Changes are approved,CC8.1,Daily\n",
                      encoding="utf-8")
    with pytest.raises(InvalidInput, match="test_steps.toml"):
        import_controls(engagement, matrix)
    assert control_rows(engagement) == []


def test_a_passed_test_of_one_tests_an_automated_controls_operation(changes, tmp_path):
    """Regression: a complete, passed test of one (its ITGCs and their basis recorded with it) left the
    automated control flagged "operation across the period untested" unless the control matrix had an
    ITGC basis column too."""
    from fieldwork_tui.domain.vocab import Flag
    from fieldwork_tui.services.controls.status import control_rows
    from fieldwork_tui.services.evidence import attach

    def flags() -> list:
        return next(r for r in control_rows(changes) if r.ref == "IT-07").flags

    add_control(changes, "IT-07", "Database backups", frequency=Frequency.continuous, nature=Nature.automated)
    assert Flag.operating_effectiveness_untested in flags()
    settings = tmp_path / "rds-parameter-group.json"
    settings.write_text('{"backup_retention_period": 35}')
    (attached,) = attach(changes, "IT-07", [settings], as_of="2026-11-02", description="RDS parameter group")
    at.record_single_test(changes, "IT-07", instance="RDS production", performed_on="2026-11-02",
                          description="Inspected the parameter group", configuration="backup_retention=35",
                          itgc_refs=["CM-01"], itgc_basis="CM-01 tested without exception",
                          evidence_ids=[attached.evidence.id], result="passed")
    assert Flag.operating_effectiveness_untested not in flags()
