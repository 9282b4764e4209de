"""Request-list (PBC) import: every quirk of trackers' exports, all-or-nothing, re-import by ID, fuzzing."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlmodel import select

from fieldwork_tui.domain.vocab import PersonSide, RequestStatus, RequestWave
from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.errors import FieldworkError, InvalidInput
from fieldwork_tui.services.requests.importer import import_requests
from fieldwork_tui.services.requests.triage import RequestQuery, request_detail, request_page
from fieldwork_tui.store.models import EvidenceRequest, Person, RequestStatusChange

TRACKER = (
    "Acme Cloud — PBC request list FY26\r\n"
    "Exported 11/02/2026\r\n"
    "\r\n"
    "Request #,Control Ref,Request Description,Owner,Due Date,Status,Priority,Requested,Received,Wave\r\n"
    "PBC-1,AC-01,Quarterly access reviews (Q1–Q4),José Núñez,11/15/2026,Outstanding,High,10/05/2026,,Population\r\n"
    "PBC-2,\"AC-01; CM-01\",Change tickets — café deploys,Hannah Köhler,2026-11-30,Provided,,2026-10-05,"
    "2026-11-03,\r\n"
    "PBC-3,,Organizational chart,,46000,N/A,Low,,,\r\n"
    "PBC-4,CM-01,Deploy population,José Núñez,12/1/2026,in progress,Medium,10/05/2026,,wave 1\r\n"
)


@pytest.fixture
def eng(engagement):
    add_control(engagement, "AC-01", "Quarterly access review")
    add_control(engagement, "CM-01", "Changes approved")
    return engagement


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def rows_by_ref(handle):
    return {r.ref: r for r in request_page(handle, RequestQuery(sort="ref"), 0, 10_000)}


def snapshot(handle):
    """Everything the import could touch, to prove a failed import changed nothing."""
    with handle.read() as s:
        return (
            # in id order: without ORDER BY, PostgreSQL returns rows in whatever order its pages hold them
            [(r.ref, r.description, r.status, r.due_on, r.owner_id)
             for r in s.exec(select(EvidenceRequest).order_by(EvidenceRequest.id))],
            [p.name for p in s.exec(select(Person).order_by(Person.id))],
            len(s.exec(select(RequestStatusChange)).all()),
        )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_tracker_export_with_title_rows(eng, tmp_path, encoding):
    text = TRACKER.replace("–", "-").replace("—", "-") if encoding == "cp1252" else TRACKER
    result = import_requests(eng, write(tmp_path, "pbc.csv", text, encoding), today=dt.date(2026, 11, 20))
    assert (result.created, result.updated, result.total) == (4, 0, 4)
    rows = rows_by_ref(eng)
    one = rows["PBC-1"]
    assert one.description.startswith("Quarterly access reviews (Q1")
    assert one.owner == "José Núñez" and one.status is RequestStatus.open
    assert one.due_on == dt.date(2026, 11, 15) and one.requested_on == dt.date(2026, 10, 5)
    assert one.controls == "AC-01" and one.wave is RequestWave.population and one.overdue
    two = rows["PBC-2"]
    assert two.controls == "AC-01 CM-01" and two.status is RequestStatus.submitted
    assert two.received_on == dt.date(2026, 11, 3) and two.owner == "Hannah Köhler"
    three = rows["PBC-3"]
    assert three.status is RequestStatus.not_applicable and three.due_on == dt.date(2025, 12, 9)  # Excel serial
    # no request date in the list: blank, never the import day passed off as one; the age counts from the import
    assert three.requested_on is None and three.imported_on == dt.date(2026, 11, 20)
    assert three.age_from == "imported" and one.age_from == "requested"
    assert rows["PBC-4"].status is RequestStatus.in_progress and rows["PBC-4"].due_on == dt.date(2026, 12, 1)
    with eng.read() as s:
        people = {p.name: p for p in s.exec(select(Person))}
    assert people["José Núñez"].side is PersonSide.client  # owners become client personnel
    history = request_detail(eng, "PBC-2").history
    assert [(h.from_status, h.to_status) for h in history] == [(None, RequestStatus.submitted)]
    assert "pbc.csv" in history[0].reason
    detail = request_detail(eng, "PBC-4", today=dt.date(2026, 11, 27))
    assert detail.requested_on == dt.date(2026, 10, 5) and detail.imported_on is None


def test_a_request_without_a_request_date_ages_from_its_import(eng, tmp_path):
    text = "Request #,Request Description,Due Date,Status\r\nPBC-9,Org chart,2026-12-31,Outstanding\r\n"
    import_requests(eng, write(tmp_path, "pbc.csv", text), today=dt.date(2026, 11, 20))  # a Friday
    [row] = request_page(eng, RequestQuery(), 0, 10, today=dt.date(2026, 11, 27))
    assert row.requested_on is None and row.imported_on == dt.date(2026, 11, 20)
    assert row.age == 5 and row.age_from == "imported"  # business days since the import
    detail = request_detail(eng, "PBC-9", today=dt.date(2026, 11, 27))
    assert detail.requested_on is None and detail.age == 5 and detail.imported_on == dt.date(2026, 11, 20)
    import_requests(eng, write(tmp_path, "pbc2.csv", text.replace("Status", "Requested,Status").replace(
        "2026-12-31,", "2026-12-31,2026-11-02,")), today=dt.date(2026, 11, 24))
    [row] = request_page(eng, RequestQuery(), 0, 10, today=dt.date(2026, 11, 27))
    assert row.requested_on == dt.date(2026, 11, 2) and row.age_from == "requested" and row.age == 19


def test_odd_headers_and_semicolons(eng, tmp_path):
    text = ("Req ID;Evidence Requested;Related Controls;Assigned To;Deadline;State\n"
            "R1;Access list;ac-01;Ann;2026-12-01;Pending\n"
            "R2;Backups;;Ann;2026-12-02;uploaded\n")
    import_requests(eng, write(tmp_path, "x.csv", text))
    rows = rows_by_ref(eng)
    assert rows["R1"].controls == "AC-01" and rows["R1"].owner == "Ann"
    assert rows["R2"].status is RequestStatus.submitted


def test_semicolons_below_title_rows_cp1252(eng, tmp_path):
    text = ("Lumen PBC tracker\r\nexported by GRC\r\n\r\n"
            "Req #;Request Description;Control Ref;Assigned To;Deadline;Status\r\n"
            "N-1;Liste der Zugänge;AC-01;Jürgen Groß;11/18/2026;Outstanding\r\n")
    import_requests(eng, write(tmp_path, "eu.csv", text, "cp1252"))
    row = rows_by_ref(eng)["N-1"]
    assert (row.description, row.owner, row.due_on) == ("Liste der Zugänge", "Jürgen Groß", dt.date(2026, 11, 18))


def test_xlsx_with_real_dates_and_serials(eng, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Client PBC tracker"])
    ws.append([])
    ws.append(["ID", "Request", "Control", "Owner", "Due", "Status"])
    ws.append(["X-1", "Firewall rules", "AC-01", "Sam", dt.datetime(2026, 11, 18, 0, 0), "Complete"])
    ws.append(["X-2", "Deploy log", "CM-01", "Sam", 46350, "Open"])
    ws.append([None, None, None, None, None, None])
    path = tmp_path / "pbc.xlsx"
    wb.save(path)
    result = import_requests(eng, path)
    assert result.created == 2
    rows = rows_by_ref(eng)
    assert rows["X-1"].due_on == dt.date(2026, 11, 18) and rows["X-1"].status is RequestStatus.accepted
    assert rows["X-2"].due_on == dt.date(2026, 11, 24)  # Excel serial 46350


def test_unknown_statuses_are_all_listed(eng, tmp_path):
    text = ("ID,Description,Status\nA,a,Waiting\nB,b,open\nC,c,Sorta done\nD,d,Waiting\n")
    with pytest.raises(InvalidInput) as err:
        import_requests(eng, write(tmp_path, "s.csv", text))
    msg = str(err.value)
    assert "'Waiting' (rows 2, 5)" in msg and "'Sorta done' (row 4)" in msg and "s.csv" in msg
    assert "\n" not in msg
    assert rows_by_ref(eng) == {}


def test_unknown_control_refs_name_the_row(eng, tmp_path):
    text = "ID,Description,Control Ref\nA,a,AC-01\nB,b,XX-99\n"
    with pytest.raises(InvalidInput, match=r"unknown control refs 'XX-99' \(row 3\)"):
        import_requests(eng, write(tmp_path, "c.csv", text))
    assert rows_by_ref(eng) == {}


def test_duplicate_ids_refused(eng, tmp_path):
    text = "ID,Description\nA-1,a\nB-1,b\na-1,again\n"
    with pytest.raises(InvalidInput, match=r"row 4.*'a-1' appears twice \(also row 2\)"):
        import_requests(eng, write(tmp_path, "d.csv", text))


@pytest.mark.parametrize(("text", "pattern"), [
    ("ID,Description,Due Date\nA,a,13/45/2026\n", r"row 2, column 'Due Date'.*not a date"),
    ("ID,Description\n,a\n", r"row 2, column 'ID': the request ID is empty"),
    ("ID,Description,Wave\nA,a,third\n", r"row 2, column 'Wave': unknown wave"),
    ("Owner,Status\nAnn,open\n", r"no header row found"),
    ("ID,Description\n", r"no request rows"),
])
def test_bad_rows_name_row_and_column(eng, tmp_path, text, pattern):
    with pytest.raises(InvalidInput, match=pattern):
        import_requests(eng, write(tmp_path, "bad.csv", text))
    assert rows_by_ref(eng) == {}


def test_missing_file(eng, tmp_path):
    with pytest.raises(InvalidInput, match="file not found"):
        import_requests(eng, tmp_path / "nope.csv")


def test_reimport_updates_by_id_and_keeps_missing(eng, tmp_path):
    import_requests(eng, write(tmp_path, "v1.csv", TRACKER))
    first_ids = {r.ref: r.id for r in rows_by_ref(eng).values()}
    v2 = ("Request #,Request Description,Status,Due Date,Control Ref\n"
          "PBC-1,Quarterly access reviews - all four quarters,Provided,11/20/2026,CM-01\n"
          "PBC-5,New: HR roster,Open,12/04/2026,\n")
    result = import_requests(eng, write(tmp_path, "v2.csv", v2))
    assert (result.created, result.updated) == (1, 1)
    assert result.kept == ["PBC-2", "PBC-3", "PBC-4"]  # not in the file: kept, and said so
    assert "kept unchanged: PBC-2, PBC-3, PBC-4" in result.describe()
    rows = rows_by_ref(eng)
    assert set(rows) == {"PBC-1", "PBC-2", "PBC-3", "PBC-4", "PBC-5"}
    assert rows["PBC-1"].id == first_ids["PBC-1"]  # same request, updated in place
    assert rows["PBC-1"].status is RequestStatus.submitted and rows["PBC-1"].controls == "CM-01"
    assert rows["PBC-1"].owner == "José Núñez"  # no owner column this time: owner kept
    assert rows["PBC-5"].id not in first_ids.values()  # a new ID never takes an old request's row
    history = request_detail(eng, "PBC-1").history
    assert [h.to_status for h in history] == [RequestStatus.open, RequestStatus.submitted]


def test_reimport_same_file_changes_nothing_but_counts(eng, tmp_path):
    path = write(tmp_path, "v1.csv", TRACKER)
    import_requests(eng, path)
    before = snapshot(eng)
    result = import_requests(eng, path)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 4) and result.changes == []
    assert snapshot(eng) == before  # no extra status history either


def test_failed_reimport_leaves_everything(eng, tmp_path):
    import_requests(eng, write(tmp_path, "v1.csv", TRACKER))
    before = snapshot(eng)
    bad = "Request #,Request Description,Owner,Status\nPBC-1,changed,New Person,closed\nPBC-9,x,Other,Maybe\n"
    with pytest.raises(InvalidInput):
        import_requests(eng, write(tmp_path, "bad.csv", bad))
    assert snapshot(eng) == before


# -- fuzzing: any file either imports fully or changes nothing, never a traceback ----------------------
CELL = st.one_of(
    st.sampled_from(["", "open", "Provided", "N/A", "Waiting", "AC-01", "CM-01, AC-01", "XX-1", "11/15/2026",
                     "2026-13-01", "46000", "=1+1", "Köhler", "Population", "wave 9", "  ", "\"", ";"]),
    st.text(alphabet=string.printable + "éüß—", max_size=12),
)
HEADERS = ["Request #", "Request Description", "Control Ref", "Owner", "Due Date", "Status", "Wave", "Priority"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=st.booleans(),
    headers=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8, unique=True),
    body=st.lists(st.lists(CELL, min_size=0, max_size=8), max_size=6),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_fuzz_import_is_all_or_nothing(eng, tmp_path, title, headers, body, encoding):
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    if title:
        w.writerow(["Some tracker title"])
    w.writerow(headers)
    for row in body:
        w.writerow(row)
    data = buf.getvalue().encode(encoding, errors="replace")
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    before = snapshot(eng)
    try:
        result = import_requests(eng, path)
    except FieldworkError as exc:
        assert "\n" not in str(exc)
        assert snapshot(eng) == before
        return
    stored = rows_by_ref(eng)
    # the examples share one engagement: a row imported by an earlier example comes back unchanged
    assert result.total == result.created + result.updated + result.unchanged
    assert len(stored) == len(before[0]) + result.created
