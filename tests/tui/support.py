"""Shared by the Pilot tests: the one way to wait for the app (`settle`), fixed sign-off and note times
so snapshots do not depend on the day the demo was built, and keys that open a control's Review tab."""

from __future__ import annotations

import sqlite3
from pathlib import Path

FIXED = "2026-11-18 09:30:00.000000"


# Workers that live as long as their widget (Textual's DirectoryTree loader loop): never "complete".
LONG_LIVED_GROUPS = {"_loader"}


async def settle(pilot, rounds: int = 50) -> None:
    """Wait until the app is idle: every posted message handled and no worker pending or running
    (a worker's result may post messages that start another worker, hence the rounds). Pilot tests
    wait this way only - never by sleeping."""
    from textual.worker import WorkerState

    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        busy = [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                and w.group not in LONG_LIVED_GROUPS]
        if not busy:
            await pilot.pause()
            return
        await app.workers.wait_for_complete(busy)
    raise AssertionError(f"the app never settled: {busy}")


async def open_control_tab(pilot, ref: str, tab: str) -> None:
    """Open control `ref` on `tab` (a ControlDetailScreen tab id) and let it draw."""
    from fieldwork_tui.tui.screens.control_detail import ControlDetailScreen

    await pilot.pause()
    pilot.app.push_screen(ControlDetailScreen(ref, tab=tab))
    await pilot.pause()
    await pilot.pause()


async def type_text(pilot, text: str) -> None:
    await pilot.press(*list(text))


def freeze_review_times(home: Path) -> None:
    from fieldwork_tui.services.demo import DEMO_SLUG

    conn = sqlite3.connect(home / DEMO_SLUG / "fieldwork.db")
    try:
        # sign-offs are signed at a fixed time of the demo's story (services/demo/review.py); editing
        # them here would make their signatures fail, as any edit outside the app does
        conn.execute("UPDATE reviewnote SET created_at = ?", (FIXED,))
        conn.execute("UPDATE reviewnote SET cleared_at = ? WHERE cleared_at IS NOT NULL", (FIXED,))
        conn.execute("UPDATE reviewnote SET responded_at = ? WHERE responded_at IS NOT NULL", (FIXED,))
        conn.commit()
    finally:
        conn.close()


def open_review_keys(ref: str) -> list[str]:
    """Keys from the dashboard to the Review tab of control `ref`."""
    names = {"-": "minus", ".": "full_stop", " ": "space"}
    return ["2", "slash", *[names.get(ch, ch) for ch in ref], "enter", "enter", "alt+7"]


def plain(widget) -> str:
    """The text a Static shows (its Rich renderable printed without styles)."""
    import io

    from rich.console import Console

    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()
