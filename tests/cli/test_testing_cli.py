"""Attribute testing from the shell (CliRunner, as a user types it): the issue's whole path on a fresh
engagement with a change population, and the one-line refusals."""

from __future__ import annotations

import io
import json
import zipfile

from openpyxl import load_workbook
from typer.testing import CliRunner

from fieldwork_tui.cli import app
from fieldwork_tui.domain import testing_sheet as ts

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def ok(*args: str):
    r = run(*args)
    assert r.exit_code == 0, r.output
    return r.output


def write_changes(path, n=300):
    import datetime as dt

    lines = ["Change ID,Deployed,Approved,Approver,Author,Tested"]
    for i in range(n):
        deployed = dt.date(2026, 1, 1) + dt.timedelta(days=i * 360 // n)
        approved = deployed + dt.timedelta(days=1 if i % 9 == 0 else -1)
        approver = "ann" if i % 50 == 7 else "bob"
        lines.append(f"CHG-{i:04d},{deployed},{approved},{approver},ann,{'no' if i % 40 == 3 else 'yes'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def setup(tmp_path):
    ok("new", "Acme Cloud 2026", "--type", "2", "--period", "2026-01-01..2026-12-31")
    matrix = tmp_path / "controls.csv"
    matrix.write_text("Control ID,Control Activity,TSC,Frequency\nCM-01,Changes are approved before deployment by "
                      "someone other than the author,CC8.1,Multiple times per day\n", encoding="utf-8")
    ok("import", "controls", "acme", matrix)
    ok("import", "population", "acme", "CM-01", write_changes(tmp_path / "changes.csv"), "--key", "Change ID",
       "--date", "Deployed", "--expected-count", "300")


def test_the_whole_path_from_the_shell(tmp_path):
    setup(tmp_path)
    out = ok("testing", "steps", "acme", "CM-01", "--objective", "Changes are authorised, tested and approved.",
             "--attribute", "A: Approved in the ticket before the deploy date | the change was deployed before it was "
             "approved | Approved <= Deployed",
             "--attribute", "B: Approver is not the author | the change was approved by its own author | "
             "Approver != Author",
             "--attribute", "C: Tested before deployment | the change was deployed without evidence of testing | "
             "Tested = yes")
    assert "A — Approved in the ticket before the deploy date" in out and "rule: Approver != Author" in out
    ok("sample", "acme", "CM-01")
    r = run("testing", "propose", "acme", "CM-01")
    assert r.exit_code == 1 and "record the source system and the query or parameters first" in r.output
    ok("testing", "extract", "acme", "CM-01", "--source-system", "Jira Cloud", "--query",
       "project = OPS AND resolved >= 2026-01-01", "--client-count", "300")
    assert "proposed" in ok("testing", "propose", "acme", "CM-01")
    shown = json.loads(ok("testing", "show", "acme", "CM-01", "--json"))
    assert shown["counts"]["tested"] == 0 and shown["counts"]["proposed"] == 75
    assert all(c["proposed"] for it in shown["items"] for c in it["cells"].values())
    assert "✓?" in ok("testing", "show", "acme", "CM-01")
    assert ok("testing", "confirm", "acme", "CM-01").strip() == "75 proposed cells confirmed"
    shown = json.loads(ok("testing", "show", "acme", "CM-01", "--json"))
    assert shown["counts"]["tested"] == 25
    clean = next(it for it in shown["items"] if it["result"] == "passed")
    ok("testing", "set", "acme", "CM-01", clean["key"], "C", "deviation", "--note", "no test evidence in the ticket")
    shown = json.loads(ok("testing", "show", "acme", "CM-01", "--json"))
    deviating = shown["counts"]["deviations"]
    assert deviating >= 1
    ok("sample", "acme", "CM-01", "--expand")
    shown = json.loads(ok("testing", "show", "acme", "CM-01", "--json"))
    assert shown["counts"]["items"] == 40
    book = tmp_path / "testing.xlsx"
    assert "40 items × 3 attributes written to" in ok("export-testing", "acme", "CM-01", "-o", book)
    wb = load_workbook(book)
    ws = wb[ts.SHEET]
    header = [c.value for c in ws[1]]
    for row in range(27, 42):  # the expansion's items: a staff auditor fills them in
        for lt in "ABC":
            ws.cell(row=row, column=header.index(f"{lt} result") + 1).value = "pass"
            ws.cell(row=row, column=header.index(f"{lt} basis") + 1).value = ts.EXTRACT
    wb.save(book)
    # --dry-run (the one mechanism of every import): the plan cell by cell, nothing written
    before = ok("testing", "show", "acme", "CM-01", "--json")
    planned = ok("import", "testing", "acme", "CM-01", book, "--dry-run")
    assert planned.startswith("dry run, nothing written: CM-01: 40 items read, 45 cells would change")
    assert "would change:" in planned and " A: passed (proposed) → passed" in planned
    assert ok("testing", "show", "acme", "CM-01", "--json") == before
    assert "40 items read, 45 cells changed" in ok("import", "testing", "acme", "CM-01", book)
    shown = json.loads(ok("testing", "show", "acme", "CM-01", "--json"))
    assert shown["counts"]["tested"] == 40 and shown["counts"]["deviations"] == deviating
    wording = {w["attribute"]: w["text"] for w in shown["wordings"]}
    assert wording["C"].startswith("For ") and wording["C"].endswith(
        " of 40 changes sampled, the change was deployed without evidence of testing.")
    # the exceptions worded from their attributes, and the bundle's workpaper with the matrix
    ok("testing", "exceptions", "acme", "CM-01")
    bundle = tmp_path / "bundle.zip"
    ok("export", "acme", "-o", bundle)
    with zipfile.ZipFile(bundle) as zf:
        wp = zf.read("workpapers/CM-01.html").decode()
        sheets = load_workbook(io.BytesIO(zf.read("workpapers.xlsx"))).sheetnames
    assert '<table class="matrix">' in wp and "Changes are authorised, tested and approved." in wp
    assert wp.count(wording["C"]) >= 2  # the attribute's result and the exception's report wording
    assert "Testing CM-01" in sheets


def test_a_rule_run_over_the_population_is_decided_like_any_difference(tmp_path):
    """Regression: `testing run-rules` differences raise `unresolved_differences` and are decided with
    `fieldwork differences resolve`, as a comparison's are."""
    setup(tmp_path)
    ok("testing", "steps", "acme", "CM-01", "--attribute",
       "B: Approver is not the author | the change was approved by its own author | Approver != Author")
    ok("testing", "extract", "acme", "CM-01", "--source-system", "Jira Cloud", "--query", "project = OPS",
       "--client-count", "300")

    def flags():
        data = json.loads(ok("status", "acme", "--json"))
        return next(c for c in data["controls"] if c["ref"] == "CM-01")["flags"]

    assert "unresolved_differences" not in flags()
    out = ok("testing", "run-rules", "acme", "CM-01")
    assert "B: Approver != Author — 294 of 300 rows meet it, 6 do not, 0 undecided" in out
    assert "6 difference(s) need a disposition: fieldwork differences resolve acme CM-01 ID" in out
    assert "unresolved_differences" in flags()
    listed = json.loads(ok("differences", "acme", "CM-01", "--open", "--json"))
    assert listed["unresolved"] == 6 and {d["kind"] for d in listed["rows"]} == {"rule"}
    first = listed["rows"][0]["id"]
    out = ok("differences", "resolve", "acme", "CM-01", str(first), "--as", "exception")
    assert "1 difference(s) resolved; 5 still without a disposition on CM-01" in out
    ok("differences", "resolve", "acme", "CM-01", "--all-open", "rule", "--as", "explained",
       "--reason", "Emergency changes approved by the CAB chair the next morning")
    assert "unresolved_differences" not in flags()


def test_refusals_are_one_line_naming_what_is_wrong(tmp_path):
    setup(tmp_path)
    r = run("testing", "steps", "acme", "CM-01", "--attribute", "A: Approved first | | Approved <= Deplyed")
    assert r.exit_code == 1
    assert r.output.strip() == ("fieldwork: CM-01: attribute A: rule position 13: no column 'Deplyed' in the population "
                                "(columns: Change ID, Deployed, Approved, Approver, Author, Tested); quote text as "
                                "\"Deplyed\"")
    ok("testing", "steps", "acme", "CM-01", "--attribute", "Overall")
    ok("sample", "acme", "CM-01")
    r = run("testing", "set", "acme", "CM-01", "CHG-9999", "A", "pass")
    assert r.exit_code == 1 and "item 'CHG-9999': not in the sample of CM-01" in r.output
    key = json.loads(ok("testing", "show", "acme", "CM-01", "--json"))["items"][0]["key"]
    r = run("testing", "set", "acme", "CM-01", key, "A", "pass")
    assert r.exit_code == 1 and "a pass needs an evidence reference or an explicit 'seen in the population extract'" \
        in r.output
    assert "passed" in ok("testing", "set", "acme", "CM-01", key, "all", "pass", "--seen-in-extract")
    r = run("import", "testing", "acme", "CM-01", tmp_path / "missing.xlsx")
    assert r.exit_code == 1 and "file not found" in r.output
    r = run("testing", "single", "acme", "CM-01", "--instance", "x", "--date", "2026-01-01")
    assert r.exit_code == 1 and "Type II: a sample" in r.output


def test_steps_from_the_library_and_a_text_file(tmp_path):
    setup(tmp_path)
    out = ok("testing", "steps", "acme", "CM-01", "--library")
    assert "[library:change-management]" in out and "rule: Approved <= Deployed" in out
    text = tmp_path / "steps.txt"
    text.write_text("Objective: approvals\nA — Approved in the ticket before the deploy date\nB. Peer reviewed\n",
                    encoding="utf-8")
    data = json.loads(ok("testing", "steps", "acme", "CM-01", "--from-text", text, "--json"))
    assert [a["letter"] for a in data["attributes"]] == ["A", "B"] and data["objective"] == "approvals"
    assert ok("testing", "steps", "acme", "CM-01", "--as-text") == (
        "Objective: approvals\nA — Approved in the ticket before the deploy date\nB — Peer reviewed\n")
    assert "change-management" in ok("testing", "library")


def test_an_automated_control_records_its_test_of_one(tmp_path):
    setup(tmp_path)
    matrix = tmp_path / "more.csv"
    matrix.write_text("Control ID,Control Activity,TSC,Frequency,Automated/Manual\nIT-07,Databases are backed up "
                      "daily by the platform,A1.2,Continuous,Automated\n", encoding="utf-8")
    ok("import", "controls", "acme", matrix)
    out = ok("testing", "single", "acme", "IT-07")
    assert "test of one" in out and "nothing recorded yet" in out
    data = json.loads(ok("testing", "single", "acme", "IT-07", "--instance", "RDS production", "--date", "2026-11-02",
                         "--description", "Inspected the parameter group", "--configuration", "backup_retention=35",
                         "--itgc", "CM-01", "--itgc-basis", "CM-01 tested without exception", "--json"))
    assert data["test"]["itgc"] == ["CM-01"] and data["approach"] == "test_of_one" and data["missing"] == []
