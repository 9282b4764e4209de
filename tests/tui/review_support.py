"""Shared by the review and export TUI tests: fixed sign-off and note times so snapshots do not
depend on the day the demo was built, and a way to open a control's Review tab with keys."""

from __future__ import annotations

import sqlite3
from pathlib import Path

FIXED = "2026-11-18 09:30:00.000000"


def freeze_review_times(home: Path) -> None:
    from fieldwork_tui.services.demo import DEMO_SLUG

    conn = sqlite3.connect(home / DEMO_SLUG / "fieldwork.db")
    try:
        # sign-offs are signed at a fixed time of the demo's story (services/demo/review.py); editing
        # them here would make their signatures fail, as any edit outside the app does
        conn.execute("UPDATE reviewnote SET created_at = ?", (FIXED,))
        conn.execute("UPDATE reviewnote SET cleared_at = ? WHERE cleared_at IS NOT NULL", (FIXED,))
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
