"""The disposition form: what the auditor decided about one or many re-performance differences.

Every difference is raised as an exception (the reason becomes its deviation; empty: worded from
the difference), explained (the explanation, and the evidence that shows it where there is some —
e.g. the ticket approving a service account), or marked not a deviation (the reason). The rule of
what each needs is `domain.dispositions`; the screen passes `save=` (the service call), so the form
stays open on an error and never loses what was typed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.widgets import Label, Select

from fieldwork_tui.domain.dispositions import LABELS, disposition_problem
from fieldwork_tui.domain.vocab import Disposition
from fieldwork_tui.tui.kit.forms import FieldError, FormDialog, area_field, choice_field

REASON_LABELS = {
    Disposition.exception: "Deviation — what went wrong, without naming the person (empty: worded from the difference)",
    Disposition.explained: "Explanation — what accounts for the difference",
    Disposition.not_deviation: "Reason it is not a deviation",
}


class DispositionDialog(FormDialog[Any]):
    """Returns {"disposition", "reason", "evidence_id"} (or the result of `save`)."""

    TITLE_TEXT = "Disposition"
    SAVE_LABEL = "Record"
    WIDTH = 90
    FIELD_NAMES = {"reason": "reason", "evidence": "evidence", "disposition": "disposition"}

    def __init__(self, count: int, disposition: Disposition | str = Disposition.explained, *,
                 described: Sequence[str] = (), evidence: Sequence[tuple[str, int]] = (), reason: str = "",
                 save: Callable[[dict], Any] | None = None) -> None:
        shown = list(described[:3])
        more = f" … and {len(described) - 3} more" if len(described) > 3 else ""
        subtitle = "; ".join(shown) + more
        plural = "differences" if count != 1 else "difference"
        super().__init__(title=f"Disposition of {count} {plural}", subtitle=subtitle, save=save)
        self.initial = Disposition(disposition)
        self.evidence = list(evidence)
        self.reason = reason

    def fields(self) -> ComposeResult:
        yield from choice_field("Disposition", "disposition", [(LABELS[d], d.value) for d in Disposition],
                                self.initial.value)
        yield Label(REASON_LABELS[self.initial], classes="field-label", id="reason-label", markup=False)
        for widget in area_field("", "reason", self.reason, height=3):
            if not isinstance(widget, Label):
                yield widget
        yield from choice_field("Evidence that shows the explanation (explained only)", "evidence",
                                [(name, eid) for name, eid in self.evidence], allow_blank=True,
                                prompt="none" if self.evidence else "no evidence attached to this control")

    @on(Select.Changed, "#disposition")
    def _kind_changed(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL:
            self.query_one("#reason-label", Label).update(REASON_LABELS[Disposition(event.value)])

    def values(self) -> dict:
        kind = Disposition(self.value("disposition"))
        reason = self.text("reason")
        evidence = self.value("evidence")
        problem = disposition_problem(kind, reason, evidence)
        if problem:
            raise FieldError("evidence" if problem.startswith("evidence") else "reason", problem)
        return {"disposition": kind, "reason": reason, "evidence_id": evidence}
