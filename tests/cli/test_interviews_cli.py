"""The interview commands as a user types them: import notes, the plan, people, coached answers and
one statement's corroboration; one-line errors and non-zero exits."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from fieldwork_tui.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def notes(tmp_path):
    path = tmp_path / "notes.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Date", "Interviewee", "Role", "Interviewer", "Statement", "Control Refs"])
        w.writerow(["2026-10-14", "Diego Alvarez", "IT admin", "Elena",
                    "Every quarter I export all production users and each manager confirms or removes access.",
                    "AC-01"])
        w.writerow(["2026-10-15", "Hannah Köhler", "HR", "Elena",
                    "Every quarter we export all production users, and each manager confirms or removes access.",
                    "AC-01"])
    return path


@pytest.fixture
def eng(home, tmp_path):
    matrix = tmp_path / "matrix.csv"
    matrix.write_text("Control ID,Title,Description,TSC\nAC-01,Quarterly user access review,Managers review "
                      "access,CC6.1\nAC-03,Terminated users removed,Leavers lose access,CC6.2\n", encoding="utf-8")
    assert run("new", "Acme 2026", "--period", "2026-01-01..2026-12-31").exit_code == 0
    assert run("import", "controls", "acme", str(matrix)).exit_code == 0
    return "acme"


def test_import_plan_coached_end_to_end(eng, notes):
    r = run("import", "interviews", eng, str(notes), "--dry-run")
    assert r.exit_code == 0 and "would import" in r.output and "dry run, nothing written" in r.output
    assert json.loads(run("interviews", eng, "--json").output) == []
    r = run("import", "interviews", eng, str(notes))
    assert r.exit_code == 0 and "2 statement(s) imported in 2 new interview(s)" in r.output
    rows = json.loads(run("interviews", eng, "--json").output)
    assert [(x["person"], x["role"]) for x in rows] == [("Hannah Köhler", "hr"), ("Diego Alvarez", "it_administration")]
    r = run("interviews", eng)
    assert "Diego Alvarez (IT administration)" in r.output
    plan = json.loads(run("plan", "show", eng, "--json").output)
    ac03 = next(c for c in plan["controls"] if c["ref"] == "AC-03")
    assert ac03["missing"] == ["hr", "it_administration"]
    r = run("plan", "show", eng, "--missing")
    assert "AC-03" in r.output and "AC-01 " not in r.output and "book next:" in r.output
    signals = json.loads(run("coached", "list", eng, "--json").output)
    assert [s["control"] for s in signals] == ["AC-01"] and signals[0]["open"]
    status = json.loads(run("status", eng, "--json").output)
    flags = {c["ref"]: c["flags"] for c in status["controls"]}
    assert "possible_coached_answer" in flags["AC-01"] and "interview_missing_role" in flags["AC-03"]
    r = run("coached", "dismiss", eng, signals[0]["key"], "--reason", "Both read the same runbook")
    assert r.exit_code == 0 and "cleared" in r.output
    status = json.loads(run("status", eng, "--json").output)
    assert "possible_coached_answer" not in {c["ref"]: c["flags"] for c in status["controls"]}["AC-01"]


def test_plan_set_reset_table_and_people(eng, notes):
    run("import", "interviews", eng, str(notes))
    r = run("plan", "set", eng, "AC-03", "it_administration")
    assert r.exit_code == 1 and "reason" in r.output
    r = run("plan", "set", eng, "ac-03", "it_administration", "--reason", "HR out of scope")
    assert r.exit_code == 0 and "AC-03: planned it_administration" in r.output
    r = run("plan", "show", eng, "--control", "AC-03")
    assert "set by hand: HR out of scope" in r.output
    assert "hr, it_administration" in run("plan", "reset", eng, "AC-03").output
    r = run("plan", "table")
    assert r.exit_code == 0 and "# in use: built-in" in r.output and "[[rules]]" in r.output
    assert run("plan", "table", "--path").output.strip().endswith("interview_plan.toml")
    r = run("people", "set", eng, "Hannah Köhler", "--role", "executive", "--title", "COO")
    assert r.exit_code == 0 and "Hannah Köhler (Executive, COO)" in r.output
    assert "Diego Alvarez (IT administration)" in run("people", "list", eng).output
    r = run("people", "set", eng, "Hannah Köhler", "--role", "astronaut")
    assert r.exit_code == 1 and r.output.count("\n") == 1 and "expected one of" in r.output


def test_statement_corroboration_from_the_shell(eng, notes, tmp_path):
    run("import", "interviews", eng, str(notes))
    [hannah, diego] = json.loads(run("interviews", eng, "--json").output)
    st = json.loads(run("interviews", eng, str(diego["id"]), "--json").output)["statements"][0]["id"]
    log = tmp_path / "review-log.csv"
    log.write_text("quarter,signed\nQ3,no\n")
    later = tmp_path / "q3-signed.pdf"
    later.write_bytes(b"%PDF signed later")
    r = run("statement", "contradict", eng, str(st), "--file", str(log), "--note", "Q3 never signed")
    assert r.exit_code == 0 and "contradicted by review-log.csv" in r.output and "open:" in r.output
    r = run("statement", "corroborate", eng, str(st), "--evidence", "1")
    assert r.exit_code == 1 and "a reason alone is not enough" in r.output
    r = run("statement", "resolve", eng, str(st), "--note", "it is fine")
    assert r.exit_code == 1 and "a reason alone is not enough" in r.output
    r = run("statement", "resolve", eng, str(st), "--file", str(later), "--note", "Signed Q3 received")
    assert r.exit_code == 0 and "resolved by q3-signed.pdf" in r.output
    detail = json.loads(run("interviews", eng, str(diego["id"]), "--json").output)["statements"][0]
    assert detail["contradiction"] == "resolved_by_evidence" and detail["evidence_name"] == "review-log.csv"
    # a second statement raised as an exception
    st2 = json.loads(run("interviews", eng, str(hannah["id"]), "--json").output)["statements"][0]["id"]
    run("statement", "contradict", eng, str(st2), "--evidence", "1", "--note", "no")
    r = run("statement", "exception", eng, str(st2))
    assert r.exit_code == 0 and "exception #1 raised" in r.output
    r = run("statement", "exception", eng, "999")
    assert r.exit_code == 1 and "statement #999 not found" in r.output


def test_import_errors_are_one_line_and_nonzero(eng, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Date,Interviewee,Role,Statement,Control Refs\nsoon,Diego,it,x,AC-01\n2026-10-14,Ann,,y,ZZ-1\n")
    r = run("import", "interviews", eng, str(bad))
    assert r.exit_code == 1 and r.output.count("\n") == 1
    assert "row 2: date" in r.output and "row 3: role: Ann is not on file" in r.output
    assert "row 3: control refs: unknown ZZ-1" in r.output and "3 problems, nothing imported" in r.output
    assert json.loads(run("interviews", eng, "--json").output) == []



def _rows(eng) -> tuple[int, int, int, int]:
    from sqlmodel import func, select

    from fieldwork_tui.cli.common import open_handle
    from fieldwork_tui.store.models import InquiryStatement, Interview, JournalEntry, Person

    handle = open_handle(eng)
    try:
        with handle.read() as s:
            return tuple(s.exec(select(func.count()).select_from(t)).one()
                         for t in (Person, Interview, InquiryStatement, JournalEntry))
    finally:
        handle.close()


def test_import_interviews_dry_run_writes_nothing(eng, notes):
    """`--dry-run` prints the plan (columns, what would change) and writes no person, interview,
    statement or journal entry; the same import for real then writes them."""
    before = _rows(eng)
    r = run("import", "interviews", eng, str(notes), "--dry-run")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("dry run, nothing written: 2 statement(s) would import in 2 new interview(s)")
    assert "columns:" in r.output and "Interviewee → interviewee" in r.output and "would change:" in r.output
    assert _rows(eng) == before
    assert run("import", "interviews", eng, str(notes)).exit_code == 0
    after = _rows(eng)
    assert after[:3] == (before[0] + 2, 2, 2) and after[3] > before[3]
