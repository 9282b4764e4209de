"""Re-performance: two lists compared and stored with both files in the vault; CLI compare; demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import select
from typer.testing import CliRunner

from fieldwork_tui.domain.compare import DateWindow
from fieldwork_tui.domain.vocab import EvidenceType, ExceptionSource, Flag
from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.controls.workpaper import control_records
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.evidence import observations, reperformance
from fieldwork_tui.store.models import ControlException, EvidenceControl, EvidenceFile, Observation

PULLED = "login,role,department\njdoe,admin,Eng\nasmith,user,Sales\nsvc-deploy,admin,Eng\nkw,admin,Eng\n"


@pytest.fixture
def eng(engagement):
    add_control(engagement, "AC-01", "Quarterly user access review", criteria=["CC6.1"])
    return engagement


@pytest.fixture
def lists(tmp_path: Path) -> tuple[Path, Path]:
    a = tmp_path / "idp-export.csv"
    a.write_text(PULLED)
    wb = Workbook()
    ws = wb.active
    ws.append(["Q2 access review"])  # a title line above the header
    ws.append(["User Email", "Access level", "Department"])
    for row in (["JDoe@corp.example", "admin", "eng"], ["asmith@corp.example", "admin", "Sales"],
                ["kw@corp.example", "admin", "Eng"], ["bwright@corp.example", "user", "Sales"]):
        ws.append(row)
    b = tmp_path / "reviewed.xlsx"
    wb.save(b)
    return a, b


def test_comparison_is_stored_with_both_files_unlinked(eng, lists) -> None:
    a, b = lists
    out = reperformance.run_comparison(eng, "AC-01", a, b, key_a="login", key_b="User Email", key_mode="username",
                                       columns=[("role", "Access level")], label_a="IdP", label_b="Reviewed")
    rp = out.reperformance
    assert (rp.count_a, rp.count_b, rp.only_in_a, rp.only_in_b, rp.differing) == (4, 4, 1, 1, 1)
    kinds = {(d.kind.value, d.key) for d in reperformance.differences(eng, rp.id)}
    assert kinds == {("only_in_a", "svc-deploy"), ("only_in_b", "bwright@corp.example"), ("differing", "asmith")}
    with eng.read() as s:
        files = s.exec(select(EvidenceFile)).all()
        assert {f.original_name for f in files} == {"idp-export.csv", "reviewed.xlsx"}
        assert s.exec(select(EvidenceControl)).all() == []  # not inspection evidence
    rec = control_records(eng, "AC-01")
    assert rec.evidence_types == [EvidenceType.reperformance]
    assert rec.files == []
    data = out.to_json("AC-01")
    assert (data["only_in_a"], data["only_in_b"], data["differing"]) == (1, 1, 1)
    assert {r["kind"] for r in data["rows"]} == {"only_in_a", "only_in_b", "differing"}


def test_conclude_and_raise_exception(eng, lists) -> None:
    a, b = lists
    rp = reperformance.run_comparison(eng, "AC-01", a, b, key_a="login", key_b="User Email",
                                      key_mode="username").reperformance
    with pytest.raises(InvalidInput):
        reperformance.conclude_reperformance(eng, rp.id, " ")
    assert reperformance.conclude_reperformance(eng, rp.id, "Followed up").concluded_by == "elena"
    diff = reperformance.differences(eng, rp.id, kind="only_in_a")[0]
    ex = reperformance.raise_exception(eng, diff.id)
    assert ex.source is ExceptionSource.reperformance and ex.instance == "svc-deploy"
    assert ex.deviation == "the item was in idp-export but not in reviewed"  # the report counts: no key in the deviation
    assert "svc-deploy" not in ex.report_wording and ex.report_wording.startswith("For 1 of ")
    assert reperformance.exceptions_by_difference(eng, rp.id) == {diff.id: ex.id}
    with pytest.raises(InvalidInput, match="already exception"):
        reperformance.raise_exception(eng, diff.id)
    with eng.read() as s:
        assert len(s.exec(select(ControlException)).all()) == 1


def test_date_window(eng, tmp_path: Path) -> None:
    a = tmp_path / "hr.csv"
    a.write_text("Employee email,Last day\nptan@x,2026-07-17\neo@x,2026-09-11\nys@x,2026-08-28\n")
    b = tmp_path / "idp.csv"
    b.write_text("user,deactivated_on\nptan,2026-07-23\neo,2026-09-11\n")
    out = reperformance.run_comparison(eng, "AC-01", a, b, key_a="Employee email", key_b="user",
                                       key_mode="username", date_window=DateWindow("Last day", "deactivated_on", 1))
    assert out.reperformance.date_window_breaches == 1 and out.reperformance.only_in_a == 1
    [late] = reperformance.differences(eng, out.reperformance.id, kind="date_window")
    assert late.key == "ptan@x" and late.details["days"] == 6


def test_bad_key_names_the_file(eng, lists) -> None:
    a, b = lists
    with pytest.raises(InvalidInput, match="reviewed.xlsx: list B: no column 'login'"):
        reperformance.run_comparison(eng, "AC-01", a, b, key_a="login")
    assert reperformance.list_columns(b) == ["User Email", "Access level", "Department"]


def test_observation_validation(eng) -> None:
    with pytest.raises(InvalidInput, match="when"):
        observations.add_observation(eng, "AC-01", observed_at="yesterday", description="x")
    with pytest.raises(InvalidInput, match="what was seen"):
        observations.add_observation(eng, "AC-01", observed_at="2026-01-01 10:00", description=" ")
    obs = observations.add_observation(eng, "AC-01", observed_at="2026-03-02 09:30", description="Saw the review",
                                       location="HQ")
    assert obs.observed_by == "elena" and obs.observed_at.hour == 9
    assert [o.id for o in observations.list_observations(eng, "AC-01")] == [obs.id]
    observations.delete_observation(eng, obs.id)
    with eng.read() as s:
        assert s.exec(select(Observation)).all() == []


def test_cli_compare_json(eng, home: Path, lists) -> None:
    from fieldwork_tui.cli import app

    a, b = lists
    r = CliRunner().invoke(app, ["--home", str(home), "compare", "acme", "AC-01", str(a), str(b),
                                 "--key", "login=User Email", "--key-mode", "username", "--column", "role=Access level",
                                 "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert (data["only_in_a"], data["only_in_b"], data["differing"]) == (1, 1, 1)
    assert data["list_b"]["sha256"] and len(data["rows"]) == 3
    r = CliRunner().invoke(app, ["--home", str(home), "compare", "acme", "AC-01", str(a), str(b),
                                 "--key", "login=User Email", "--date-window", "bad"])
    assert r.exit_code == 1 and "COL_A=COL_B:DAYS" in r.stderr


def test_demo_shows_every_triangulation_flag(demo) -> None:
    from fieldwork_tui.services.controls.status import status_json

    controls = status_json(demo)["controls"]
    flags = {f for c in controls for f in c["flags"]}
    for flag in (Flag.no_evidence, Flag.single_evidence_type, Flag.inquiry_only, Flag.missing_required_type,
                 Flag.uncorroborated_inquiry, Flag.contradicted_inquiry, Flag.evidence_outside_period):
        assert flag.value in flags, flag
    by_ref = {c["ref"]: c for c in controls}
    triangulation = {"no_evidence", "single_evidence_type", "inquiry_only", "missing_required_type",
                     "uncorroborated_inquiry", "contradicted_inquiry", "evidence_outside_period"}
    assert not set(by_ref["AC-01"]["flags"]) & triangulation
    assert by_ref["AC-01"]["evidence_types"] == ["inquiry", "inspection", "reperformance"]
    states = {sv.statement.corroboration for ref in ("AC-01", "AC-02", "AC-08")
              for sv in control_records(demo, ref).statements}
    assert states == {"uncorroborated", "corroborated", "contradicted"}
