"""Request trackers as firms send them (issue 22): "#", "Artifact Description", "Delivered?", "System/Tool"
imported, nothing dropped silently, every problem in one run, look-alike IDs refused, --dry-run."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from fieldwork_tui.domain.vocab import RequestStatus
from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.requests.importer import import_requests

TRACKER = ("# | Artifact Description | Owner | System/Tool | Due Date | Delivered? | Notes\n"
           "1 | Terminated users list | Ana | Workday | 2026-11-20 | Yes | pulled by HR\n"
           "2 | Firewall rule review | Bo | AWS | 2026-11-25 | No | \n"
           "3 | Backup restore test | Bo | Veeam | 2026-11-30 | ✓ | second try\n")


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def stored(engagement):
    from sqlmodel import select

    from fieldwork_tui.store.models import EvidenceRequest

    with engagement.read() as s:
        return {r.ref: r for r in s.exec(select(EvidenceRequest))}


def test_the_pbc_tracker_imports_with_every_column_mapped_or_kept(engagement, tmp_path):
    result = import_requests(engagement, write(tmp_path, "pbc.csv", TRACKER))
    assert result.created == 3
    rows = stored(engagement)
    assert rows["1"].description == "Terminated users list" and rows["1"].status is RequestStatus.submitted
    assert rows["2"].status is RequestStatus.open and rows["3"].status is RequestStatus.submitted
    reqs = stored(engagement)
    assert reqs["1"].extra_fields == {"System/Tool": "Workday", "Notes": "pulled by HR"}
    assert reqs["2"].extra_fields == {"System/Tool": "AWS"}
    uses = {c.column: c.use for c in result.plan.mapping}
    assert uses["#"] == "request ID" and uses["Artifact Description"] == "description"
    assert uses["Delivered?"].startswith("status") and uses["System/Tool"].startswith("extra field")
    assert "columns kept as extra fields on each request: 'System/Tool', 'Notes'" in result.plan.notes


def test_delivered_never_moves_an_accepted_request_back(engagement, tmp_path):
    import_requests(engagement, write(tmp_path, "a.csv", "ID,Description,Status\n1,x,accepted\n"))
    import_requests(engagement, write(tmp_path, "b.csv", "ID,Description,Delivered?\n1,x,yes\n"))
    assert stored(engagement)["1"].status is RequestStatus.accepted


def test_reimport_reports_what_changed(engagement, tmp_path):
    import_requests(engagement, write(tmp_path, "pbc.csv", TRACKER))
    again = TRACKER.replace("| Bo | AWS | 2026-11-25 | No |", "| Cy | AWS | 2026-11-25 | Yes |")
    result = import_requests(engagement, write(tmp_path, "pbc2.csv", again))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert result.plan.changes == ("2: owner Bo → Cy; status open → submitted",)


def test_every_problem_in_one_run(engagement, tmp_path):
    add_control(engagement, "AC-01", "Access")
    text = ("ID,Description,Due Date,Delivered?,Control\n"
            "1,a,13/45/2026,yes,AC-01\n"
            "2,b,2026-11-01,maybe,AC-01\n"
            "3,c,2026-11-01,no,XX-99\n"
            "\u0410-4,d,2026-11-01,no,AC-01\n")
    with pytest.raises(InvalidInput) as info:
        import_requests(engagement, write(tmp_path, "bad.csv", text))
    msg = str(info.value)
    assert "4 problems, nothing imported" in msg and "\n" not in msg
    assert "row 2, column 'Due Date'" in msg and "row 3, column 'Delivered?': expected yes or no, got 'maybe'" in msg
    assert "unknown control refs 'XX-99' (row 4)" in msg
    assert "row 5, column 'ID': U+0410 CYRILLIC CAPITAL LETTER A looks like a Latin letter but is not" in msg
    assert stored(engagement) == {}


def test_fullwidth_control_refs_match_the_control(engagement, tmp_path):
    add_control(engagement, "AC-01", "Access")
    import_requests(engagement, write(tmp_path, "r.csv", "ID,Description,Control\n1,a,\uff21\uff23-01\n"))
    from sqlmodel import select

    from fieldwork_tui.store.models import RequestControl

    with engagement.read() as s:
        assert len(s.exec(select(RequestControl)).all()) == 1


def test_dry_run_writes_nothing(engagement, tmp_path):
    result = import_requests(engagement, write(tmp_path, "pbc.csv", TRACKER), dry_run=True)
    assert stored(engagement) == {}
    assert result.plan.dry_run and result.plan.changes == ("1: new request", "2: new request", "3: new request")
    assert result.plan.lines()[0] == "dry run, nothing written: 3 requests would be imported (3 new, 0 updated, " \
                                     "0 unchanged); 2 new client owner(s): Ana, Bo"


def test_tracker_on_a_later_sheet_behind_a_hidden_one(engagement, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Archive"
    ws.append(["ID", "Description"])
    ws.append(["OLD-1", "last year"])
    ws.sheet_state = "hidden"
    ws = wb.create_sheet("Read me")
    ws.append(["Return by Friday"])
    ws = wb.create_sheet("PBC")
    ws.append(["Request ID", "Evidence Requested", "Delivered?"])
    ws.append(["R-1", "User list", "No"])
    path = tmp_path / "pbc.xlsx"
    wb.save(path)
    result = import_requests(engagement, path)
    assert list(stored(engagement)) == ["R-1"]
    assert result.plan.source.endswith("[sheet 'PBC']") and "hidden sheets skipped: 'Archive'" in result.plan.notes
