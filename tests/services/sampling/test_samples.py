"""Sampling on a temporary engagement: policy, selection, testing items, expansion, conclusion, verify."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from fieldwork_tui.domain.vocab import DeviationConclusion, Flag, Frequency, SampleResult
from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.controls.facts import control_flags, sample_summaries
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.sampling import populations
from fieldwork_tui.services.sampling import samples as sampling


def write_pop(path, n, dated=True):
    lines = ["Change ID,Deployed,Title" if dated else "Change ID,Title"]
    for i in range(n):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=i * 365 // n)
        lines.append(f"CHG-{i:05d},{day.isoformat()},change {i}" if dated else f"CHG-{i:05d},change {i}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def eng(engagement, tmp_path):
    add_control(engagement, "CM-01", "Changes approved", description="Every change is approved.",
                frequency=Frequency.multiple_daily)
    add_control(engagement, "CE-02", "Board oversight", description="The board meets quarterly.",
                frequency=Frequency.quarterly)
    populations.import_population(engagement, "CM-01", write_pop(tmp_path / "c.csv", 400), key="Change ID",
                                  date="Deployed", expected_count=400)
    return engagement


def flags(handle, ref="CM-01"):
    from fieldwork_tui.services.controls.catalog import get_control

    cid = get_control(handle, ref).id
    with handle.read() as s:
        return control_flags(s)[cid]


def test_plan_shows_size_probabilities_and_label(eng):
    p = sampling.plan(eng, "CM-01")
    assert (p.size, p.decision.label, p.expansion_total) == (25, "statistical", 40)
    assert round(p.detection()[0.05], 2) == 0.72 and "72%" in p.describe()
    q = sampling.plan(eng, "CE-02")
    assert q.decision.label == "judgmental" and q.cannot_sample_away and q.population is None


def test_take_sample_records_everything(eng):
    view = sampling.take_sample(eng, "CM-01")
    s = view.initial
    assert (s.size, s.policy_preset, s.policy_size, s.method) == (25, "guide", 25, "sha256-rank-stratified-v1")
    pop = populations.population_for(eng, "CM-01")
    assert s.population_sha256 == pop.sha256 and len(s.seed) == 64
    assert [i.position for i in view.items] == list(range(1, 26))
    assert view.items[0].attributes["Title"].startswith("change ")
    assert Flag.untested_sample_items in flags(eng)
    # asking again returns the same sample; a different size is refused
    assert [i.key for i in sampling.take_sample(eng, "CM-01").items] == [i.key for i in view.items]
    with pytest.raises(InvalidInput, match="already drawn"):
        sampling.take_sample(eng, "CM-01", 30, "more")


def test_override_needs_reason_and_flags_below_policy(eng):
    with pytest.raises(InvalidInput, match="--reason: a size of 10 instead of the policy's 25 needs a reason"):
        sampling.take_sample(eng, "CM-01", 10)
    view = sampling.take_sample(eng, "CM-01", 10, "low risk, reviewer agreed")
    assert view.initial.override_reason == "low risk, reviewer agreed"
    assert Flag.sample_below_policy not in flags(eng)
    with eng.session() as s:  # a below-policy sample without its reason is flagged
        s.connection().execute(text("UPDATE sample SET override_reason = ''"))
    assert Flag.sample_below_policy in flags(eng)


def test_sample_without_population_or_with_empty_one(eng, tmp_path):
    with pytest.raises(InvalidInput, match="CE-02: no population imported yet"):
        sampling.take_sample(eng, "CE-02")
    empty = tmp_path / "none.csv"
    empty.write_text("Board meeting\n", encoding="utf-8")
    populations.import_population(eng, "CE-02", empty, expected_count=0)
    with pytest.raises(InvalidInput, match="no occurrences in the period"):
        sampling.take_sample(eng, "CE-02")


def test_small_population_is_tested_in_full(engagement, tmp_path):
    add_control(engagement, "AC-03", "Terminations", frequency=Frequency.as_needed)
    populations.import_population(engagement, "AC-03", write_pop(tmp_path / "t.csv", 9, dated=False))
    view = sampling.take_sample(engagement, "AC-03")
    assert view.size == 9 and view.plan.decision.label == "test all" and view.initial.method == "sha256-rank-v1"


def test_deviation_expansion_conclusion_flow(eng):
    view = sampling.take_sample(eng, "CM-01")
    for item in view.items:
        sampling.mark(eng, item.id, SampleResult.passed)
    assert not {Flag.untested_sample_items, Flag.deviation_without_expansion} & set(flags(eng))
    sampling.mark(eng, view.items[3].id, SampleResult.deviation, "no approval")
    assert Flag.deviation_without_expansion in flags(eng)
    view = sampling.expand(eng, "CM-01")
    assert view.size == 40 and len(view.expansions) == 1 and view.expansions[0].policy_size == 40
    assert not {i.key for i in view.items[:25]} & {i.key for i in view.items[25:]}
    assert Flag.deviation_without_expansion not in flags(eng)
    assert view.rule.conclusion is None  # 15 expansion items still to test
    with pytest.raises(InvalidInput, match="15 expansion items still to test"):
        sampling.conclude_deviations(eng, "CM-01")
    for item in view.items[25:]:
        sampling.mark(eng, item.id, SampleResult.passed)
    view = sampling.conclude_deviations(eng, "CM-01")
    assert view.initial.conclusion is DeviationConclusion.isolated
    with eng.read() as s:
        summary = next(iter(sample_summaries(s).values()))
    assert summary.to_json() | {"seed": "", "population_sha256": ""} == {
        "population_rows": 400, "size": 40, "seed": "", "population_sha256": "", "tested": 40, "deviations": 1,
        "expanded": True, "conclusion": "isolated"}
    with pytest.raises(InvalidInput, match="already expanded"):
        sampling.expand(eng, "CM-01")


def test_conclusion_against_the_rule_needs_reason(eng):
    view = sampling.take_sample(eng, "CM-01")
    sampling.mark(eng, view.items[0].id, SampleResult.deviation)
    with pytest.raises(InvalidInput, match="reason: concluding isolated when the rule says systematic"):
        sampling.conclude_deviations(eng, "CM-01", "isolated")
    view = sampling.conclude_deviations(eng, "CM-01", "isolated", "one-off: root cause fixed the same day")
    assert view.initial.conclusion_reason.startswith("one-off")
    assert Flag.deviation_without_expansion not in flags(eng)


def test_no_expansion_without_deviation_or_for_low_frequency(eng, tmp_path):
    sampling.take_sample(eng, "CM-01")
    with pytest.raises(InvalidInput, match="no deviation found"):
        sampling.expand(eng, "CM-01")
    lines = ["Quarter,Meeting"] + [f"Q{i},2026-0{3 * i}-15" for i in range(1, 4)] + ["Q4,2026-12-15"]
    (tmp_path / "q.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    populations.import_population(eng, "CE-02", tmp_path / "q.csv", date="Meeting")
    view = sampling.take_sample(eng, "CE-02")
    assert view.size == 2
    sampling.mark(eng, view.items[0].id, "deviation")
    with pytest.raises(InvalidInput, match="cannot be sampled away"):
        sampling.expand(eng, "CE-02")
    assert sampling.sample_view(eng, "CE-02").rule.conclusion is DeviationConclusion.systematic


def test_expansion_size_override(eng):
    view = sampling.take_sample(eng, "CM-01")
    sampling.mark(eng, view.items[0].id, "deviation")
    with pytest.raises(InvalidInput, match="expanded total of 60 instead of the policy's 40 needs a reason"):
        sampling.expand(eng, "CM-01", 60)
    assert sampling.expand(eng, "CM-01", 60, "key control").size == 60


def test_mark_validates(eng):
    view = sampling.take_sample(eng, "CM-01")
    with pytest.raises(InvalidInput, match="result 'maybe'"):
        sampling.mark(eng, view.items[0].id, "maybe")
    item = sampling.mark(eng, view.items[0].id, "not_applicable", "cancelled change")
    assert (item.result, item.note, item.tested_by) == (SampleResult.not_applicable, "cancelled change", "elena")
    assert sampling.set_note(eng, item.id, "  reverted ").note == "reverted"
    with pytest.raises(Exception, match="evidence file #99 not found"):
        sampling.link_evidence(eng, item.id, 99)


def test_verify_detects_any_tampering(eng):
    view = sampling.take_sample(eng, "CM-01")
    report = sampling.verify_sample(eng, "CM-01")
    assert report.ok and any("same items re-derived" in c for c in report.checks)
    with eng.session() as s:
        s.connection().execute(text("UPDATE sampleitem SET key = 'CHG-99999' WHERE id = :i"), {"i": view.items[0].id})
    report = sampling.verify_sample(eng, "CM-01")
    assert not report.ok and "selection differs" in report.problems[0]


def test_verify_detects_population_change(eng):
    sampling.take_sample(eng, "CM-01")
    with eng.session() as s:
        s.connection().execute(text("UPDATE populationrow SET data = '[\"x\"]' WHERE row_number = 7"))
    report = sampling.verify_sample(eng, "CM-01")
    assert any("population SHA-256 is" in p for p in report.problems)


def test_firm_preset_from_config(eng, tmp_path, monkeypatch):
    cfg = tmp_path / "config"
    cfg.mkdir(exist_ok=True)
    (cfg / "sampling.toml").write_text("[presets.firm]\nmultiple_daily = 30\n", encoding="utf-8")
    sampling.set_preset(eng, "firm")
    assert eng.engagement().sampling_preset == "firm"
    assert sampling.plan(eng, "CM-01").size == 30
    assert sampling.take_sample(eng, "CM-01").initial.policy_preset == "firm"
    with pytest.raises(InvalidInput, match="sampling preset 'nope'"):
        sampling.set_preset(eng, "nope")
    (cfg / "sampling.toml").write_text("[presets.firm]\nmultiple_daily = -3\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="sampling.toml: preset 'firm', multiple_daily"):
        sampling.plan(eng, "CM-01")


def test_common_practice_preset(eng):
    sampling.set_preset(eng, "common-practice")
    assert sampling.plan(eng, "CM-01").size == 40


# -- CLI ----------------------------------------------------------------------------------------------
def run(*args):
    from fieldwork_tui.cli import app

    return CliRunner().invoke(app, list(args))


def test_cli_import_sample_verify(engagement, tmp_path):
    add_control(engagement, "CM-01", "Changes approved", frequency=Frequency.multiple_daily)
    path = write_pop(tmp_path / "changes.csv", 10_000)
    r = run("import", "population", engagement.slug, "CM-01", str(path), "--key", "Change ID", "--date", "Deployed",
            "--expected-count", "10000")
    assert r.exit_code == 0, r.output
    assert "10000 rows imported for CM-01" in r.output and "count reconciled" in r.output
    r = run("sample", engagement.slug, "CM-01", "--json")
    data = json.loads(r.output)
    assert data["size"] == 25 and len(data["items"]) == 25 and all("key" in i for i in data["items"])
    assert data["population_sha256"] == populations.population_for(engagement, "CM-01").sha256
    assert len(data["seed"]) == 64
    r = run("sample", engagement.slug, "CM-01", "--verify")
    assert r.exit_code == 0 and "verified" in r.output
    # a deviation, then --expand
    view = sampling.sample_view(engagement, "CM-01")
    sampling.mark(engagement, view.items[0].id, "deviation")
    r = run("sample", engagement.slug, "CM-01", "--expand", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["size"] == 40
    with engagement.session() as s:
        s.connection().execute(text("UPDATE sampleitem SET key = 'CHG-00000' WHERE position = 2"))
    r = run("sample", engagement.slug, "CM-01", "--verify")
    assert r.exit_code == 1 and "does NOT re-derive" in r.output


def test_cli_errors_are_one_line(engagement, tmp_path):
    add_control(engagement, "CM-01", "Changes approved", frequency=Frequency.multiple_daily)
    r = run("sample", engagement.slug, "CM-01")
    assert r.exit_code == 1 and r.output.count("\n") == 1 and "no population imported yet" in r.output
    path = write_pop(tmp_path / "c.csv", 5)
    r = run("import", "population", engagement.slug, "CM-01", str(path), "--key", "Ticket")
    assert r.exit_code == 1 and "no header row with column 'Ticket'" in r.output
    run("import", "population", engagement.slug, "CM-01", str(path))
    r = run("sample", engagement.slug, "CM-01", "--size", "3")
    assert r.exit_code == 1 and "--reason" in r.output


def test_status_json_shows_the_sample(demo):
    from fieldwork_tui.services.controls.status import status_json

    cm = next(c for c in status_json(demo)["controls"] if c["ref"] == "CM-01")
    assert cm["sample"]["size"] == 40 and cm["sample"]["deviations"] == 1
    assert cm["sample"]["conclusion"] == "isolated" and cm["sample"]["expanded"] is True
    assert sampling.verify_sample(demo, "CM-01").ok and sampling.verify_sample(demo, "AC-02").ok


def test_attach_file_to_an_item(eng, tmp_path):
    view = sampling.take_sample(eng, "CM-01")
    proof = tmp_path / "pr-1234.pdf"
    proof.write_bytes(b"%PDF-1.4 approval screenshot")
    item = sampling.attach_item_file(eng, view.items[0].id, proof)
    assert item.evidence_id is not None
    assert any(fid == item.evidence_id for fid, _label in sampling.sample_evidence_choices(eng, "CM-01"))
