"""Dialog: record an observation on a control — when, where, what was seen, by whom. Saves through
the service (errors stay in the dialog, naming the field) and returns the observation id, or None."""

from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


def default_when() -> str:
    """Now, on the app's clock (a frozen FIELDWORK_TODAY gives 09:00 on that day)."""
    from fieldwork_tui.services.engagements import today

    day = today()
    now = dt.datetime.now()
    return f"{day.isoformat()} {now:%H:%M}" if day == now.date() else f"{day.isoformat()} 09:00"


class ObservationDialog(ModalScreen[int | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="observation.cancel", tooltip="Close without saving"),
        Binding("ctrl+s", "save", "Save", id="observation.save", tooltip="Save the observation"),
    ]

    def __init__(self, control_ref: str, observer: str = "") -> None:
        super().__init__(classes="dialog")
        self.control_ref = control_ref
        self.observer = observer

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Observation on {self.control_ref}", classes="section-title")
            yield Label("What was seen", classes="field-label")
            yield Input(placeholder="e.g. watched the on-call engineer triage the 09:00 alert queue", id="what")
            yield Label("When (YYYY-MM-DD HH:MM)", classes="field-label")
            yield Input(value=default_when(), id="when")
            yield Label("Where", classes="field-label")
            yield Input(placeholder="site, room, or 'screen share with …'", id="where")
            yield Label("Observed by", classes="field-label")
            yield Input(value=self.observer, id="by")
            yield Label("", classes="error", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", variant="primary", id="save")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        idx = inputs.index(event.input)
        if idx < len(inputs) - 1:
            inputs[idx + 1].focus()  # enter moves on; the last field saves
        else:
            self.action_save()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.evidence import add_observation

        value = {name: self.query_one(f"#{name}", Input).value for name in ("what", "when", "where", "by")}
        try:
            obs = add_observation(self.app.handle, self.control_ref, observed_at=value["when"],  # type: ignore[attr-defined]
                                  description=value["what"], location=value["where"], observed_by=value["by"])
        except FieldworkError as exc:
            self.query_one("#error", Label).update(str(exc))
            return
        self.dismiss(obs.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
