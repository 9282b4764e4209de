"""Dialog: start an interview — who (client personnel, suggested as you type), their role, the
date and the topic. Saves through the service and returns the interview id, or None."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label


class NewInterviewDialog(ModalScreen[int | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="interview.new.cancel", tooltip="Close without starting"),
        Binding("ctrl+s", "save", "Start", id="interview.new.save", tooltip="Start the interview"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="dialog")

    def compose(self) -> ComposeResult:
        from fieldwork_tui.services.engagements import today
        from fieldwork_tui.services.evidence import ROLES, interviewees

        people = interviewees(self.app.handle)  # type: ignore[attr-defined]
        self.roles = {p.name.lower(): p.role for p in people}
        with Vertical():
            yield Label("New interview", classes="section-title")
            yield Label("Interviewee (client personnel)", classes="field-label")
            yield Input(placeholder="name", id="person",
                        suggester=SuggestFromList([p.name for p in people], case_sensitive=False))
            yield Label("Role", classes="field-label")
            yield Input(placeholder=", ".join(ROLES[:5]) + ", …", id="role",
                        suggester=SuggestFromList(ROLES, case_sensitive=False))
            yield Label("Date", classes="field-label")
            yield Input(value=today().isoformat(), id="date")
            yield Label("Topic", classes="field-label")
            yield Input(placeholder="e.g. access provisioning and reviews", id="topic")
            yield Label("", classes="error", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Start interview", variant="primary", id="save")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "person":
            role = self.query_one("#role", Input)
            known = self.roles.get(event.value.strip().lower())
            if known and not role.value:
                role.value = known
        inputs = list(self.query(Input))
        idx = inputs.index(event.input)
        if idx < len(inputs) - 1:
            inputs[idx + 1].focus()
        else:
            self.action_save()

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.evidence import create_interview

        v = {k: self.query_one(f"#{k}", Input).value for k in ("person", "role", "date", "topic")}
        try:
            iv = create_interview(self.app.handle, v["person"], role=v["role"], held_on=v["date"],  # type: ignore[attr-defined]
                                  topic=v["topic"])
        except FieldworkError as exc:
            self.query_one("#error", Label).update(str(exc))
            return
        self.dismiss(iv.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
