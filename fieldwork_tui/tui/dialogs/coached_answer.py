"""Dialog: a possible coached answer — the statements side by side (or the statement beside the
control description it recites) — dismissed with a reason, or kept as a flag. Advisory: staff who
read the same procedure do answer alike, so the auditor decides."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from fieldwork_tui.tui.kit.forms import FieldError, FormDialog, area_field, choice_field
from fieldwork_tui.tui.kit.safe_text import safe_content

DECISIONS = [("Dismiss: the answers are not coached (say why)", "dismissed"),
             ("Keep it as a flag (corroborate with documents)", "kept")]


class CoachedAnswerDialog(FormDialog[Any]):
    TITLE_TEXT = "Possible coached answer"
    WIDTH = 110
    DEFAULT_CSS = """
    CoachedAnswerDialog .side { height: auto; }
    CoachedAnswerDialog .said { width: 1fr; height: auto; border: round $primary 40%; padding: 0 1; margin-right: 1; }
    CoachedAnswerDialog .who { color: $text-muted; }
    """

    def __init__(self, signal, *, save: Callable[[dict], Any] | None = None) -> None:
        super().__init__(title=f"Possible coached answer on {signal.control}: {signal.label}",
                         subtitle=f"{signal.scores} · {signal.control_title}", save=save)
        self.signal = signal

    def fields(self) -> ComposeResult:
        s = self.signal
        with Horizontal(classes="side"):
            for said in s.statements:
                with Vertical(classes="said"):
                    yield Static(safe_content(f"{said.who}, {said.held_on} (statement #{said.statement_id})"),
                                 classes="who")
                    yield Static(safe_content(said.text, keep_lines=True))
            if s.description:
                with Vertical(classes="said"):
                    yield Static(safe_content(f"Control description of {s.control}"), classes="who")
                    yield Static(safe_content(s.description, keep_lines=True))
        yield from choice_field("Decision", "decision", DECISIONS, s.decision or "dismissed")
        yield from area_field("Reason (required to dismiss)", "reason", s.reason, height=2)

    def values(self) -> dict:
        decision = self.value("decision")
        reason = self.text("reason")
        if decision == "dismissed" and not reason:
            raise FieldError("reason", "reason: say why the answers are not coached (e.g. both read the runbook)")
        return {"decision": decision, "reason": reason}
