"""Pilot tests: the exceptions register (view 5), the control's Exceptions tab, the exception and
management-response forms, and the control conclusion with its Section IV preview."""

from __future__ import annotations

from fieldwork_tui.domain.vocab import Conclusion, RemediationStatus
from fieldwork_tui.services.controls.catalog import get_control
from fieldwork_tui.services.findings import exceptions

from ..support import open_control_tab, settle, type_text

SIZE = (130, 40)


async def open_tab(pilot, ref: str, tab: str = "exceptions"):
    await open_control_tab(pilot, ref, tab)


async def test_register_filter_and_management_response(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the engagement opens after the dashboard's first paint
        handle = demo_app.handle
        ex = exceptions.create_exception(handle, "AC-03", instance="jdoe (terminated 2026-03-02)",
                                         deviation="access was removed 9 days after termination",
                                         exception_type="timing")
        await pilot.press("5")
        await settle(pilot)
        table = demo_app.screen.query_one("#exceptions-table")
        assert table.row_count == len(exceptions.list_exceptions(handle))
        await pilot.press("w")  # without response only
        await settle(pilot)
        missing = exceptions.list_exceptions(handle, without_response=True)
        assert table.row_count == len(missing) and ex.id in {e.id for e in missing}
        await pilot.press("slash")
        await type_text(pilot, "jdoe")
        await pilot.press("enter")
        await settle(pilot)
        assert table.row_count == 1 and table.cursor_key == ex.id
        await pilot.press("r")
        await settle(pilot)
        assert type(demo_app.screen).__name__ == "ResponseFormDialog"
        await type_text(pilot, "Offboarding ticket routed to the wrong queue")
        await pilot.press("tab")
        await type_text(pilot, "Queue routing fixed; daily HR-IT reconciliation")
        await pilot.press("tab", "tab", "tab")  # compensating controls left empty; status select
        await type_text(pilot, "2026-04-01")
        await pilot.press("tab")
        await type_text(pilot, "Diego Alvarez, IT Administrator")
        await pilot.press("enter")
        await settle(pilot)
        resp = exceptions.get_exception(handle, ex.id).response
        assert resp.root_cause.startswith("Offboarding ticket") and resp.responder.startswith("Diego")
        assert resp.remediation_status is RemediationStatus.not_started
        assert str(resp.remediation_date) == "2026-04-01"
        assert table.row_count == 0  # jdoe no longer lacks a response
        await pilot.press("w")
        await settle(pilot)
        assert table.row_count == 1


async def test_new_manual_exception_from_the_register(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = demo_app.screen
        assert type(form).__name__ == "ExceptionFormDialog"
        await pilot.press("enter")  # open the control select
        await type_text(pilot, "OP-04")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("tab")
        await type_text(pilot, "the FY26 tabletop exercise")
        await pilot.press("tab", "tab")
        await type_text(pilot, "no tabletop exercise was held in the period")
        await pilot.press("ctrl+s")  # the deviation is multi-line
        await settle(pilot)
        [ex] = exceptions.list_exceptions(demo_app.handle, control="OP-04")
        assert ex.source == "manual" and ex.report_wording == (
            "In 1 instance, no tabletop exercise was held in the period.")  # a report counts, it does not name


async def test_form_refuses_missing_deviation(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "OP-04")
        await pilot.press("a")
        await settle(pilot)
        await type_text(pilot, "tabletop")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "deviation: say what actually happened" in str(demo_app.screen.query_one("#form-error").content)
        assert exceptions.list_exceptions(demo_app.handle, control="OP-04") == []


async def test_edit_exception_and_conclude_control_from_the_tab(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the engagement opens after the dashboard's first paint
        handle = demo_app.handle
        await open_tab(pilot, "CM-01")
        await pilot.press("enter")  # edit the exception
        await settle(pilot)
        await pilot.press("end")
        await type_text(pilot, " (admin override)")
        await pilot.press("ctrl+s")
        await settle(pilot)
        [ex] = exceptions.list_exceptions(handle, control="CM-01")
        assert ex.deviation.endswith("(admin override)")
        # conclude otherwise than the work supports: a note is required
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("enter", "down", "enter")  # from the suggested one down to "Not effective"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "needs a reason" in str(demo_app.screen.query_one("#form-error").content)
        await type_text(pilot, "override used twice per the response")
        await pilot.press("ctrl+s")
        await settle(pilot)
        c = get_control(handle, "CM-01")
        assert c.conclusion is Conclusion.not_effective and c.conclusion_note.startswith("override used")
