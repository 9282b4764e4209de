"""`import interviews`: CSV or XLSX notes, one row per statement; all-or-nothing with row-numbered
errors; multi-line statements kept; importing again adds nothing."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import func, select

from fieldwork_tui.domain.vocab import Flag
from fieldwork_tui.services.controls import add_control
from fieldwork_tui.services.controls.workpaper import control_records
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.evidence import coaching, interview_plan, interviews
from fieldwork_tui.services.evidence.interview_import import import_interviews
from fieldwork_tui.store.models import InquiryStatement, Interview, JournalEntry, Person

HEADER = ["Date", "Interviewee", "Role", "Title", "Interviewer", "Statement", "Control Refs"]
ROWS = [
    ["2026-10-14", "Diego Alvarez", "IT admin", "IT Administrator", "Elena Petrova",
     "Every quarter I export all production users\nand each manager confirms or removes access.", "AC-01"],
    ["2026-10-14", "Diego Alvarez", "", "", "Elena Petrova", "We never grant access from Slack.", "AC-02"],
    ["2026-10-15", "Hannah Köhler", "HR", "", "Elena Petrova",
     "Every quarter we export all production users, and each manager confirms or removes access.", "AC-01, AC-03"],
    ["2026-10-15", "Hannah Köhler", "HR", "", "Elena Petrova", "Background checks happen before the start date.", ""],
]


@pytest.fixture
def eng(engagement):
    for ref, title, crit in (("AC-01", "Quarterly user access review", "CC6.1"),
                             ("AC-02", "Access provisioning approved", "CC6.2"),
                             ("AC-03", "Terminated users removed", "CC6.2")):
        add_control(engagement, ref, title, criteria=[crit])
    return engagement


def write_csv(path: Path, rows, header=HEADER, title=True) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        if title:
            w.writerow(["Interview notes — Acme FY26"])
        w.writerow(header)
        w.writerows(rows)
    return path


def counts(eng) -> tuple[int, int, int, int]:
    with eng.read() as s:
        return tuple(s.exec(select(func.count()).select_from(t)).one()
                     for t in (Person, Interview, InquiryStatement, JournalEntry))


def test_a_fresh_engagement_with_a_notes_file(eng, tmp_path) -> None:
    result = import_interviews(eng, write_csv(tmp_path / "notes.csv", ROWS))
    assert (result.interviews_new, result.statements_new, result.unlinked) == (2, 4, 1)
    assert result.people_new == ["Diego Alvarez", "Hannah Köhler"]
    assert "4 statement(s) imported in 2 new interview(s)" in result.describe()
    [hannah, diego] = interviews.list_interviews(eng)
    assert diego.person.label == "Diego Alvarez (IT administration, IT Administrator)"
    assert (diego.held_on, diego.interviewer, diego.statements) == ("2026-10-14", "Elena Petrova", 2)
    detail = interviews.interview_detail(eng, diego.id)
    assert detail.statements[0].text == ("Every quarter I export all production users\n"
                                         "and each manager confirms or removes access.")  # multi-line kept
    assert [s.controls for s in interviews.interview_detail(eng, hannah.id).statements] == [("AC-01", "AC-03"), ()]
    # the plan shows missing roles per control, and the near-identical answers raise the signal
    plan = {c.ref: c for c in interview_plan.engagement_plan(eng).controls}
    assert plan["AC-03"].missing == ("it_administration",) and plan["AC-01"].missing == ()
    [signal] = coaching.coaching_signals(eng)
    assert signal.control == "AC-01"
    assert Flag.possible_coached_answer in control_records(eng, "AC-01").flags
    assert Flag.interview_missing_role in control_records(eng, "AC-03").flags


def test_xlsx_with_dates_and_multi_line_cells(eng, tmp_path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["Interview Date", "Person", "Function", "Interviewed By", "Notes", "Controls"])
    ws.append([dt.datetime(2026, 10, 14), "Diego Alvarez", "IT administration", "Elena", "Line one\r\nline two", "ac-01"])
    wb.save(tmp_path / "notes.xlsx")
    result = import_interviews(eng, tmp_path / "notes.xlsx")
    assert result.statements_new == 1
    [iv] = interviews.list_interviews(eng)
    assert iv.held_on == "2026-10-14" and iv.interviewer == "Elena"
    assert interviews.interview_detail(eng, iv.id).statements[0].text == "Line one\nline two"


def test_importing_the_same_notes_again_adds_nothing_and_more_notes_continue_the_interview(eng, tmp_path) -> None:
    path = write_csv(tmp_path / "notes.csv", ROWS)
    import_interviews(eng, path)
    before = counts(eng)
    again = import_interviews(eng, path)
    assert (again.statements_new, again.statements_present) == (0, 4)
    assert counts(eng) == before
    more = import_interviews(eng, write_csv(tmp_path / "more.csv", [
        ["2026-10-14", "diego alvarez", "", "", "Elena Petrova", "Tickets are approved by the system owner.", "AC-02"]]))
    assert (more.interviews_new, more.interviews_continued, more.statements_new) == (0, 1, 1)
    assert len(interviews.list_interviews(eng)) == 2


def test_dry_run_writes_nothing(eng, tmp_path) -> None:
    before = counts(eng)
    result = import_interviews(eng, write_csv(tmp_path / "notes.csv", ROWS), dry_run=True)
    assert result.statements_new == 4 and "dry run: nothing was written" in result.describe()
    assert counts(eng) == before  # no person, interview, statement or journal entry
    lines = result.lines()  # the imports area's plan: what it read and what it would change
    assert lines[0].startswith("dry run, nothing written: 4 statement(s) would import in 2 new interview(s)")
    assert "would change:" in lines and any("Diego Alvarez: new interviewee (it_administration" in x for x in lines)
    assert "  Interviewee → interviewee" in lines
    assert import_interviews(eng, write_csv(tmp_path / "notes.csv", ROWS)).statements_new == 4  # as for real


@pytest.mark.parametrize(("rows", "messages"), [
    ([["2026-13-40", "Diego", "it", "", "", "x", ""]], ["row 4: date: '2026-13-40' is not a date"]),
    ([["2026-10-14", "", "it", "", "", "x", ""]], ["row 4: interviewee: empty"]),
    ([["2026-10-14", "Diego", "it", "", "", "  ", ""]], ["row 4: statement: empty"]),
    ([["2026-10-14", "Diego", "wizard", "", "", "x", ""]], ["row 4: role 'wizard': expected one of"]),
    ([["2026-10-14", "Diego", "", "", "", "x", ""]], ["row 4: role: Diego is not on file yet"]),
    ([["2026-10-14", "Diego", "it", "", "", "x", "AC-01 ZZ-9"]], ["row 4: control refs: unknown ZZ-9"]),
    ([["2026-10-14", "Diego", "it", "", "", "x", ""], ["2026-10-15", "Diego", "hr", "", "", "y", "QQ-1"]],
     ["row 5: role: Diego is it_administration in row 4, hr here", "row 5: control refs: unknown QQ-1"]),
])
def test_bad_rows_are_all_named_by_row_and_nothing_is_imported(eng, tmp_path, rows, messages) -> None:
    good = [["2026-10-14", "Hannah", "hr", "", "", "fine", "AC-01"]]
    path = write_csv(tmp_path / "notes.csv", good + rows)
    before = counts(eng)
    with pytest.raises(InvalidInput) as err:
        import_interviews(eng, path)
    text = str(err.value)
    assert text.startswith(f"{path}: ") and "nothing imported: " in text and "\n" not in text
    for m in messages:
        assert m in text
    assert counts(eng) == before


def test_a_role_on_file_is_not_silently_changed(eng, tmp_path) -> None:
    interviews.create_interview(eng, "Diego Alvarez", role="it_administration")
    with pytest.raises(InvalidInput, match="row 3: role: Diego Alvarez is it_administration on file, hr here"):
        import_interviews(eng, write_csv(tmp_path / "n.csv", [["2026-10-14", "Diego Alvarez", "hr", "", "", "x", ""]]))
    interviews.create_interview(eng, "Kim")  # no role on file: the file's role is taken
    result = import_interviews(eng, write_csv(tmp_path / "k.csv", [["2026-10-14", "Kim", "finance", "", "", "x", ""]]))
    assert result.roles_set == ["Kim (finance)"]


def test_files_without_the_needed_columns(eng, tmp_path) -> None:
    with pytest.raises(InvalidInput, match="no header row found .expected columns such as 'Date', 'Interviewee', 'Statement'"):
        import_interviews(eng, write_csv(tmp_path / "a.csv", [["2026-10-14", "Diego"]], header=["Date", "Interviewee"]))
    with pytest.raises(InvalidInput, match="no statements below the header"):
        import_interviews(eng, write_csv(tmp_path / "b.csv", []))
