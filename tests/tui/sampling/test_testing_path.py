"""The issue's whole path from the keyboard, on a fresh engagement with a change population: define
three attributes with rules, record the extract's completeness and accuracy, take the sample, see the
rules' proposals, confirm them, mark a deviation, expand, export the testing workbook, fill it in,
import it back, record the exception worded from the attribute — and the bundle shows it all."""

from __future__ import annotations

import zipfile

from openpyxl import load_workbook

from fieldwork_tui.domain import testing_sheet as ts
from fieldwork_tui.domain.vocab import Frequency, SampleResult
from fieldwork_tui.services.bundle.export import export_bundle
from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.findings import exceptions
from fieldwork_tui.services.sampling import populations
from fieldwork_tui.services.sampling import testing as at
from fieldwork_tui.tui.app import FieldworkApp
from fieldwork_tui.tui.widgets.testing_grid import TestingGrid

from ...services.sampling.attribute_support import write_changes
from ..support import open_control_tab, settle, type_text

R = SampleResult
SIZE = (130, 45)
ATTRIBUTES = [  # description, deviation wording, rule
    ("Approved in the ticket before the deploy date", "the change was deployed before it was approved",
     "Approved <= Deployed"),
    ("Approver is not the author", "the change was approved by its own author", "Approver != Author"),
    ("Tested before deployment", "the change was deployed without evidence of testing", "Tested = yes"),
]


