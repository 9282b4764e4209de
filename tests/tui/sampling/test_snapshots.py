"""One snapshot per sampling screen state a user sees: the Sampling tab with and without a population,
the import, sample-size and deviation dialogs, the population browser (fixed size, blink frozen)."""

from __future__ import annotations

import datetime as dt

from fieldwork_tui.services.sampling import populations
from fieldwork_tui.services.sampling import samples as sampling

from ..support import open_control_tab

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

    assert snap_compare(demo_app, run_before=run_before, press=["p", "d"], terminal_size=SIZE)


def test_population_browser(snap_compare, demo_app):
    assert snap_compare(demo_app, run_before=_at("CM-01"), press=["b"], terminal_size=SIZE)
