"""Pilot tests of the requests view and the request detail: keys in, stored results out."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Input, Select

from fieldwork_tui.domain.vocab import RequestStatus
from fieldwork_tui.services.requests import triage as rq
from fieldwork_tui.tui.dialogs.request_edit import StatusDialog
from fieldwork_tui.tui.dialogs.request_pick import PickDialog
from fieldwork_tui.tui.screens.request_detail import RequestDetailScreen
from fieldwork_tui.tui.screens.requests import RequestsScreen
from fieldwork_tui.tui.widgets.virtual_table import VirtualTable

from ..support import settle

SIZE = (130, 40)
S = RequestStatus


def keys(table: VirtualTable) -> list:
    return [table.row_at(i).key for i in range(table.row_count)]


async def open_requests(pilot):
    await pilot.press("3")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RequestsScreen)
    return screen, screen.query_one(VirtualTable)


async def test_triage_lists_every_request_overdue_in_red(demo_app, demo):
    async with demo_app.run_test(size=SIZE) as pilot:
        _screen, table = await open_requests(pilot)
        assert table.row_count == rq.count_requests(demo)
        rows = [table.row_at(i) for i in range(table.row_count)]
        overdue = {r.id for r in rq.request_page(demo, rq.RequestQuery(overdue=True), 0, 1000)}
        styles = {r.key: str(r.style) for r in rows}
        severe = {styles[k] for k in overdue}
        assert overdue and len(severe) == 1 and severe != {""}  # every overdue row in one (the severe) style
        assert {k for k, s in styles.items() if s in severe} == overdue


async def test_overdue_for_one_owner_in_two_keystrokes(demo_app, demo):
    async with demo_app.run_test(size=SIZE) as pilot:
        screen, table = await open_requests(pilot)
        await pilot.press("o")
        await settle(pilot)
        owner_id = table.cursor_row.data["owner_id"]
        await pilot.press("w")
        await settle(pilot)
        expected = [r.id for r in rq.request_page(demo, rq.RequestQuery(overdue=True, owner_id=owner_id), 0, 100)]
        assert keys(table) == expected and expected
        assert "overdue" in str(screen.query_one("#quick").render())
        await pilot.press("x")
        await settle(pilot)
        assert table.row_count == rq.count_requests(demo)


async def test_owner_picker_status_picker_and_wave(demo_app, demo):
    top = rq.owner_counts(demo)[0]
    async with demo_app.run_test(size=SIZE) as pilot:
        _screen, table = await open_requests(pilot)
        await pilot.press("W")
        await settle(pilot)
        assert isinstance(demo_app.screen, PickDialog)
        await pilot.press(*top.name.split()[0], "enter")
        await settle(pilot)
        assert table.row_count == top.total
        await pilot.press("t")
        await settle(pilot)
        await pilot.press(*"open items", "enter")
        await settle(pilot)
        assert table.row_count == top.open
        await pilot.press("x", "v")  # wave: population
        await settle(pilot)
        pops = rq.count_requests(demo, rq.RequestQuery(wave=rq.RequestWave.population))
        assert table.row_count == pops


async def test_control_picker(demo_app, demo):
    async with demo_app.run_test(size=SIZE) as pilot:
        _screen, table = await open_requests(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press(*"OP-01", "enter")
        await settle(pilot)
        assert table.row_count >= 2
        assert all("OP-01" in table.row_at(i).data["controls"] for i in range(table.row_count))


async def test_filter_as_you_type_and_sort(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        screen, table = await open_requests(pilot)
        await pilot.press("slash", *"population")
        await settle(pilot)
        assert table.row_count >= 5
        assert all("Population" in str(table.row_at(i).cells[1]) for i in range(table.row_count))
        await pilot.press("enter", "escape")
        await settle(pilot)
        await pilot.click(VirtualTable, offset=(5, 0))  # header "ID"
        await settle(pilot)
        first = rq.request_page(demo_app.handle, rq.RequestQuery(sort="ref"), 0, 1)[0].ref
        last = rq.request_page(demo_app.handle, rq.RequestQuery(sort="ref", descending=True), 0, 1)[0].ref
        assert screen.query_state.sort == "ref" and table.row_at(0).cells[0] == first
        await pilot.click(VirtualTable, offset=(5, 0))
        await settle(pilot)
        assert screen.query_state.descending and table.row_at(0).cells[0] == last
        await pilot.press("s")  # next column: description
        await settle(pilot)
        assert screen.query_state.sort == "description"


async def test_bulk_status_change_is_stored_with_history(demo_app, demo):
    async with demo_app.run_test(size=SIZE) as pilot:
        screen, table = await open_requests(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press(*"open", "down", "enter")  # "open" itself (after the open-items entry)
        await settle(pilot)
        assert all(table.row_at(i).cells[4].plain == "open" for i in range(table.row_count))
        picked = [table.row_at(0).key, table.row_at(1).key]
        await pilot.press("space", "space")
        assert table.selected == set(picked)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(demo_app.screen, StatusDialog)
        await pilot.press("enter", "down", "enter")  # open the status list, take the next one: needs clarification
        await settle(pilot)
        assert demo_app.screen.query_one(Select).value == "needs_clarification"
        await pilot.press("tab", *"Which quarter?", "enter")
        await settle(pilot)
        await settle(pilot)
        assert isinstance(demo_app.screen, RequestsScreen) and not table.selected
    for rid in picked:
        d = rq.request_detail(demo, rid)
        assert d.status is S.needs_clarification
        assert (d.history[-1].from_status, d.history[-1].reason) == (S.open, "Which quarter?")


async def test_refused_bulk_change_is_a_notification(demo_app, demo):
    async with demo_app.run_test(size=SIZE) as pilot:
        _screen, table = await open_requests(pilot)
        await pilot.press("a", "b")  # everything, then status
        await settle(pilot)
        demo_app.screen.query_one(Select).value = "accepted"
        await pilot.press("tab", "enter")  # submit from the reason input
        await settle(pilot)
        await settle(pilot)
        # refused: the dialog stays open and says why (nothing changed)
        assert isinstance(demo_app.screen, StatusDialog)
        assert "status not changed" in str(demo_app.screen.query_one("#form-error").content)
    assert rq.count_requests(demo, rq.RequestQuery(statuses=frozenset({S.open}))) > 0


async def test_bulk_owner_and_due_shift(demo_app, demo):
    async with demo_app.run_test(size=SIZE) as pilot:
        _screen, table = await open_requests(pilot)
        await pilot.press("slash", *"population", "enter")
        await settle(pilot)
        ids = set(keys(table))
        before = {r.id: r.due_on for r in rq.request_page(demo, rq.RequestQuery(text="population"), 0, 100)}
        await pilot.press("a", "n")
        await settle(pilot)
        await pilot.press(*"Nadia Park", "enter")
        await settle(pilot)
        await pilot.press("a", "d")
        await settle(pilot)
        await pilot.press(*"+2", "enter")
        await settle(pilot)
    after = {r.id: r for r in rq.request_page(demo, rq.RequestQuery(text="population"), 0, 100)}
    assert set(after) == ids
    for rid, r in after.items():
        assert r.owner == "Nadia Park"
        assert r.due_on > before[rid] and r.due_on.weekday() < 5


async def test_request_detail_follow_up_return_accept(demo_app, demo):
    sub = rq.request_page(demo, rq.RequestQuery(statuses=frozenset({S.submitted}), sort="ref"), 0, 1)[0]
    async with demo_app.run_test(size=SIZE) as pilot:
        screen, table = await open_requests(pilot)
        await pilot.press("slash", *sub.ref, "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(demo_app.screen, RequestDetailScreen)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press(*"Asked for Q3 too", "tab", *"2026-11-27", "enter")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("enter")  # a return needs a reason: refused in the dialog
        await settle(pilot)
        assert "say why" in str(demo_app.screen.query_one("#form-error").render())
        await pilot.press(*"Q3 missing", "enter")
        await settle(pilot)
        d = rq.request_detail(demo, sub.id)
        assert d.status is S.returned and d.history[-1].reason == "Q3 missing"
        assert d.follow_ups[-1].message == "Asked for Q3 too" and d.due_on == dt.date(2026, 11, 27)
        await pilot.press("a")  # only submitted items can be accepted
        await settle(pilot)
        assert isinstance(demo_app.screen, RequestDetailScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(demo_app.screen, RequestsScreen)
        assert table.row_at(0).cells[4].plain == "returned"


async def test_export_from_the_view(demo_app, demo, tmp_path):
    """Issue 15 item 9: the export is what the view shows (here: overdue only), or everything."""
    out, everything = tmp_path / "overdue.xlsx", tmp_path / "all.xlsx"
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_requests(pilot)
        await pilot.press("o")  # overdue only
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        demo_app.screen.query_one("#path", Input).value = str(out)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        demo_app.screen.query_one("#path", Input).value = str(everything)
        demo_app.screen.query_one("#option").value = True  # "Everything (ignore the filters)"
        await pilot.press("ctrl+s")
        await settle(pilot)
    from openpyxl import load_workbook

    shown = rq.count_requests(demo, rq.RequestQuery(overdue=True))
    assert 0 < shown < rq.count_requests(demo)
    assert load_workbook(out).active.max_row - 3 == shown
    assert load_workbook(everything).active.max_row - 3 == rq.count_requests(demo)


async def test_import_from_the_view(demo_app, demo, tmp_path):
    src = tmp_path / "pbc.csv"
    src.write_bytes("Tracker\nRequest #,Request Description,Owner,Status\nX-1,Extra item,Aisha Bello,pending\n"
                    .encode("cp1252"))
    async with demo_app.run_test(size=SIZE) as pilot:
        _screen, table = await open_requests(pilot)
        before = table.row_count
        await pilot.press("i")
        await settle(pilot)
        await pilot.press(*str(src), "ctrl+s")  # the file, then its columns (proposed from the headers)
        await settle(pilot)
        assert type(demo_app.screen).__name__ == "ImportMappingDialog"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert table.row_count == before + 1
    assert rq.request_detail(demo, "X-1").owner == "Aisha Bello"


async def test_import_error_is_a_notification(demo_app, tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("ID,Description,Status\nA,a,Whatever\n")
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_requests(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press(*str(src), "ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        # the dialog stays open with the error, the mapping kept for a fix (nothing imported)
        assert "unknown status words 'Whatever'" in str(demo_app.screen.query_one("#form-error").content)


async def test_palette_offers_the_view_actions(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        screen, _table = await open_requests(pilot)
        from fieldwork_tui.tui.kit.actions import palette_actions

        ids = {a.id for a in palette_actions(screen)}  # built from the bindings, none hand-kept
        assert {"requests.overdue", "requests.export", "requests.import", "requests.sample_wave"} <= ids
        for binding in screen.BINDINGS:
            assert binding.id and binding.tooltip


async def test_attach_received_files_from_detail(demo_app, demo, tmp_path):
    r = rq.request_page(demo, rq.RequestQuery(statuses=frozenset({S.open}), sort="ref"), 0, 1)[0]
    f = tmp_path / "Zugriffsprüfung Q3.pdf"
    f.write_bytes(b"%PDF-1.4" * 500)
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_requests(pilot)
        demo_app.push_screen(RequestDetailScreen(r.id))
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        demo_app.screen.query_one("TextArea").insert(str(f))
        await pilot.press("ctrl+s")
        await settle(pilot)
        await settle(pilot)
        assert [x.name for x in demo_app.screen.detail.files] == ["Zugriffsprüfung Q3.pdf"]
    d = rq.request_detail(demo, r.id)
    assert d.status is S.submitted and [x.name for x in d.files] == ["Zugriffsprüfung Q3.pdf"]


async def test_imported_request_without_a_requested_date_shows_its_age_since_the_import(demo_app, demo, tmp_path):
    """Issue 15 item 9b: a request the client's list gave no request date ages from its import, and the
    view says so: `*` after the Age and "since the import" in the detail line."""
    from fieldwork_tui.services.requests.importer import import_requests
    from fieldwork_tui.tui.widgets.virtual_table import DetailLine

    from ..support import plain

    src = tmp_path / "pbc.csv"
    src.write_text("Request #,Request Description,Due Date,Status\r\nPBC-900,Org chart,2026-12-31,Outstanding\r\n",
                   encoding="utf-8")
    import_requests(demo, src, today=dt.date(2026, 11, 13))  # a Friday: 5 business days before DEMO_TODAY
    row = rq.request_detail(demo, "PBC-900")
    assert row.requested_on is None and row.imported_on == dt.date(2026, 11, 13)
    async with demo_app.run_test(size=SIZE) as pilot:
        screen, table = await open_requests(pilot)
        await pilot.press("slash", *"PBC-900", "enter")
        await settle(pilot)
        assert table.row_count == 1 and table.row_at(0).cells[0] == "PBC-900"
        assert table.row_at(0).cells[6] == "5*"
        detail = " ".join(plain(screen.query_one(DetailLine)).split())
        assert "PBC-900 Org chart" in detail and "5 business days since the import" in detail
