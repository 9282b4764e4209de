"""Dialog: does evidence corroborate what was said? uncorroborated / corroborated by an evidence
item / contradicted by one, with a note. `open_corroboration` passes the service calls: the evidence
to choose from is read, and the answer saved, in the dialog's worker."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.widgets import RadioButton, RadioSet, Select, Static

from fieldwork_tui.services.evidence import set_corroboration, statement_evidence_choices
from fieldwork_tui.tui.kit.forms import FormDialog, area_field, choice_field
from fieldwork_tui.tui.kit.safe_text import safe_content

STATES = [("uncorroborated", "Uncorroborated (not yet checked against evidence)"),
          ("corroborated", "Corroborated by evidence"),
          ("contradicted", "Contradicted by evidence — a red flag")]


class CorroborationDialog(FormDialog):
    TITLE_TEXT = "Corroboration"
    FIELD_NAMES = {"note": "note", "evidence": "evidence", "state": "state"}

    def __init__(self, text: str, state: str = "uncorroborated", evidence_id: int | None = None, note: str = "",
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.statement_text, self.state, self.evidence_id, self.note = text, state, evidence_id, note

    def fields(self) -> ComposeResult:
        yield Static(safe_content(f"“{self.statement_text}”"), classes="muted")
        with RadioSet(id="state"):
            for value, label in STATES:
                yield RadioButton(label, value=value == self.state, name=value)
        yield from choice_field("Evidence item", "evidence", [], allow_blank=True, prompt="(choose the file)")
        yield from area_field("Note (required when contradicted: what the evidence shows instead)", "note", self.note,
                              height=2)

    def show(self, choices) -> None:
        choices = list(choices or [])
        select = self.query_one("#evidence", Select)
        select.set_options([(label, ev_id) for ev_id, label in choices])
        if self.evidence_id in {c[0] for c in choices}:
            select.value = self.evidence_id

    def values(self) -> dict:
        pressed = self.query_one("#state", RadioSet).pressed_button
        state = pressed.name if pressed is not None and pressed.name else "uncorroborated"
        return {"state": state, "evidence_id": self.value("evidence"), "note": str(self.value("note"))}


def open_corroboration(node, statement_id: int, text: str, state: str, evidence_id: int | None, note: str,
                       on_saved: Callable[[], object]) -> None:
    handle = node.app.handle
    node.app.push_screen(
        CorroborationDialog(text, state, evidence_id, note, fetch=lambda: statement_evidence_choices(handle, statement_id),
                            save=lambda v: set_corroboration(handle, statement_id, v["state"], v["evidence_id"],
                                                             v["note"]) or True),
        lambda saved: on_saved() if saved else None)
