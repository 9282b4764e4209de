"""Dialog: the engagement's review settings — may a control's preparer also review it?

The setting is the firm's decision for this engagement (kept in the engagement and journaled,
never in a person's own configuration); allowing self-review needs a reason, and every sign-off
given under it says so."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Checkbox, Label

from fieldwork_tui.tui.kit.forms import FieldError, FormDialog, text_field


class ReviewSettingsDialog(FormDialog[object]):
    TITLE_TEXT = "Review settings"
    SUBTITLE = "Kept in the engagement and journaled; the same for everyone who works on it."
    FIELD_NAMES = {"reason": "reason"}

    def __init__(self, allow: bool, reason: str, *, save=None) -> None:
        super().__init__(subtitle=self.SUBTITLE, save=save)
        self.allow, self.reason = allow, reason

    def fields(self) -> ComposeResult:
        yield Label("Self-review", classes="field-label")
        yield Checkbox("A control's preparer may also review it", self.allow, id="allow")
        yield from text_field("Why (required to allow it, e.g. the partner's approval)", "reason", self.reason)

    def values(self) -> dict:
        allow = bool(self.value("allow"))
        reason = self.text("reason")
        if allow and not reason:
            raise FieldError("reason", "reason: say why self-review is allowed on this engagement")
        return {"allow": allow, "reason": reason}
