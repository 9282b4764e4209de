"""Issue 14 item 4: a control title holding terminal escape sequences (retitle the window, write the
clipboard, clear the screen) never reaches the terminal. The real app runs in a pseudo-terminal and
the test reads exactly the bytes a terminal would receive: the sequences arrive only as visible `␛`
text, on the Controls list and on the control's own screen. The stored title keeps its bytes."""

from __future__ import annotations

import os
from pathlib import Path

from fieldwork_tui.services.controls import add_control, get_control
from fieldwork_tui.services.engagements import create_engagement

from ..pty_support import PtyApp

RETITLE = "\x1b]0;PWNED-TITLE\x07"
CLIPBOARD = "\x1b]52;c;UFdORUQtQ0xJUA==\x07"
CLEAR = "\x1b[2JWIPED"
HOSTILE = f"Badge {RETITLE}access {CLIPBOARD}review {CLEAR}"


def _engagement(home: Path) -> str:
    handle = create_engagement(home, "Hostile titles", period="2026-01-01..2026-12-31")
    try:
        add_control(handle, "AC-01", HOSTILE, criteria=["CC6.1"])
        assert get_control(handle, "AC-01").title == HOSTILE  # stored as given, every byte
        return handle.slug
    finally:
        handle.close()


def test_escape_sequences_in_a_title_never_reach_the_terminal(tmp_path: Path) -> None:
    home = tmp_path / "home"
    slug = _engagement(home)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDWORK_")}
    env.update(FIELDWORK_HOME=str(home), FIELDWORK_CONFIG=str(tmp_path / "config"), TERM="xterm-256color",
               COLUMNS="120", LINES="40")
    app = PtyApp(["open", slug], env, cols=120, rows=40)
    try:
        app.wait_for("Dashboard")
        mark = len(app.output)
        app.press("2")
        app.wait_for("AC-01", start=mark)
        app.wait_for("PWNED-TITLE", start=mark)  # the title is drawn …
        app.press("enter")                        # … and again on the control's own screen
        app.wait_for("Inquiry", start=mark)
        app.wait_for("PWNED-TITLE", start=app.wait_for("Inquiry", start=mark))
    finally:
        app.close()
    out = bytes(app.output)
    for sequence in (RETITLE, CLIPBOARD, "\x1b[2JWIPED", "\x1b]0;PWNED", "\x1b]52;c;UFdO"):
        assert sequence.encode() not in out, f"{sequence!r} reached the terminal"
    assert "␛]0;PWNED-TITLE".encode() in out  # shown, visibly, instead
