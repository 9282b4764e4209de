"""Request services: the triage query (filters, sorts, paging in SQL), bulk changes with history,
follow-ups, accept/return, the sample wave, the open-items export and the CLI."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, insert
from sqlmodel import select
from typer.testing import CliRunner

from fieldwork_tui.domain.requests import is_overdue
from fieldwork_tui.domain.vocab import OPEN_REQUEST_STATUSES, RequestStatus, RequestWave
from fieldwork_tui.services.controls.status import overview, status_json
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.requests import triage as rq
from fieldwork_tui.services.requests.export import export_requests
from fieldwork_tui.services.requests.files import create_sample_request, sample_choices
from fieldwork_tui.store.models import (
    Control,
    EvidenceRequest,
    FollowUp,
    JournalEntry,
    Person,
    Population,
    RequestControl,
    RequestStatusChange,
    Sample,
    SampleItem,
)

TODAY = dt.date(2026, 11, 20)
S = RequestStatus


def all_rows(handle, **kw):
    q = rq.RequestQuery(**kw)
    return rq.request_page(handle, q, 0, 10_000)


def by_ref(handle, ref):
    return next(r for r in all_rows(handle, sort="ref") if r.ref == ref)


# -- the demo list and the dashboard agree with the domain rule -----------------------------------------
def test_demo_list_has_every_status_and_overdue_items(demo):
    rows = all_rows(demo)
    assert 55 <= len(rows) <= 70
    assert {r.status for r in rows} == set(S)
    assert any(r.overdue for r in rows) and any(r.last_follow_up for r in rows)
    for r in rows:
        assert r.overdue == is_overdue(r.status, r.due_on, TODAY)


def test_dashboard_counts_match_overdue_rule(demo):
    rows = all_rows(demo)
    ov = overview(demo, TODAY)
    overdue = [r for r in rows if r.overdue]
    assert ov.requests_overdue == len(overdue) == rq.count_requests(demo, rq.RequestQuery(overdue=True))
    assert ov.oldest_overdue == min(r.due_on for r in overdue)
    assert sum(ov.requests_by_status.values()) == len(rows)
    block = status_json(demo, TODAY)["requests"]
    assert block["total"] == len(rows) and block["overdue"] == len(overdue)


# -- quick filters, text filter, sort ---------------------------------------------------------------
def test_overdue_for_one_owner(demo):
    owners = rq.owner_counts(demo)
    top = owners[0]
    assert top.overdue == max(o.overdue for o in owners)
    rows = all_rows(demo, overdue=True, owner_id=top.id)
    assert len(rows) == top.overdue and all(r.overdue and r.owner == top.name for r in rows)


def test_status_control_wave_and_text_filters(demo):
    open_items = all_rows(demo, statuses=frozenset(OPEN_REQUEST_STATUSES))
    assert open_items and all(r.status in OPEN_REQUEST_STATUSES for r in open_items)
    with demo.read() as s:
        cm01 = s.exec(select(Control).where(Control.ref == "CM-01")).one()
    rows = all_rows(demo, control_id=cm01.id)
    assert rows and all("CM-01" in r.controls.split() for r in rows)
    pops = all_rows(demo, wave=RequestWave.population)
    assert pops and all(r.wave is RequestWave.population for r in pops)
    text = all_rows(demo, text="backup")
    assert text and all("backup" in r.description.lower() for r in text)
    by_owner_text = all_rows(demo, text="Köhler")
    assert by_owner_text and all(r.owner == "Hannah Köhler" for r in by_owner_text)
    by_control_text = all_rows(demo, text="OP-05")
    assert by_control_text and all("OP-05" in r.controls for r in by_control_text)


@pytest.mark.parametrize("sort", rq.SORT_KEYS)
def test_every_column_sorts_in_sql(demo, sort):
    asc = all_rows(demo, sort=sort)
    desc = all_rows(demo, sort=sort, descending=True)
    assert len(asc) == len(desc) and {r.id for r in asc} == {r.id for r in desc}
    key = {"ref": lambda r: (len(r.ref), r.ref), "due": lambda r: r.due_on, "age": lambda r: r.age,
           "owner": lambda r: r.owner.lower(), "status": lambda r: list(S).index(r.status),
           "follow_up": lambda r: r.last_follow_up_on}.get(sort)
    if key:
        present = [key(r) for r in asc if key(r) not in (None, "")]
        assert present == sorted(present)
        present_desc = [key(r) for r in desc if key(r) not in (None, "")]
        assert present_desc == sorted(present_desc, reverse=True)


def test_paging_is_consistent(demo):
    q = rq.RequestQuery(sort="due")
    whole = [r.id for r in rq.request_page(demo, q, 0, 1000)]
    paged = [r.id for off in range(0, len(whole), 7) for r in rq.request_page(demo, q, off, 7)]
    assert paged == whole


# -- thousands of requests: one query per page, never one per row -----------------------------------
def test_five_thousand_requests_one_query_per_page(engagement):
    with engagement.session() as s:
        owners = [Person(name=f"Owner {i}") for i in range(20)]
        controls = [Control(ref=f"C-{i:02d}", title=f"Control {i}") for i in range(30)]
        s.add_all(owners + controls)
        s.flush()
        start = dt.date(2026, 9, 1)
        s.connection().execute(insert(EvidenceRequest), [
            {"ref": f"R-{i:05d}", "description": f"Item {i}", "owner_id": owners[i % 20].id,
             "requested_on": start, "due_on": start + dt.timedelta(days=i % 120), "status": list(S)[i % 7].name,
             "priority": "", "wave": "general", "created_at": dt.datetime.now(dt.UTC),
             "updated_at": dt.datetime.now(dt.UTC)} for i in range(5000)])
        ids = [r for r in s.exec(select(EvidenceRequest.id))]
        s.connection().execute(insert(RequestControl), [
            {"request_id": rid, "control_id": controls[rid % 30].id} for rid in ids])
        s.connection().execute(insert(FollowUp), [
            {"request_id": rid, "on": start, "by": "elena", "message": "chased", "created_at": dt.datetime.now(dt.UTC)}
            for rid in ids[::3]])
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engagement.read_engine, "before_cursor_execute", count)
    try:
        for sort in ("follow_up", "age", "controls", "owner"):
            statements.clear()
            q = rq.RequestQuery(sort=sort, descending=True, overdue=True, text="item")
            assert rq.count_requests(engagement, q) > 1000
            page = rq.request_page(engagement, q, 1000, 200)
            assert len(page) == 200
            assert len(statements) == 3, statements  # count + one page + its control refs
    finally:
        event.remove(engagement.read_engine, "before_cursor_execute", count)
    if engagement.engine.dialect.name != "sqlite":
        return  # the plan below is SQLite's; PostgreSQL picks its plan from the table's statistics
    with engagement.read() as s:
        plan = " ".join(str(r) for r in s.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM evidencerequest WHERE owner_id = 3 AND status = 'open'"))
    assert "USING INDEX" in plan


# -- changes ---------------------------------------------------------------------------------------
def test_bulk_status_change_writes_history(demo):
    open_rows = all_rows(demo, statuses=frozenset({S.open}))[:3]
    ids = [r.id for r in open_rows]
    assert rq.change_status(demo, ids, S.in_progress, "client working on it") == 3
    for r in open_rows:
        d = rq.request_detail(demo, r.id)
        assert d.status is S.in_progress
        last = d.history[-1]
        assert (last.from_status, last.to_status, last.reason, last.by) == (S.open, S.in_progress,
                                                                           "client working on it", "elena")
    with demo.read() as s:
        assert s.exec(select(JournalEntry).where(JournalEntry.entity == "requeststatuschange")).first()


def test_bulk_status_change_is_all_or_nothing(demo):
    accepted = all_rows(demo, statuses=frozenset({S.accepted}))[0]
    opened = all_rows(demo, statuses=frozenset({S.open}))[0]
    with pytest.raises(InvalidInput, match=rf"{opened.ref}: cannot go from open to accepted"):
        rq.change_status(demo, [accepted.id, opened.id], S.accepted)
    assert by_ref(demo, opened.ref).status is S.open
    with pytest.raises(InvalidInput, match="reason is required"):
        rq.change_status(demo, [opened.id], S.not_applicable)
    with pytest.raises(InvalidInput, match="no request selected"):
        rq.change_status(demo, [], S.open)


def test_submitted_sets_received_date(engagement):
    with engagement.session() as s:
        s.add(EvidenceRequest(ref="A", description="a", requested_on=dt.date(2026, 11, 2)))
    rid = by_ref(engagement, "A").id
    rq.change_status(engagement, [rid], S.submitted)
    d = rq.request_detail(engagement, rid)
    assert d.received_on == TODAY and d.age == 14


def test_assign_owner_and_shift_due(demo):
    rows = all_rows(demo, sort="ref")[:2]
    ids = [r.id for r in rows]
    assert rq.assign_owner(demo, ids, "Zoë Newhire") == 2
    with demo.read() as s:
        p = s.exec(select(Person).where(Person.name == "Zoë Newhire")).one()
    assert p.side.value == "client"
    assert all(by_ref(demo, r.ref).owner == "Zoë Newhire" for r in rows)
    rq.shift_due(demo, ids, days=3)
    for r in rows:
        after = by_ref(demo, r.ref).due_on
        assert after > r.due_on and after.weekday() < 5
    rq.shift_due(demo, ids, new_date=dt.date(2026, 12, 24))
    assert {by_ref(demo, r.ref).due_on for r in rows} == {dt.date(2026, 12, 24)}
    rq.assign_owner(demo, ids[:1], "")
    assert by_ref(demo, rows[0].ref).owner == ""
    with pytest.raises(InvalidInput):
        rq.shift_due(demo, ids)


def test_follow_up_with_new_due_date(demo):
    r = all_rows(demo, overdue=True)[0]
    rq.add_follow_up(demo, r.id, "Called the owner; promised Tuesday", new_due_on=dt.date(2026, 11, 24))
    after = by_ref(demo, r.ref)
    assert after.due_on == dt.date(2026, 11, 24) and not after.overdue
    assert after.last_follow_up == "Called the owner; promised Tuesday" and after.last_follow_up_on == TODAY
    fu = rq.request_detail(demo, r.id).follow_ups[-1]
    assert (fu.by, fu.new_due_on) == ("elena", dt.date(2026, 11, 24))
    with pytest.raises(InvalidInput, match="message"):
        rq.add_follow_up(demo, r.id, "   ")


def test_accept_and_return(demo):
    subs = all_rows(demo, statuses=frozenset({S.submitted}))
    rq.accept_request(demo, subs[0].ref, "complete")
    assert by_ref(demo, subs[0].ref).status is S.accepted
    with pytest.raises(InvalidInput, match="reason"):
        rq.return_request(demo, subs[1].id, "")
    rq.return_request(demo, subs[1].id, "Only two quarters")
    d = rq.request_detail(demo, subs[1].id)
    assert d.status is S.returned and d.history[-1].reason == "Only two quarters"
    opened = all_rows(demo, statuses=frozenset({S.open}))[0]
    with pytest.raises(InvalidInput, match="cannot go from open to accepted"):
        rq.accept_request(demo, opened.id)
    with pytest.raises(NotFound):
        rq.accept_request(demo, "NOPE-1")


# -- sample wave -----------------------------------------------------------------------------------
def _sample(handle, n=3):
    with handle.session() as s:
        control = s.exec(select(Control).where(Control.ref == "AC-03")).one()
        pop = Population(control_id=control.id, source_name="terminations.csv", row_count=40)
        s.add(pop)
        s.flush()
        smp = Sample(control_id=control.id, population_id=pop.id, size=n, method="random")
        s.add(smp)
        s.flush()
        for i in range(n):
            s.add(SampleItem(sample_id=smp.id, position=i, key=f"EMP-{100 + i}", occurred_on=dt.date(2026, 3, i + 1)))
        return smp.id


def test_sample_wave_request_for_exactly_the_items(demo):
    sid = _sample(demo)
    choice = next(c for c in sample_choices(demo) if c.id == sid)
    assert choice.items == 3 and choice.request_ref is None
    ref = create_sample_request(demo, sid)
    d = rq.request_detail(demo, ref)
    assert d.wave is RequestWave.sample and d.sample_id == sid and d.controls[0][0] == "AC-03"
    assert all(f"EMP-{100 + i}" in d.description for i in range(3)) and "EMP-103" not in d.description
    assert d.owner == "Diego Alvarez" and d.due_on > TODAY and d.status is S.open
    assert next(c for c in sample_choices(demo) if c.id == sid).request_ref == ref
    with pytest.raises(InvalidInput, match="already requested"):
        create_sample_request(demo, sid)
    with pytest.raises(NotFound):
        create_sample_request(demo, 9999)


# -- export ----------------------------------------------------------------------------------------
def _evil(handle):
    r = all_rows(handle, statuses=frozenset({S.open}), sort="ref")[0]
    with handle.session() as s:
        req = s.get(EvidenceRequest, r.id)
        req.description = "=HYPERLINK(\"http://x\",\"click\")"
        s.add(req)
    return r.ref


def test_open_items_xlsx(demo, tmp_path):
    evil = _evil(demo)
    out = tmp_path / "open.xlsx"
    result = export_requests(demo, out, open_only=True)
    owed = all_rows(demo, statuses=frozenset(OPEN_REQUEST_STATUSES))
    assert result.rows == len(owed)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    wb = load_workbook(out)
    ws = wb.active
    assert "Open items" in ws["A1"].value
    header = [c.value for c in ws[3]]
    assert header[:5] == ["Request ID", "Control Ref", "Request Description", "Owner", "Status"]
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert len(data) == len(owed)
    assert {row[4] for row in data} <= {"open", "in progress", "needs clarification", "returned"}
    owners = {row[3] for row in data}
    assert "Hannah Köhler" in owners or "Tomás Ferreira" in owners  # non-ASCII intact
    dues = [row[8] for row in data if row[8] is not None]
    assert all(isinstance(d, dt.datetime) for d in dues) and dues == sorted(dues)
    evil_row = next(row for row in data if row[0] == evil)
    assert evil_row[2].startswith("'=")
    for row in ws.iter_rows(min_row=4):
        assert all(c.data_type != "f" for c in row)


def test_full_list_csv_for_excel(demo, tmp_path):
    evil = _evil(demo)
    out = tmp_path / "all.csv"
    result = export_requests(demo, out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][0] == "Request ID" and len(rows) - 1 == result.rows == len(all_rows(demo))
    assert any("Köhler" in cell for row in rows for cell in row)
    assert next(r for r in rows if r[0] == evil)[2].startswith("'=")


@pytest.mark.parametrize(("name", "pattern"), [("x.pdf", "must end in .xlsx or .csv"),
                                                ("missing/x.csv", "folder not found")])
def test_export_refuses_bad_targets(demo, tmp_path, name, pattern):
    with pytest.raises(InvalidInput, match=pattern):
        export_requests(demo, tmp_path / name)


def test_failed_export_leaves_no_temp_file(demo, tmp_path, monkeypatch):
    import fieldwork_tui.store.outputs as mod  # every output is renamed into place there

    def boom(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(mod.os, "replace", boom)
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(OSError):
        export_requests(demo, target / "x.xlsx")
    assert list(target.iterdir()) == []


# -- CLI -------------------------------------------------------------------------------------------
def test_cli_import_and_export(demo_home, tmp_path):
    from fieldwork_tui.cli import app

    runner = CliRunner()
    src = tmp_path / "pbc.csv"
    src.write_bytes("Client list\nRequest #,Request Description,Owner,Status,Control Ref\n"
                    "NEW-1,Extra evidence,Aisha Bello,Outstanding,FN-01\n".encode("cp1252"))
    res = runner.invoke(app, ["--home", str(demo_home), "import", "requests", "demo", str(src)])
    assert res.exit_code == 0, res.output
    assert "1 requests imported (1 new, 0 updated, 0 unchanged)" in res.output and "not in this file were kept" in res.output
    out = tmp_path / "open.csv"
    res = runner.invoke(app, ["--home", str(demo_home), "export-requests", "demo", "-o", str(out), "--open-only"])
    assert res.exit_code == 0, res.output
    assert "NEW-1" in out.read_text(encoding="utf-8-sig")
    bad = tmp_path / "bad.csv"
    bad.write_text("ID,Description,Status\nA,a,Whatever\n")
    res = runner.invoke(app, ["--home", str(demo_home), "import", "requests", "demo", str(bad)])
    assert res.exit_code != 0 and "unknown status words 'Whatever' (row 2)" in res.output
    assert "Traceback" not in res.output
    res = runner.invoke(app, ["--home", str(demo_home), "export-requests", "demo", "-o", str(tmp_path / "x.txt")])
    assert res.exit_code != 0 and "must end in .xlsx or .csv" in res.output


def test_status_history_rows_exist_for_demo(demo):
    with demo.read() as s:
        assert s.exec(select(RequestStatusChange)).first() is not None


def test_list_age_is_the_domain_rule_for_every_request(demo):
    """The list's age is computed in SQL (sortable over thousands of rows); it must be the domain's
    business-day age for every request of the demo (a bound epoch date, never a number on SQLite)."""
    from fieldwork_tui.domain.requests import request_age

    today = dt.date(2026, 12, 1)  # a Tuesday: weekends inside every age
    rows = rq.request_page(demo, rq.RequestQuery(), 0, 10_000, today=today)
    assert rows
    for r in rows:
        if r.requested_on is None:
            continue
        assert r.age == request_age(r.status, r.requested_on, r.received_on, today), r.ref
