"""Dialogs that change requests: status (with reason), owner, due date, follow-up, accept/return reason.
Forms on the kit: each returns what its `save` returns (the screen passes the service call), or None."""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, Input, Label

from fieldwork_tui.domain.dates import DateParseError, parse_date
from fieldwork_tui.domain.requests import REASON_REQUIRED, parse_due_change
from fieldwork_tui.domain.vocab import RequestStatus
from fieldwork_tui.tui.kit.forms import FieldError, FormDialog, area_field, choice_field, text_field


class StatusDialog(FormDialog):
    """New status for the selected requests, with a reason (required for returned, clarification, N/A)."""

    TITLE_TEXT = "Change status"
    SAVE_LABEL = "Change"
    FIELD_NAMES = {"reason": "reason", "status": "status"}

    def __init__(self, subtitle: str = "", current: RequestStatus | None = None, **kwargs) -> None:
        super().__init__(subtitle=subtitle, **kwargs)
        self.current = current

    def fields(self) -> ComposeResult:
        yield from choice_field("New status", "status", [(s.value.replace("_", " "), s.value) for s in RequestStatus],
                                (self.current or RequestStatus.in_progress).value)
        yield from text_field("Reason (the client reads it; required to return, clarify or mark N/A)", "reason")

    def values(self) -> tuple[RequestStatus, str]:
        status = RequestStatus(self.value("status"))
        reason = self.text("reason")
        if status in REASON_REQUIRED and not reason:
            raise FieldError("reason", f"reason: give a reason to mark requests {status.value.replace('_', ' ')}")
        return status, reason


class OwnerDialog(FormDialog):
    """Owner for the selected requests: a client person (a new name is added as client personnel);
    the names to suggest are read by `fetch`."""

    TITLE_TEXT = "Assign owner"
    SAVE_LABEL = "Assign"

    def fields(self) -> ComposeResult:
        yield from text_field("Owner (client person; empty to clear)", "owner")

    def show(self, people) -> None:
        people = list(people or [])
        owner = self.query_one("#owner", Input)
        owner.suggester = SuggestFromList(people, case_sensitive=False)
        owner.placeholder = ", ".join(people[:3])

    def values(self) -> str:
        return " ".join(self.text("owner").split())


class DueDialog(FormDialog):
    """Shift due dates by business days (+3, -2) or set a date."""

    TITLE_TEXT = "Shift due date"
    SAVE_LABEL = "Apply"

    def fields(self) -> ComposeResult:
        yield from text_field("+N / -N business days, or a new date (YYYY-MM-DD or MM/DD/YYYY)", "due", placeholder="+3")
        yield Label("", classes="field-label")
        yield Checkbox("Count calendar days instead of business days", id="calendar")

    def enter_saves(self, field: Input) -> bool:
        """Enter on the shift applies it: calendar days are the exception, ticked before."""
        return field.id == "due"

    def values(self) -> tuple[str, int | dt.date, bool]:
        try:
            kind, value = parse_due_change(self.text("due"))
        except ValueError as exc:
            raise FieldError("due", str(exc)) from None
        return kind, value, not self.value("calendar")


class FollowUpDialog(FormDialog):
    """Log a follow-up with the client: what was asked or answered, and optionally a new due date."""

    TITLE_TEXT = "Add follow-up"
    SAVE_LABEL = "Log"
    FIELD_NAMES = {"message": "message", "new due date": "new-due"}

    def fields(self) -> ComposeResult:
        yield from area_field("Message", "message", height=3, placeholder="Chased by e-mail; promised by Friday")
        yield from text_field("New due date (optional)", "new-due", placeholder="YYYY-MM-DD")

    def values(self) -> tuple[str, dt.date | None]:
        message = self.required("message", "message: type what was asked or answered")
        try:
            new_due = parse_date(self.text("new-due"))
        except DateParseError as exc:
            raise FieldError("new-due", f"new due date: {exc}") from None
        return message, new_due


class ReasonDialog(FormDialog):
    """Accept or return a submitted item; returning needs a reason the client will read."""

    SAVE_LABEL = "OK"

    def __init__(self, title: str, subtitle: str = "", *, required: bool = False, **kwargs) -> None:
        super().__init__(title=title, subtitle=subtitle, **kwargs)
        self.required_reason = required

    def fields(self) -> ComposeResult:
        yield from text_field("Reason" + ("" if self.required_reason else " (optional)"), "reason")

    def values(self) -> str:
        if self.required_reason:
            return self.required("reason", "reason: say why (the client will read it)")
        return self.text("reason")
