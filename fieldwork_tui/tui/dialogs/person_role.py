"""Dialog: what a person does (their role in the interview plan) and their job title."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult

from fieldwork_tui.tui.dialogs.new_interview import ROLE_OPTIONS
from fieldwork_tui.tui.kit.forms import FieldError, FormDialog, choice_field, text_field


class PersonRoleDialog(FormDialog[Any]):
    TITLE_TEXT = "Role and title"

    def __init__(self, person, *, save: Callable[[dict], Any] | None = None) -> None:
        super().__init__(title=f"Role and title: {person.name}", save=save)
        self.person = person

    def fields(self) -> ComposeResult:
        yield from choice_field("Role", "role", ROLE_OPTIONS, self.person.role or ROLE_OPTIONS[0][1])
        yield from text_field("Title (free text)", "title", self.person.title)

    def values(self) -> dict:
        role = self.value("role")
        if role is None:
            raise FieldError("role", "role: choose one")
        return {"role": role, "title": self.text("title")}
