"""Sampling method v2 on a temporary engagement (period 2026, today 2026-11-20): strata span the audit
period and empty ones are reported, rows outside the period or after the selection day are never
drawn (passed over, recorded), items that cannot be tested cannot be passed and are replaced in rank
order, and a sample drawn with v1 by an older version still re-derives (issue 21, issue 12 item 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from fieldwork_tui.domain import selection as sel
from fieldwork_tui.domain.vocab import Frequency, SampleKind, SampleResult
from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.engagements import create_engagement
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.sampling import populations
from fieldwork_tui.services.sampling import samples as sampling
from fieldwork_tui.store.models import Population, Sample, SampleItem

D = dt.date
PERIOD = (D(2026, 1, 1), D(2026, 12, 31))
TODAY = D(2026, 11, 20)


def write(path, days):
    lines = ["Change ID,Deployed,Title"] + [f"CHG-{i:05d},{d.isoformat()},change {i}" for i, d in enumerate(days)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def spread(n, first=PERIOD[0], last=D(2026, 11, 15)):
    span = (last - first).days
    return [first + dt.timedelta(days=i * span // (n - 1)) for i in range(n)]


def new_engagement(home):
    """A 2026 engagement with a known uid, so every seed (and so every selection) here is fixed."""
    handle = create_engagement(home, "Method v2", period="2026-01-01..2026-12-31", uid="eng-method-v2")
    add_control(handle, "CM-01", "Changes approved", description="Every change is approved.",
                frequency=Frequency.multiple_daily)
    return handle


@pytest.fixture
def eng(home):
    handle = new_engagement(home)
    yield handle
    handle.close()


def test_a_new_sample_records_every_input_of_the_method(eng, tmp_path):
    populations.import_population(eng, "CM-01", write(tmp_path / "c.csv", spread(400)), key="Change ID",
                                  date="Deployed")
    view = sampling.take_sample(eng, "CM-01")
    s = view.initial
    assert s.method == sel.METHOD_STRATIFIED_V2 and s.draw_size == 25 and s.size == 25
    assert (s.strata_start, s.strata_end, s.selected_on) == (*PERIOD, TODAY)
    assert view.engagement_uid == eng.engagement().uid and s.seed == sel.derive_seed(
        view.engagement_uid, "CM-01", s.population_sha256)
    assert [(x.start, x.end) for x in view.strata[s.id]] == sel.period_months(*PERIOD)
    assert sum(x.selected for x in view.strata[s.id]) == 25
    assert sampling.verify_sample(eng, "CM-01").ok


def test_strata_span_the_audit_period_and_an_empty_quarter_is_reported(eng, tmp_path):
    populations.import_population(eng, "CM-01", write(tmp_path / "c.csv", spread(300, last=D(2026, 9, 30))),
                                  key="Change ID", date="Deployed")
    view = sampling.take_sample(eng, "CM-01")
    strata = view.strata[view.initial.id]
    assert [x.number for x in strata if x.empty] == [10, 11, 12]
    assert all(x.selected == 0 for x in strata if x.empty) and view.size == 25
    assert all(i.occurred_on <= D(2026, 9, 30) for i in view.items)


def test_rows_outside_the_period_are_counted_never_drawn_and_explained(eng, tmp_path):
    days = spread(200) + [D(2025, 12, 30), D(2025, 12, 31), D(2027, 1, 3)]
    result = populations.import_population(eng, "CM-01", write(tmp_path / "c.csv", days), key="Change ID",
                                           date="Deployed", expected_count=203)
    assert result.outside_period == 3
    assert "3 rows dated outside the audit period (2026-01-01 to 2026-12-31)" in result.describe()
    view = sampling.take_sample(eng, "CM-01")
    assert all(PERIOD[0] <= i.occurred_on <= PERIOD[1] for i in view.items)
    assert view.reconciliation[0] == "203 rows; the client stated the same count: reconciled"
    assert view.reconciliation[1].startswith("3 rows dated outside the audit period (2026-01-01 to 2026-12-31): "
                                             "not eligible for the sample")


def test_rows_after_the_selection_day_are_passed_over_and_recorded(eng, tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDWORK_TODAY", "2026-01-13")  # drawn early: most of January has not happened
    populations.import_population(eng, "CM-01", write(tmp_path / "c.csv", spread(412)), key="Change ID",
                                  date="Deployed")
    view = sampling.take_sample(eng, "CM-01")
    assert view.initial.selected_on == D(2026, 1, 13)
    assert all(i.occurred_on <= D(2026, 1, 13) for i in view.items)
    assert view.passed_over and all(p.code == sel.AFTER_SELECTION for p in view.passed_over)
    assert view.initial.after_selection == sum(1 for d in spread(412) if d > D(2026, 1, 13))
    gone = view.passed_over[0]
    assert f"{gone.key} ({gone.reason}) was passed over; replaced by {gone.replaced_by}" in " ".join(
        view.reconciliation)
    assert sampling.verify_sample(eng, "CM-01").ok


def test_expansion_excludes_what_the_sample_passed_over(eng, tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDWORK_TODAY", "2026-02-10")
    populations.import_population(eng, "CM-01", write(tmp_path / "c.csv", spread(412)), key="Change ID",
                                  date="Deployed")
    view = sampling.take_sample(eng, "CM-01")
    sampling.mark(eng, view.items[0].id, SampleResult.deviation)
    monkeypatch.setenv("FIELDWORK_TODAY", "2026-03-01")
    view = sampling.expand(eng, "CM-01")
    passed = {p.key for p in view.passed_over}
    assert not passed & {i.key for i in view.items}
    assert view.expansions[0].selected_on == D(2026, 3, 1) and view.expansions[0].draw_size == 15
    report = sampling.verify_sample(eng, "CM-01")
    assert report.ok, report.problems


# -- a sample an older version drew with v1 ------------------------------------------------------------
def _v1_sample(handle, size=12):
    """Insert a v1 sample exactly as the previous version stored it (strata over the population's own
    dates, no record of the method's inputs beyond seed and method)."""
    with handle.session() as s:
        pop = s.exec(select(Population)).one()
        rows = [(r, r.key, r.occurred_on) for r in s.exec(select(populations.PopulationRow)
                                                          .where(populations.PopulationRow.population_id == pop.id))]
        bounds = (min(d for _r, _k, d in rows), max(d for _r, _k, d in rows))
        seed = sel.derive_seed(handle.engagement().uid, "CM-01", pop.sha256)
        keys = sel.select_keys([(k, d) for _r, k, d in rows], size, seed, period=bounds)
        sample = Sample(control_id=pop.control_id, population_id=pop.id, kind=SampleKind.initial,
                        method=sel.METHOD_STRATIFIED_V1, seed=seed, size=len(keys), policy_preset="guide",
                        policy_size=size, population_sha256=pop.sha256, created_by="elena",
                        draw_size=len(keys), strata_start=bounds[0], strata_end=bounds[1])
        s.add(sample)
        s.flush()
        by_key = {k: r for r, k, _d in rows}
        for n, k in enumerate(keys, 1):
            s.add(SampleItem(sample_id=sample.id, population_row_id=by_key[k].id, position=n, key=k,
                             occurred_on=by_key[k].occurred_on))
    return keys


def with_v1_sample(handle, tmp_path) -> list[str]:
    """A v1 sample over a population that runs into 2027 (v1 clamped those rows into its last stratum)."""
    days = [PERIOD[0] + dt.timedelta(days=i * 400 // 100) for i in range(100)]
    populations.import_population(handle, "CM-01", write(tmp_path / "c.csv", days), key="Change ID",
                                  date="Deployed", expected_count=100)
    return _v1_sample(handle)


def untestable_engagement(home, tmp_path):
    """The engagement of these tests holding that v1 sample (3 items cannot be tested): for the TUI tests."""
    handle = new_engagement(home)
    with_v1_sample(handle, tmp_path)
    return handle


@pytest.fixture
def v1(eng, tmp_path):
    keys = with_v1_sample(eng, tmp_path)
    view = sampling.sample_view(eng, "CM-01")
    assert [i.key for i in view.items] == keys
    return view


def test_an_existing_v1_sample_verifies(eng, v1):
    report = sampling.verify_sample(eng, "CM-01")
    assert report.ok, report.problems
    assert any("sha256-rank-stratified-v1" in line and "same items re-derived" in line for line in report.checks)
    with eng.session() as s:  # and a changed item is caught
        item = s.get(SampleItem, v1.items[0].id)
        item.key = "CHG-00099"
    assert not sampling.verify_sample(eng, "CM-01").ok


def test_an_item_outside_the_period_or_after_today_cannot_be_passed(eng, v1):
    outside = [i for i in v1.items if i.occurred_on > PERIOD[1]]
    late = [i for i in v1.items if TODAY < i.occurred_on <= PERIOD[1]]
    assert outside and late and set(v1.untestable) == {i.id for i in outside + late}
    for result in (SampleResult.passed, SampleResult.deviation, SampleResult.not_applicable):
        with pytest.raises(InvalidInput, match=rf"{outside[0].key} cannot be tested: dated .*outside the audit "
                                               r"period 2026-01-01 to 2026-12-31; replace it .*--replace-untestable"):
            sampling.mark(eng, outside[0].id, result)
    inside = next(i for i in v1.items if i.id not in v1.untestable and i.occurred_on <= TODAY)
    sampling.mark(eng, inside.id, SampleResult.passed, seen_in_extract=True)  # a pass needs its basis
    with pytest.raises(InvalidInput, match=r"after today \(2026-11-20\)"):
        sampling.mark(eng, late[0].id, SampleResult.passed)


def test_untestable_items_are_replaced_in_rank_order_and_the_sample_still_verifies(eng, v1):
    before = [i.key for i in v1.items]
    view = sampling.replace_untestable(eng, "CM-01")
    # CHG-00082 (after today) has a testable row below it in its stratum; the 2026-12-23 and 2027 items do not
    assert [(r.key, r.replaced_by) for r in view.replaced] == [("CHG-00082", "CHG-00078"), ("CHG-00089", None),
                                                              ("CHG-00096", None)]
    assert view.size == 10 and view.initial.size == 10
    assert not view.untestable
    gone = {r.key for r in view.replaced}
    assert gone == {before[pos] for pos, i in enumerate(v1.items) if i.id in v1.untestable}
    for r in view.replaced:
        assert r.on == TODAY and r.code in (sel.OUTSIDE_PERIOD, sel.AFTER_TODAY) and r.reason.startswith("dated ")
    pos = before.index("CHG-00082")  # the replacement takes the removed item's number
    assert next(i for i in view.items if i.key == "CHG-00078").position == pos + 1
    assert all(PERIOD[0] <= i.occurred_on <= TODAY for i in view.items)
    assert any("removed on 2026-11-20" in line for line in view.reconciliation)
    report = sampling.verify_sample(eng, "CM-01")
    assert report.ok, report.problems
    with pytest.raises(InvalidInput, match="nothing to replace"):
        sampling.replace_untestable(eng, "CM-01")


def test_the_same_replacement_every_time(eng, v1, tmp_path):
    first = [i.key for i in sampling.replace_untestable(eng, "CM-01").items]
    with eng.session() as s:  # undo: put the v1 items back, forget the replacements
        for item in s.exec(select(SampleItem)):
            s.delete(item)
        for sample in s.exec(select(Sample)):
            s.delete(sample)
    _v1_sample(eng)
    assert [i.key for i in sampling.replace_untestable(eng, "CM-01").items] == first


def test_sample_json_lists_the_inputs(eng, tmp_path):
    populations.import_population(eng, "CM-01", write(tmp_path / "c.csv", spread(400)), key="Change ID",
                                  date="Deployed")
    doc = sampling.sample_json(sampling.take_sample(eng, "CM-01"))
    assert doc["engagement_uid"] == eng.engagement().uid
    assert doc["population"]["date_column"] == "Deployed"
    (only,) = doc["draws"]
    assert only["method"] == sel.METHOD_STRATIFIED_V2 and only["strata_period"] == ["2026-01-01", "2026-12-31"]
    assert only["selected_on"] == "2026-11-20" and len(only["strata"]) == 12 and only["size"] == 25


# -- CLI ----------------------------------------------------------------------------------------------
def run(*args):
    from typer.testing import CliRunner

    from fieldwork_tui.cli import app

    return CliRunner().invoke(app, list(args))


def test_cli_prints_the_inputs_and_the_reconciliation(eng, tmp_path):
    path = write(tmp_path / "c.csv", spread(300, last=D(2026, 9, 30)) + [D(2027, 1, 5)])
    r = run("import", "population", eng.slug, "CM-01", str(path), "--key", "Change ID", "--date", "Deployed")
    assert r.exit_code == 0, r.output
    assert "1 row dated outside the audit period (2026-01-01 to 2026-12-31)" in r.output
    r = run("sample", eng.slug, "CM-01")
    assert r.exit_code == 0, r.output
    assert "engagement uid eng-method-v2\nmethod sha256-rank-stratified-v2\nseed " in r.output
    assert "strata span 2026-01-01 to 2026-12-31, drawn on 2026-11-20" in r.output
    assert ("strata with no population rows: 10 (2026-10-01 to 2026-10-31), 11 (2026-11-01 to 2026-11-30), "
            "12 (2026-12-01 to 2026-12-31)") in r.output
    assert "reconciliation: 1 row dated outside the audit period" in r.output


def test_cli_refuses_to_pass_an_untestable_item_and_replaces_it(eng, v1):
    from fieldwork_tui.services.sampling import mark

    item = next(i for i in v1.items if i.id in v1.untestable)
    with pytest.raises(InvalidInput):
        mark(eng, item.id, "passed")
    r = run("sample", eng.slug, "CM-01")
    assert r.exit_code == 0 and f"{item.key}\t{item.occurred_on.isoformat()}\tuntested\tcannot be tested: dated" in r.output
    r = run("sample", eng.slug, "CM-01", "--replace-untestable", "--json")
    assert r.exit_code == 0, r.output
    import json

    doc = json.loads(r.output)
    assert [x["key"] for x in doc["draws"][0]["replaced"]] == ["CHG-00082", "CHG-00089", "CHG-00096"]
    assert not [i for i in doc["items"] if i["cannot_be_tested"]]
    r = run("sample", eng.slug, "CM-01", "--replace-untestable")
    assert r.exit_code == 1 and r.output.count("\n") == 1 and "nothing to replace" in r.output
    r = run("sample", eng.slug, "CM-01", "--verify")
    assert r.exit_code == 0 and "verified" in r.output


def test_no_attribute_result_on_an_untestable_item_and_a_replacement_drops_its_cells(eng, v1):
    """Attribute testing meets method v2: every way of writing a result (a cell, a row, the whole item)
    refuses an item that cannot be tested, and replacing it removes its cells (recorded with the entry)."""
    from fieldwork_tui.domain.attributes import AttributeSpec
    from fieldwork_tui.services.sampling import testing
    from fieldwork_tui.store.models import AttributeResult, TestAttribute

    testing.set_steps(eng, "CM-01", "", [AttributeSpec("A", "Approved before deployment"),
                                         AttributeSpec("B", "Reviewed by another person")])
    bad = next(i for i in v1.items if i.id in v1.untestable)
    good = next(i for i in v1.items if i.id not in v1.untestable and i.occurred_on <= TODAY)
    for write in (lambda: testing.set_cell(eng, bad.id, "A", "n/a"),
                  lambda: testing.pass_row(eng, bad.id, seen_in_extract=True),
                  lambda: testing.mark_item(eng, bad.id, "n/a")):
        with pytest.raises(InvalidInput, match=rf"{bad.key} cannot be tested: .*--replace-untestable"):
            write()
    assert testing.set_cell(eng, good.id, "A", "n/a").cells[0].result is SampleResult.not_applicable
    with eng.session() as s:  # a cell written before the item could be seen to be untestable
        attr = s.exec(select(TestAttribute).where(TestAttribute.letter == "A")).one()
        s.add(AttributeResult(item_id=bad.id, attribute_id=attr.id, result=SampleResult.not_applicable))
    sampling.replace_untestable(eng, "CM-01")
    with eng.read() as s:
        assert not s.exec(select(AttributeResult).where(AttributeResult.item_id == bad.id)).all()
        entries = [e for smp in s.exec(select(Sample)) for e in (smp.replaced or [])]
    assert next(e for e in entries if e["key"] == bad.key)["previous_cells"] == {"A": "not_applicable"}
    assert sampling.verify_sample(eng, "CM-01").ok
