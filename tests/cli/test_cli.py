"""The command line: exit codes, one-line errors, JSON shapes (CliRunner, as a user would type)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fieldwork_tui.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_version():
    r = run("--version")
    assert r.exit_code == 0 and r.output.startswith("fieldwork-tui ")


def test_new_list_json(home):
    r = run("new", "Acme Cloud 2026", "--type", "2", "--period", "2026-01-01..2026-12-31",
            "--categories", "security,availability")
    assert r.exit_code == 0, r.output
    r = run("list", "--json")
    data = json.loads(r.output)
    assert data == [{"name": "Acme Cloud 2026", "slug": "acme-cloud-2026", "type": "type2",
                     "period_start": "2026-01-01", "period_end": "2026-12-31", "phase": "kickoff",
                     "path": str(home / "acme-cloud-2026")}]


def test_home_option(tmp_path):
    other = tmp_path / "elsewhere"
    assert run("--home", str(other), "new", "X").exit_code == 0
    assert (other / "x" / "fieldwork.db").is_file()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["status", "nosuch"], "engagement 'nosuch' not found"),
        (["new", "Y", "--period", "2026-13-01..2026-12-31"], "period"),
        (["new", "Y", "--type", "3"], "type '3'"),
        (["new", "Y", "--categories", "privacy,magic"], "category 'magic'"),
        (["import", "controls", "nosuch", "x.csv"], "not found"),
    ],
)
def test_errors_are_one_line_nonzero(home, args, needle):
    r = run(*args)
    assert r.exit_code != 0
    err = r.stderr if hasattr(r, "stderr") else r.output
    assert needle in err
    assert "Traceback" not in r.output
    assert len(err.strip().splitlines()) == 1


def test_bad_option_nonzero():
    r = run("list", "--frobnicate")
    assert r.exit_code != 0


def test_import_controls_and_status_json(home, tmp_path):
    run("new", "Acme", "--period", "2026-01-01..2026-12-31")
    f = tmp_path / "m.csv"
    f.write_text("Ref,Control Activity,Criteria,Frequency\nAC-01,Access review,CC6.1,Quarterly\n", encoding="utf-8")
    r = run("import", "controls", "acme", str(f))
    assert r.exit_code == 0 and "1 controls imported (1 new, 0 updated)" in r.output
    r = run("status", "acme", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert set(data) == {"engagement", "controls", "not_defensible", "requests", "exceptions"}
    assert set(data["engagement"]) == {"name", "slug", "type", "period_start", "period_end", "phase"}
    c = data["controls"][0]
    assert set(c) == {"ref", "title", "criteria", "frequency", "evidence_types", "flags", "defensible", "status",
                      "conclusion", "sample", "exceptions", "signoffs", "evidence"}
    assert c["defensible"] is False and data["not_defensible"] == 1
    assert c["ref"] == "AC-01" and c["criteria"] == ["CC6.1"] and c["frequency"] == "quarterly"
    assert "no_evidence" in c["flags"] and c["sample"] is None
    assert set(data["requests"]) == {"total", "by_status", "overdue"}
    assert set(data["exceptions"]) == {"total", "without_response"}


def test_broken_import_changes_nothing(home, tmp_path):
    run("new", "Acme")
    f = tmp_path / "m.csv"
    f.write_text("Ref,Control Activity,Criteria\nAC-01,Access,CC6.1\nAC-02,Other,ZZ9.9\n", encoding="utf-8")
    r = run("import", "controls", "acme", str(f))
    assert r.exit_code == 1
    assert f"{f}: row 3, column 'Criteria'" in r.output
    data = json.loads(run("status", "acme", "--json").output)
    assert data["controls"] == []


def test_demo_no_open(home):
    r = run("demo", "--no-open")
    assert r.exit_code == 0, r.output
    data = json.loads(run("status", "demo", "--json").output)
    assert data["engagement"]["name"] == "Lumen Ledger SOC 2 Type II FY26"
    assert 30 <= len(data["controls"]) <= 50
    criteria = {cr for c in data["controls"] for cr in c["criteria"]}
    assert {"CC1.1", "CC6.1", "CC8.1", "A1.2", "C1.1"} <= criteria


def test_module_entry_point(home):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "fieldwork_tui", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "fieldwork-tui" in out.stdout
