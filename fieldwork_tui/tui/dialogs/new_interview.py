"""Dialog: start an interview — who (client personnel, suggested as you type; a known person's role
and title are filled in), their role (the plan's vocabulary) and title, the date and the topic.
Returns what the screen's `save` returned (the new interview), or None."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.suggester import SuggestFromList
from textual.widgets import Input, Select

from fieldwork_tui.domain.vocab import ROLE_LABELS, PersonRole
from fieldwork_tui.tui.kit.forms import FormDialog, choice_field, text_field

ROLE_OPTIONS = [(ROLE_LABELS[r], r.value) for r in PersonRole]


class NewInterviewDialog(FormDialog[Any]):
    TITLE_TEXT = "New interview"
    SAVE_LABEL = "Start interview"
    FIELD_NAMES = {"interviewee": "person", "date": "date", "role": "role"}

    def __init__(self, people: list, today: str, *, save: Callable[[dict], Any] | None = None) -> None:
        super().__init__(save=save)
        self.people = {p.name.casefold(): p for p in people}
        self.names = [p.name for p in people]
        self.today = today

    def fields(self) -> ComposeResult:
        yield from text_field("Interviewee (client personnel)", "person", placeholder="name",
                              suggester=SuggestFromList(self.names, case_sensitive=False))
        yield from choice_field("Role (what they do: the interview plan asks for roles)", "role", ROLE_OPTIONS,
                                allow_blank=True, prompt="(role not known yet)")
        yield from text_field("Title (free text)", "title", placeholder="e.g. IT Administrator")
        yield from text_field("Date", "date", self.today)
        yield from text_field("Topic", "topic", placeholder="e.g. access provisioning and reviews")

    @on(Input.Changed, "#person")
    def _known_person(self, event: Input.Changed) -> None:
        p = self.people.get(" ".join(event.value.split()).casefold())
        if p is None:
            return
        if p.role and self.query_one("#role", Select).value is Select.NULL:
            self.query_one("#role", Select).value = p.role
        title = self.query_one("#title", Input)
        if p.title and not title.value:
            title.value = p.title

    def values(self) -> dict:
        return {"person": self.required("person", "interviewee: give the person's name"),
                "role": self.value("role"), "title": self.text("title"), "held_on": self.text("date"),
                "topic": self.text("topic")}
