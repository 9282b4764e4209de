"""Dialog: start an interview — who (client personnel, suggested as you type), their role, the
date and the topic. Returns what `save` returns (the new interview's id), or None."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.suggester import SuggestFromList
from textual.widgets import Input

from fieldwork_tui.services.engagements import today
from fieldwork_tui.tui.kit.forms import FormDialog, text_field


class NewInterviewDialog(FormDialog):
    TITLE_TEXT = "New interview"
    SAVE_LABEL = "Start interview"
    FIELD_NAMES = {"person": "person", "interviewee": "person", "role": "role", "date": "date", "held on": "date",
                   "topic": "topic"}

    def __init__(self, roles: list[str], **kwargs) -> None:
        """`fetch()` gives the client personnel as (name, role) pairs."""
        super().__init__(**kwargs)
        self.roles_list = list(roles)
        self.known_roles: dict[str, str] = {}

    def fields(self) -> ComposeResult:
        yield from text_field("Interviewee (client personnel)", "person", placeholder="name")
        yield from text_field("Role", "role", placeholder=", ".join(self.roles_list[:5]) + ", …",
                              suggester=SuggestFromList(self.roles_list, case_sensitive=False))
        yield from text_field("Date", "date", today().isoformat())
        yield from text_field("Topic", "topic", placeholder="e.g. access provisioning and reviews")

    def show(self, people) -> None:
        people = list(people or [])
        self.known_roles = {name.lower(): role for name, role in people}
        self.query_one("#person", Input).suggester = SuggestFromList([n for n, _r in people], case_sensitive=False)

    @on(Input.Submitted, "#person")
    def _person_entered(self, event: Input.Submitted) -> None:
        role = self.query_one("#role", Input)
        known = self.known_roles.get(event.value.strip().lower())
        if known and not role.value:
            role.value = known

    def values(self) -> dict:
        return {k: str(self.value(k)) for k in ("person", "role", "date", "topic")}
