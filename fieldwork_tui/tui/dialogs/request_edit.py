"""Dialogs that change requests: status (with reason), owner, due date, follow-up, accept/return reason.
Each returns plain values (or None when cancelled); the screen calls the service."""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, Select

from fieldwork_tui.domain.requests import REASON_REQUIRED, parse_due_change
from fieldwork_tui.domain.vocab import RequestStatus


class _Form(ModalScreen):
    """A small form: fields, an error line, Cancel / OK. Subclasses implement `fields()` and `values()`."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form.cancel", tooltip="Close without changing anything")]
    TITLE_TEXT = ""
    OK_LABEL = "Save"

    def __init__(self, subtitle: str = "") -> None:
        super().__init__(classes="dialog")
        self.subtitle = subtitle

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.TITLE_TEXT, classes="section-title")
            if self.subtitle:
                yield Label(self.subtitle, classes="muted")
            yield from self.fields()
            yield Label("", classes="error", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.OK_LABEL, variant="primary", id="ok")

    def fields(self) -> ComposeResult:
        yield from ()

    def values(self):
        """The result, or raise ValueError with a message for the error line."""
        return None

    def on_mount(self) -> None:
        first = self.query("Input, Select").first()
        if first is not None:
            first.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._submit()
        else:
            self.dismiss(None)

    def on_input_submitted(self) -> None:
        self._submit()

    def _submit(self) -> None:
        try:
            result = self.values()
        except ValueError as exc:
            self.query_one("#error", Label).update(str(exc))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)


class StatusDialog(_Form):
    """New status for the selected requests, with a reason (required for returned, clarification, N/A)."""

    TITLE_TEXT = "Change status"
    OK_LABEL = "Change"

    def __init__(self, subtitle: str = "", current: RequestStatus | None = None) -> None:
        super().__init__(subtitle)
        self.current = current

    def fields(self) -> ComposeResult:
        options = [(s.value.replace("_", " "), s.value) for s in RequestStatus]
        yield Label("New status", classes="field-label")
        yield Select(options, allow_blank=False, value=(self.current or RequestStatus.in_progress).value, id="status")
        yield Label("Reason (the client reads it; required to return, clarify or mark N/A)", classes="field-label")
        yield Input(id="reason")

    def values(self) -> tuple[RequestStatus, str]:
        status = RequestStatus(self.query_one("#status", Select).value)
        reason = self.query_one("#reason", Input).value.strip()
        if status in REASON_REQUIRED and not reason:
            raise ValueError(f"Give a reason to mark requests {status.value.replace('_', ' ')}.")
        return status, reason


class OwnerDialog(_Form):
    """Owner for the selected requests: a client person (a new name is added as client personnel)."""

    TITLE_TEXT = "Assign owner"
    OK_LABEL = "Assign"

    def __init__(self, subtitle: str = "", people: list[str] | None = None) -> None:
        super().__init__(subtitle)
        self.people = people or []

    def fields(self) -> ComposeResult:
        yield Label("Owner (client person; empty to clear)", classes="field-label")
        yield Input(placeholder=", ".join(self.people[:3]), suggester=SuggestFromList(self.people, case_sensitive=False),
                    id="owner")

    def values(self) -> str:
        return " ".join(self.query_one("#owner", Input).value.split())


class DueDialog(_Form):
    """Shift due dates by business days (+3, -2) or set a date."""

    TITLE_TEXT = "Shift due date"
    OK_LABEL = "Apply"

    def fields(self) -> ComposeResult:
        yield Label("+N / -N business days, or a new date (YYYY-MM-DD or MM/DD/YYYY)", classes="field-label")
        yield Input(placeholder="+3", id="due")
        yield Checkbox("Count calendar days instead of business days", id="calendar")

    def values(self) -> tuple[str, int | dt.date, bool]:
        kind, value = parse_due_change(self.query_one("#due", Input).value)
        return kind, value, not self.query_one("#calendar", Checkbox).value


class FollowUpDialog(_Form):
    """Log a follow-up with the client: what was asked or answered, and optionally a new due date."""

    TITLE_TEXT = "Add follow-up"
    OK_LABEL = "Log"

    def fields(self) -> ComposeResult:
        yield Label("Message", classes="field-label")
        yield Input(placeholder="Chased by e-mail; promised by Friday", id="message")
        yield Label("New due date (optional)", classes="field-label")
        yield Input(placeholder="YYYY-MM-DD", id="new-due")

    def values(self) -> tuple[str, dt.date | None]:
        from fieldwork_tui.domain.dates import DateParseError, parse_date

        message = self.query_one("#message", Input).value.strip()
        if not message:
            raise ValueError("Type the message (what was asked or answered).")
        try:
            new_due = parse_date(self.query_one("#new-due", Input).value)
        except DateParseError as exc:
            raise ValueError(f"New due date: {exc}") from None
        return message, new_due


class ReasonDialog(_Form):
    """Accept or return a submitted item; returning needs a reason the client will read."""

    OK_LABEL = "OK"

    def __init__(self, title: str, subtitle: str = "", *, required: bool = False) -> None:
        super().__init__(subtitle)
        self.TITLE_TEXT = title
        self.required = required

    def fields(self) -> ComposeResult:
        yield Label("Reason" + ("" if self.required else " (optional)"), classes="field-label")
        yield Input(id="reason")

    def values(self) -> str:
        reason = self.query_one("#reason", Input).value.strip()
        if self.required and not reason:
            raise ValueError("Say why (the client will read it).")
        return reason
