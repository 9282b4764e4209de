"""`fieldwork import controls|requests|population` with --dry-run and --sheet, and the summary that
names every column (issue 22, issue 14 items 1 and 14). Fixture files are written here."""

from __future__ import annotations

import json

from openpyxl import Workbook
from typer.testing import CliRunner

from fieldwork_tui.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def status(slug="acme"):
    return {c["ref"]: c for c in json.loads(run("status", slug, "--json").output)["controls"]}


def new_engagement():
    assert run("new", "Acme", "--period", "2026-01-01..2026-12-31").exit_code == 0


MATRIX = ("control_id,tsc_category,tsc_ref,control_title,control_description,control_type,frequency,control_owner,"
          "testing_method\n"
          "CC6-01,Security,CC6.1,Access review,Managers review access,Preventive,Quarterly,IT,Reperform it\n"
          "CC7-02,Security,CC7.2,Monitoring,Alerts are triaged,Detective,Continuous,SecOps,Inspect tickets\n")


def test_import_controls_prints_mapping_changes_and_notes(tmp_path):
    new_engagement()
    f = tmp_path / "m.csv"
    f.write_text(MATRIX, encoding="utf-8")
    r = run("import", "controls", "acme", str(f))
    assert r.exit_code == 0, r.output
    out = r.output
    assert out.startswith("2 controls imported (2 new, 0 updated, 0 unchanged); 1 took the firm library's test steps\n")
    assert "  control_type → control type\n" in out and "  testing_method → extra field (kept as text)\n" in out
    assert "note: columns kept as extra fields on each control: 'testing_method'" in out
    assert "proposed as automated because the file has no nature column: CC7-02" in out


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path):
    new_engagement()
    f = tmp_path / "m.csv"
    f.write_text(MATRIX, encoding="utf-8")
    assert run("import", "controls", "acme", str(f)).exit_code == 0
    partial = tmp_path / "titles.csv"
    partial.write_text("Control ID,Title\nCC6-01,User access review\n", encoding="utf-8")
    r = run("import", "controls", "acme", str(partial), "--dry-run")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("dry run, nothing written: 1 controls would be imported (0 new, 1 updated, 0 unchanged)")
    assert "would change:\n  CC6-01: title Access review → User access review\n" in r.output
    assert status()["CC6-01"]["title"] == "Access review"
    r = run("import", "controls", "acme", str(partial))
    assert "changed:\n  CC6-01: title Access review → User access review\n" in r.output
    after = status()["CC6-01"]
    assert after["title"] == "User access review" and after["criteria"] == ["CC6.1"]


def test_errors_are_listed_at_once_on_one_line(tmp_path):
    new_engagement()
    f = tmp_path / "bad.csv"
    f.write_text("Ref,Title,TSC\nA,a,C1.3\nB,b,C2.1\nC,c,C2.2\n", encoding="utf-8")
    r = run("import", "controls", "acme", str(f))
    assert r.exit_code != 0
    err = r.stderr if hasattr(r, "stderr") else r.output
    assert len(err.strip().splitlines()) == 1 and "3 problems, nothing imported" in err
    assert all(c in err for c in ("C1.3", "C2.1", "C2.2"))
    assert status() == {}


def _workbook(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Hidden"
    ws.append(["ID", "Description"])
    ws.append(["H-1", "from the hidden sheet"])
    ws.sheet_state = "hidden"
    ws = wb.create_sheet("PBC")
    ws.append(["#", "Artifact Description", "Owner", "System/Tool", "Due Date", "Delivered?", "Notes"])
    ws.append([1, "User list", "Ana", "Okta", "2026-11-20", "Yes", ""])
    wb.save(path)
    return path


def test_import_requests_sheet_and_dry_run(tmp_path):
    new_engagement()
    path = _workbook(tmp_path / "pbc.xlsx")
    r = run("import", "requests", "acme", str(path), "--dry-run")
    assert r.exit_code == 0, r.output
    assert f"read from {path} [sheet 'PBC']" in r.output and "  System/Tool → extra field (kept as text)" in r.output
    assert "note: hidden sheets skipped: 'Hidden'" in r.output
    data = json.loads(run("status", "acme", "--json").output)
    assert data["requests"]["total"] == 0
    r = run("import", "requests", "acme", str(path), "--sheet", "Hidden")
    assert r.exit_code == 0, r.output
    assert "1 requests imported (1 new" in r.output
    r = run("import", "requests", "acme", str(path), "--sheet", "Nope")
    assert r.exit_code != 0 and "no sheet named 'Nope'" in r.output


def test_import_population_dry_run_writes_nothing(tmp_path):
    new_engagement()
    m = tmp_path / "m.csv"
    m.write_text("Ref,Title\nCM-01,Changes\n", encoding="utf-8")
    assert run("import", "controls", "acme", str(m)).exit_code == 0
    pop = tmp_path / "pop.csv"
    pop.write_text("Change ID,Deployed,Title\nCH-1,2026-03-01,a\nCH-2,2026-04-01,b\n", encoding="utf-8")
    r = run("import", "population", "acme", "CM-01", str(pop), "--date", "Deployed", "--dry-run")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("dry run, nothing written: 2 rows would be imported for CM-01")
    assert "  Change ID → key\n  Deployed → date\n  Title → kept in each population row\n" in r.output
    assert "would change:\n  CM-01: new population of 2 rows from pop.csv" in r.output
    r = run("sample", "acme", "CM-01")
    assert r.exit_code != 0  # no population was stored
    r = run("import", "population", "acme", "CM-01", str(pop), "--date", "Deployed")
    assert r.exit_code == 0 and r.output.startswith("2 rows imported for CM-01")


def test_unknown_headers_mapped_by_hand_saved_as_a_profile_and_reused(tmp_path):
    import os
    import stat

    new_engagement()
    f = tmp_path / "odd.csv"
    f.write_text("Ctl Num,What is done,Kind\nX-1,Access is reviewed,Preventive\n", encoding="utf-8")
    r = run("import", "controls", "acme", str(f))
    assert r.exit_code != 0 and "no header row found" in r.output
    r = run("import", "controls", "acme", str(f), "--map", "Ctl Num=ref", "--map", "What is done=description",
            "--map", "Kind=control_type", "--dry-run", "--save-profile", "Firm A")
    assert r.exit_code == 0, r.output
    assert "  Ctl Num → ref\n  What is done → description\n  Kind → control type\n" in r.output
    assert "mapping saved as profile 'Firm A'" in r.output and status() == {}
    saved = tmp_path / "config" / "import-profiles" / "Firm A.toml"
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
    assert saved.read_text(encoding="utf-8") == ('kind = "controls"\n\n[columns]\n"Ctl Num" = "ref"\n'
                                                 '"What is done" = "description"\n"Kind" = "control_type"\n')
    r = run("import", "controls", "acme", str(f), "--profile", "Firm A")
    assert r.exit_code == 0, r.output
    assert status()["X-1"]["title"] == "Access is reviewed"
    r = run("import", "requests", "acme", str(f), "--profile", "Firm A")
    assert r.exit_code != 0 and "a profile for 'controls' imports, not requests" in r.output
    r = run("import", "controls", "acme", str(f), "--map", "Kind=colour")
    assert r.exit_code != 0 and "unknown field 'colour'" in r.output
    r = run("import", "controls", "acme", str(f), "--profile", "nope")
    assert r.exit_code != 0 and "no mapping profile named 'nope'" in r.output
