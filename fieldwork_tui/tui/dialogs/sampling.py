"""Sampling dialogs: import a population, choose a sample size, link evidence, and a conclusion
with its reason — all forms on the kit (ctrl+s saves, escape cancels). The note on an item is the
kit's PromptDialog; the choice after a deviation is the kit's ChoiceDialog."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Select, Static

from fieldwork_tui.domain.sampling import detection_probability
from fieldwork_tui.tui.kit.forms import FieldError, FormDialog, area_field, choice_field, text_field
from fieldwork_tui.tui.kit.safe_text import safe_content


class ImportPopulationDialog(FormDialog):
    """Path of the CSV/XLSX, key column, date column, the count the client states."""

    SAVE_LABEL = "Import"
    FIELD_NAMES = {"file": "path", "key": "key", "date": "date", "expected count": "expected"}

    def __init__(self, ref: str, **kwargs) -> None:
        super().__init__(title=f"Import the population of {ref}", **kwargs)

    def fields(self) -> ComposeResult:
        yield from text_field("File (CSV or XLSX)", "path", placeholder="~/client/change-log.csv")
        yield from text_field("Key column (identifies each instance; empty: the first column)", "key",
                              placeholder="Change ID")
        yield from text_field("Date column (stratifies the sample across the period; optional)", "date",
                              placeholder="Deployed")
        yield from text_field("Count the client states (completeness check; optional)", "expected",
                              placeholder="412", type="integer")

    def values(self) -> dict:
        path = self.required("path", "file: give the path of the population file")
        expected = self.text("expected")
        return {"path": path.strip("'\""), "key": self.text("key") or None, "date": self.text("date") or None,
                "expected_count": int(expected) if expected else None}


class SampleSizeDialog(FormDialog):
    """The policy size with its detection probabilities; a different size needs a reason."""

    SAVE_LABEL = "Select"
    FIELD_NAMES = {"size": "size", "reason": "reason"}

    def __init__(self, title: str, policy_size: int, label: str, explanation: str, maximum: int | None = None,
                 **kwargs) -> None:
        super().__init__(title=title, subtitle=explanation, **kwargs)
        self.policy_size, self.label, self.maximum = policy_size, label, maximum

    def fields(self) -> ComposeResult:
        yield from text_field("Size", "size", str(self.policy_size), type="integer")
        yield Static(self._detection(self.policy_size), id="detection")
        yield from text_field("Reason (needed when the size differs from the policy)", "reason",
                              placeholder="e.g. higher risk: prior-year deviation")

    def _detection(self, n: int) -> str:
        kind = self.label if n == self.policy_size else "override"
        return (f"{n} items ({kind}) · a control failing 5% of the time shows a failure with probability "
                f"{detection_probability(0.05, n):.0%}; 10%: {detection_probability(0.10, n):.0%}")

    @on(Input.Changed, "#size")
    def _size_changed(self, event: Input.Changed) -> None:
        try:
            self.query_one("#detection", Static).update(self._detection(int(event.value)))
        except ValueError:
            pass

    def enter_saves(self, field: Input) -> bool:
        """Enter on the policy's own size selects: the reason is only asked for a different size."""
        return field.id == "size" and field.value.strip() == str(self.policy_size)

    def values(self) -> dict:
        text, reason = self.text("size"), self.text("reason")
        try:
            size = int(text)
        except ValueError:
            raise FieldError("size", "size: expected a whole number") from None
        if size < 1:
            raise FieldError("size", "size: at least 1")
        if size != self.policy_size and not reason:
            raise FieldError("reason", f"reason: a size of {size} instead of the policy's {self.policy_size} "
                                       "needs a reason")
        return {"size": None if size == self.policy_size else size, "reason": reason}


class LinkEvidenceDialog(FormDialog):
    """Choose one of the control's evidence files for a sample item (read by `fetch`)."""

    SAVE_LABEL = "Link"

    def __init__(self, item: str, current: int | None, **kwargs) -> None:
        super().__init__(title=f"Evidence for {item}", **kwargs)
        self.current = current

    def fields(self) -> ComposeResult:
        yield Static("", classes="muted", id="no-evidence")
        yield from choice_field("Evidence file", "evidence", [], allow_blank=True, prompt="(none)")

    def show(self, choices) -> None:
        choices = list(choices or [])
        select = self.query_one("#evidence", Select)
        select.set_options([(label, fid) for fid, label in choices])
        if self.current in {fid for fid, _label in choices}:
            select.value = self.current
        if not choices:
            self.query_one("#no-evidence", Static).update(safe_content(
                "No evidence file is linked to this control yet: attach files on the Inspection tab "
                "(or `fieldwork attach`) first."))

    def values(self) -> dict:
        return {"evidence_id": self.value("evidence")}


class ConcludeDialog(FormDialog):
    """Choose a conclusion; the suggested one is preselected and a different one needs a reason."""

    SAVE_LABEL = "Conclude"
    FIELD_NAMES = {"conclusion": "conclusion", "reason": "reason", "note": "reason"}

    def __init__(self, title: str, options: list[tuple[str, str]], suggested: str | None, explanation: str,
                 reason_label: str = "Reason (needed when differing from the rule)", **kwargs) -> None:
        super().__init__(title=title, subtitle=explanation, **kwargs)
        self.options, self.suggested, self.reason_label = options, suggested, reason_label

    def fields(self) -> ComposeResult:
        yield from choice_field("Conclusion", "conclusion", self.options, self.suggested or Select.NULL,
                                allow_blank=self.suggested is None, prompt="choose")
        yield from area_field(self.reason_label, "reason", height=3)

    def values(self) -> dict:
        value = self.value("conclusion")
        if value is None:
            raise FieldError("conclusion", "conclusion: choose one")
        reason = self.text("reason")
        if self.suggested and value != self.suggested and not reason:
            raise FieldError("reason", f"reason: concluding otherwise than {self.suggested.replace('_', ' ')} "
                                       "needs a reason")
        return {"conclusion": value, "reason": reason}
