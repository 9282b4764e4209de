"""Dialog: does evidence corroborate what was said? uncorroborated / corroborated by an evidence
item / contradicted by one, with a note. Saves through the service; returns True when saved."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static

STATES = [("uncorroborated", "Uncorroborated (not yet checked against evidence)"),
          ("corroborated", "Corroborated by evidence"),
          ("contradicted", "Contradicted by evidence — a red flag")]


class CorroborationDialog(ModalScreen[bool]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="corroboration.cancel", tooltip="Close without saving"),
        Binding("ctrl+s", "save", "Save", id="corroboration.save", tooltip="Save the corroboration"),
    ]

    def __init__(self, statement_id: int, text: str, state: str = "uncorroborated",
                 evidence_id: int | None = None, note: str = "") -> None:
        super().__init__(classes="dialog")
        self.statement_id = statement_id
        self.text = text
        self.state = state
        self.evidence_id = evidence_id
        self.note = note

    def compose(self) -> ComposeResult:
        from fieldwork_tui.services.evidence import statement_evidence_choices

        choices = statement_evidence_choices(self.app.handle, self.statement_id)  # type: ignore[attr-defined]
        with Vertical():
            yield Label("Corroboration", classes="section-title")
            yield Static(f"“{self.text}”", classes="muted")
            with RadioSet(id="state"):
                for value, label in STATES:
                    yield RadioButton(label, value=value == self.state, name=value)
            yield Label("Evidence item", classes="field-label")
            yield Select([(label, ev_id) for ev_id, label in choices], prompt="(choose the file)",
                         value=self.evidence_id if self.evidence_id in {c[0] for c in choices} else Select.NULL,
                         id="evidence")
            yield Label("Note (required when contradicted: what the evidence shows instead)", classes="field-label")
            yield Input(value=self.note, id="note")
            yield Label("", classes="error", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", variant="primary", id="save")

    def _state(self) -> str:
        pressed = self.query_one("#state", RadioSet).pressed_button
        return pressed.name if pressed is not None and pressed.name else "uncorroborated"

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)

    def action_save(self) -> None:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.evidence import set_corroboration

        ev = self.query_one("#evidence", Select).value
        try:
            set_corroboration(self.app.handle, self.statement_id, self._state(),  # type: ignore[attr-defined]
                              None if ev in (Select.NULL, None) else int(ev), self.query_one("#note", Input).value)
        except FieldworkError as exc:
            self.query_one("#error", Label).update(str(exc))
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
