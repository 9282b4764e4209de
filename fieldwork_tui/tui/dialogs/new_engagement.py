"""Dialog: create an engagement (name, type, period, categories). Returns the values, or None."""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select


class NewEngagementDialog(ModalScreen[dict | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="new.cancel", tooltip="Close without creating")]

    def __init__(self) -> None:
        super().__init__(classes="dialog")

    def compose(self) -> ComposeResult:
        year = dt.date.today().year
        with Vertical():
            yield Label("New engagement", classes="section-title")
            yield Label("Name", classes="field-label")
            yield Input(placeholder="Acme Cloud SOC 2 Type II 2026", id="name")
            yield Label("Report type", classes="field-label")
            yield Select([("Type II (operating effectiveness over a period)", "2"), ("Type I (design at a date)", "1")],
                         value="2", allow_blank=False, id="type")
            yield Label("Observation period (YYYY-MM-DD..YYYY-MM-DD)", classes="field-label")
            yield Input(value=f"{year}-01-01..{year}-12-31", id="period")
            yield Label("Categories in scope", classes="field-label")
            yield Input(value="security", placeholder="security, availability, confidentiality, ...", id="categories")
            yield Label("", classes="error", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Create", variant="primary", id="create")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "create":
            self._submit()
        else:
            self.dismiss(None)

    def on_input_submitted(self) -> None:
        self._submit()

    def _submit(self) -> None:
        from fieldwork_tui.services.engagements import parse_categories, parse_period
        from fieldwork_tui.services.errors import FieldworkError

        name = self.query_one("#name", Input).value.strip()
        period = self.query_one("#period", Input).value.strip()
        categories = self.query_one("#categories", Input).value
        try:
            if not name:
                raise FieldworkError("name: an engagement needs a name")
            parse_period(period)
            parse_categories(categories)
        except FieldworkError as exc:
            self.query_one("#error", Label).update(str(exc))
            return
        self.dismiss({"name": name, "type": self.query_one("#type", Select).value, "period": period,
                      "categories": categories})

    def action_cancel(self) -> None:
        self.dismiss(None)
