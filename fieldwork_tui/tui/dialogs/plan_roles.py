"""Dialog: the roles to interview for one control, instead of the firm table's proposal (with the
reason the reviewer reads), or back to the proposal. Returns {"roles": [...] | None, "reason": str}."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Checkbox, Label, SelectionList, Static

from fieldwork_tui.domain.vocab import ROLE_LABELS, PersonRole
from fieldwork_tui.tui.kit.forms import FieldError, FormDialog, text_field
from fieldwork_tui.tui.kit.safe_text import safe_content


class PlanRolesDialog(FormDialog[Any]):
    TITLE_TEXT = "Roles to interview"
    WIDTH = 90
    FIELD_NAMES = {"reason": "reason", "role": "roles"}

    def __init__(self, plan, *, save: Callable[[dict], Any] | None = None) -> None:
        super().__init__(title=f"Roles to interview for {plan.ref}", subtitle=plan.title, save=save)
        self.plan = plan

    def fields(self) -> ComposeResult:
        p = self.plan
        proposed = ", ".join(ROLE_LABELS[PersonRole(r)] for r in p.proposed) or "nobody"
        yield Static(safe_content(f"The firm's table proposes: {proposed}" + (
            f" ({'; '.join(p.reasons)})" if p.reasons else "")), classes="form-subtitle")
        yield Label("Roles (space toggles)", classes="field-label")
        yield SelectionList(*[(ROLE_LABELS[r], r.value, r.value in p.planned) for r in PersonRole], id="roles")
        yield Checkbox("Use the firm's proposal again", value=False, id="reset")
        yield from text_field("Why this control differs from the firm's plan", "reason", p.adjust_reason)

    def values(self) -> dict:
        if self.value("reset"):
            return {"roles": None, "reason": ""}
        reason = self.text("reason")
        if not reason:
            raise FieldError("reason", "reason: say why this control's interviews differ from the firm's plan")
        return {"roles": list(self.value("roles")), "reason": reason}
