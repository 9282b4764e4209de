"""One snapshot per sampling screen state a user sees: the Sampling tab with and without a population,
the import, sample-size and deviation dialogs, the population browser (fixed size, blink frozen)."""

from __future__ import annotations

import datetime as dt

from fieldwork_tui.services.sampling import populations
from fieldwork_tui.services.sampling import samples as sampling

from ..support import open_control_tab, settle

SIZE = (130, 40)


def _at(ref: str, tab: str = "sampling"):
    async def run_before(pilot) -> None:
        await open_control_tab(pilot, ref, tab)

    return run_before


def test_sampling_tab(snap_compare, demo_app):
    assert snap_compare(demo_app, run_before=_at("CM-01"), terminal_size=SIZE)


def test_sampling_tab_no_population(snap_compare, demo_app):
    assert snap_compare(demo_app, run_before=_at("CM-03"), terminal_size=SIZE)


def test_import_dialog(snap_compare, demo_app):
    assert snap_compare(demo_app, run_before=_at("CM-03"), press=["i"], terminal_size=SIZE)


def test_sample_size_dialog(snap_compare, demo_app):
    async def run_before(pilot):
        populations.import_population(demo_app.handle, "OP-01", _weekly(pilot))
        await open_control_tab(pilot, "OP-01", "sampling")

    assert snap_compare(demo_app, run_before=run_before, press=["t"], terminal_size=SIZE)


def _weekly(pilot):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "scans.csv"
    rows = ["Scan,Run on"] + [f"SCAN-{w:02d},{(dt.date(2025, 10, 3) + dt.timedelta(weeks=w)).isoformat()}"
                              for w in range(52)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_deviation_prompt(snap_compare, demo_app):
    async def run_before(pilot):
        handle = demo_app.handle
        populations.import_population(handle, "OP-01", _weekly(pilot))
        sampling.take_sample(handle, "OP-01")
        await open_control_tab(pilot, "OP-01", "sampling")
        await pilot.press("d")  # the prompt follows the stored deviation
        await settle(pilot)

    assert snap_compare(demo_app, run_before=run_before, terminal_size=SIZE)


def test_population_browser(snap_compare, demo_app):
    assert snap_compare(demo_app, run_before=_at("CM-01"), press=["b"], terminal_size=SIZE)


def test_testing_grid_widget(snap_compare):
    from .test_testing_grid import GridApp, rows

    assert snap_compare(GridApp(rows(12)), press=["right", "down", "down", "d", "right", "n"], terminal_size=(110, 16))


def test_test_steps_form_with_a_rule_error(snap_compare):
    from fieldwork_tui.domain.attributes import AttributeSpec
    from fieldwork_tui.tui.dialogs.testing import TestStepsForm

    from .test_testing_dialogs import COLUMNS, Host

    form = TestStepsForm("CM-01", "Changes are authorised before deployment.", [
        AttributeSpec("A", "Approved in the ticket before the deploy date", "the change was deployed before it was "
                      "approved", "Approved <= Deploy"),
        AttributeSpec("B", "Approver is not the author", "the change was approved by its own author",
                      "Approver != Author")], COLUMNS)
    assert snap_compare(Host(form), terminal_size=(120, 40))


def test_sampling_tab_of_a_type_one_walkthrough(snap_compare, home):
    from fieldwork_tui.services.engagements import create_engagement
    from fieldwork_tui.services.sampling import testing as at
    from fieldwork_tui.tui.app import FieldworkApp

    handle = create_engagement(home, "Acme Type I", type=1, period="2026-01-01..2026-12-31")
    from fieldwork_tui.services.controls.catalog import add_control

    add_control(handle, "CM-01", "Change management", description="Every change is approved before deployment.")
    at.steps_from_library(handle, "CM-01")
    at.record_single_test(handle, "CM-01", instance="CHG-1042", performed_on="2026-12-31",
                          description="Walked through the ticket, the approval and the deploy log", result="untested")

    async def run_before(pilot):
        from fieldwork_tui.tui.tabs.testing_panel import TestingPanel

        await open_control_tab(pilot, "CM-01", "sampling")
        await settle(pilot)
        pilot.app.screen.query_one(TestingPanel).focus()  # as the tab does once the matrix has loaded
        await settle(pilot)

    try:
        assert snap_compare(FieldworkApp(handle=handle), run_before=run_before, terminal_size=SIZE)
    finally:
        handle.close()


def test_sampling_tab_with_untestable_items(snap_compare, home, tmp_path):
    """A v1 sample with items outside the audit period and after today: marked, the reason shown, r offered."""
    from fieldwork_tui.tui.app import create_app

    from ...services.sampling.test_method_v2 import untestable_engagement

    untestable_engagement(home, tmp_path).close()
    assert snap_compare(create_app(home, "method-v2"), run_before=_at("CM-01"), terminal_size=SIZE)


def test_sampling_tab_method_record(snap_compare, demo_app):
    """m: the whole method record of a v2 sample (uid, method, seed, population hash, strata, reconciliation)."""
    async def run_before(pilot):
        handle = demo_app.handle
        populations.import_population(handle, "OP-01", _weekly(pilot), date="Run on", expected_count=52)
        sampling.take_sample(handle, "OP-01")
        await open_control_tab(pilot, "OP-01", "sampling")

    assert snap_compare(demo_app, run_before=run_before, press=["m"], terminal_size=SIZE)