async def test_define_propose_confirm_deviate_expand_round_trip_and_bundle(engagement, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # where the workbook export offers to write
    handle = engagement
    add_control(handle, "CM-01", "Change management", description="Every change is approved before deployment.",
                frequency=Frequency.multiple_daily)
    populations.import_population(handle, "CM-01", write_changes(tmp_path / "changes.csv", 300), key="Change ID",
                                  date="Deployed", expected_count=300)
    app = FieldworkApp(handle=handle)
    async with app.run_test(size=SIZE) as pilot:
        await open_control_tab(pilot, "CM-01", "sampling")
        await settle(pilot)

        # three attributes with rules, typed into the steps form
        await pilot.press("a")
        await settle(pilot)
        assert type(app.screen).__name__ == "TestStepsForm"
        await type_text(pilot, "Changes are authorised, tested and approved.")
        for i, (description, deviation, rule) in enumerate(ATTRIBUTES):
            if i:
                await pilot.press("ctrl+n")
                await settle(pilot)
            else:
                await pilot.press("tab")
            await type_text(pilot, description)
            await pilot.press("tab")
            await type_text(pilot, deviation)
            await pilot.press("tab")
            await type_text(pilot, rule)
        await pilot.press("ctrl+s")
        await settle(pilot)
        steps = at.get_steps(handle, "CM-01")
        assert [(a.letter, a.description, a.deviation, a.rule) for a in steps.attributes] == [
            (chr(65 + i), *a) for i, a in enumerate(ATTRIBUTES)]

        # the extract's completeness and accuracy, then the sample: the rules propose at once
        await pilot.press("k")
        await settle(pilot)
        await type_text(pilot, "Jira Cloud")
        await pilot.press("tab")
        await type_text(pilot, "project = OPS AND resolved in 2026")
        await pilot.press("tab")
        await type_text(pilot, "300")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert at.matrix(handle, "CM-01").rules_offered
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("enter")  # the policy size
        await settle(pilot)
        grid = app.screen.query_one(TestingGrid)
        assert len(grid.rows) == 25 and all(c.proposed for r in grid.rows for c in r.cells)
        m = at.matrix(handle, "CM-01")
        assert m.counts.tested == 0 and m.counts.proposed == 75  # nothing counts until a person confirms

        # confirm each column (asked first), then mark a deviation in C of the first item
        for move in ([], ["right"], ["right"]):
            await pilot.press(*move, "Y")
            await settle(pilot)
            assert type(app.screen).__name__ == "ConfirmDialog"
            await pilot.press("y")
            await settle(pilot)
        assert at.matrix(handle, "CM-01").counts.tested == 25
        await pilot.press("home", "d")
        await settle(pilot)
        assert type(app.screen).__name__ == "ChoiceDialog"
        await pilot.press("e")  # expand
        await settle(pilot)
        await pilot.press("enter")  # 25 → 40
        await settle(pilot)
        m = at.matrix(handle, "CM-01")
        first = m.items[0]
        assert m.counts.items == 40 and first.cells[2].result is R.deviation and not first.cells[2].proposed
        assert m.counts.proposed == 45  # the expansion's items, proposed by the rules

        # the testing workbook: export, fill in the expansion at the client site, import back
        await pilot.press("E")
        await settle(pilot)
        await pilot.press("ctrl+s")  # the path offered
        await settle(pilot)
        book = tmp_path / "testing-CM-01.xlsx"
        assert book.exists()
        wb = load_workbook(book)
        ws = wb[ts.SHEET]
        header = [c.value for c in ws[1]]
        for row in range(27, 42):
            for lt in "ABC":
                ws.cell(row=row, column=header.index(f"{lt} result") + 1).value = "pass"
                ws.cell(row=row, column=header.index(f"{lt} basis") + 1).value = ts.EXTRACT
        wb.save(book)
        await pilot.press("I")
        await settle(pilot)
        await type_text(pilot, str(book))
        await pilot.press("ctrl+s")
        await settle(pilot)
        m = at.matrix(handle, "CM-01")
        assert (m.counts.tested, m.counts.proposed, m.counts.deviations) == (40, 0, 1)

        # the exception, worded from attribute C and the current counts
        await pilot.press("home", "left", "left", "right", "right")
        await settle(pilot)
        assert grid.cursor_letter == "C" and grid.cursor_row.item_id == first.item_id
        await pilot.press("x")
        await settle(pilot)
        assert type(app.screen).__name__ == "ExceptionFormDialog"
        await pilot.press("ctrl+s")  # the kit's forms: enter goes to the next field, ctrl+s saves
        await settle(pilot)
    [ex] = exceptions.list_exceptions(handle, control="CM-01")
    wording = "For 1 of 40 changes sampled, the change was deployed without evidence of testing."
    assert ex.deviation == "the change was deployed without evidence of testing" and ex.report_wording == wording

    out = tmp_path / "bundle.zip"
    export_bundle(handle, out)
    with zipfile.ZipFile(out) as zf:
        wp = zf.read("workpapers/CM-01.html").decode()
    assert '<table class="matrix">' in wp and wp.count(wording) >= 2 and "✗" in wp


async def test_a_type_one_walkthrough_is_recorded_from_the_sampling_tab(home):
    from fieldwork_tui.services.engagements import create_engagement

    handle = create_engagement(home, "Acme Type I", type=1, period="2026-01-01..2026-12-31")
    try:
        add_control(handle, "CM-01", "Change management", description="Every change is approved before deployment.")
        app = FieldworkApp(handle=handle)
        async with app.run_test(size=SIZE) as pilot:
            await open_control_tab(pilot, "CM-01", "sampling")
            await settle(pilot)
            assert not app.screen.query_one(TestingGrid).display  # no sample: the tab says why
            await pilot.press("w")
            await settle(pilot)
            assert type(app.screen).__name__ == "SingleTestForm"
            await type_text(pilot, "CHG-1042")
            await pilot.press("tab", "tab")  # the date offered is today
            await type_text(pilot, "Walked through the ticket, the approval and the deploy log")
            await pilot.press("ctrl+s")
            await settle(pilot)
        view = at.single_test(handle, "CM-01")
        assert view.test.kind == "walkthrough" and view.test.instance == "CHG-1042"
        assert view.test.description == "Walked through the ticket, the approval and the deploy log"
    finally:
        handle.close()
