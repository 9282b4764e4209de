"""Sampling dialogs: import a population, choose a sample size, a note, link evidence, the prompt
after a deviation, and a conclusion with its reason. Each is a small ModalScreen returning a value."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from fieldwork_tui.domain.sampling import detection_probability


class _Dialog(ModalScreen):
    """Escape cancels; the `buttons` row closes with the button's id (or submits the form)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without saving")]

    def __init__(self) -> None:
        super().__init__(classes="dialog")

    def action_cancel(self) -> None:
        self.dismiss(None)

    def error(self, message: str) -> None:
        self.query_one("#error", Label).update(message)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self.submit(event.button.id or "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit("ok")

    def submit(self, button: str) -> None:
        self.dismiss(button)


class ImportPopulationDialog(_Dialog):
    """Path of the CSV/XLSX, key column, date column, the count the client states."""

    def __init__(self, ref: str) -> None:
        super().__init__()
        self.ref = ref

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Import the population of {self.ref}", classes="section-title")
            yield Label("File (CSV or XLSX)", classes="field-label")
            yield Input(placeholder="~/client/change-log.csv", id="path")
            yield Label("Key column (identifies each instance; empty: the first column)", classes="field-label")
            yield Input(placeholder="Change ID", id="key")
            yield Label("Date column (stratifies the sample across the period; optional)", classes="field-label")
            yield Input(placeholder="Deployed", id="date")
            yield Label("Count the client states (completeness check; optional)", classes="field-label")
            yield Input(placeholder="412", id="expected", type="integer")
            yield Label("", classes="error", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Import", variant="primary", id="ok")

    def submit(self, button: str) -> None:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            self.error("file: give the path of the population file")
            return
        expected = self.query_one("#expected", Input).value.strip()
        self.dismiss({"path": path, "key": self.query_one("#key", Input).value.strip() or None,
                      "date": self.query_one("#date", Input).value.strip() or None,
                      "expected_count": int(expected) if expected else None})


class SampleSizeDialog(_Dialog):
    """The policy size with its detection probabilities; a different size needs a reason."""

    def __init__(self, title: str, policy_size: int, label: str, explanation: str, maximum: int | None = None) -> None:
        super().__init__()
        self.title_text, self.policy_size, self.label = title, policy_size, label
        self.explanation, self.maximum = explanation, maximum

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="section-title")
            yield Static(self.explanation, classes="muted")
            yield Label("Size", classes="field-label")
            yield Input(str(self.policy_size), id="size", type="integer")
            yield Static(self._detection(self.policy_size), id="detection")
            yield Label("Reason (needed when the size differs from the policy)", classes="field-label")
            yield Input(placeholder="e.g. higher risk: prior-year deviation", id="reason")
            yield Label("", classes="error", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Select", variant="primary", id="ok")

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

    def submit(self, button: str) -> None:
        text = self.query_one("#size", Input).value.strip()
        reason = self.query_one("#reason", Input).value.strip()
        try:
            size = int(text)
        except ValueError:
            self.error("size: expected a whole number")
            return
        if size < 1:
            self.error("size: at least 1")
            return
        if size != self.policy_size and not reason:
            self.error(f"reason: a size of {size} instead of the policy's {self.policy_size} needs a reason")
            return
        self.dismiss({"size": None if size == self.policy_size else size, "reason": reason})


class LinkEvidenceDialog(_Dialog):
    """Choose one of the control's evidence files for a sample item."""

    def __init__(self, item: str, choices: list[tuple[int, str]], current: int | None) -> None:
        super().__init__()
        self.item, self.choices, self.current = item, choices, current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Evidence for {self.item}", classes="section-title")
            if not self.choices:
                yield Static("No evidence file is linked to this control yet: attach files on the Inspection tab "
                             "(or `fieldwork attach`) first.", classes="muted")
            yield Select([(label, fid) for fid, label in self.choices], value=self.current or Select.NULL,
                         prompt="(none)", id="evidence")
            yield Label("", classes="error", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Link", variant="primary", id="ok")

    def submit(self, button: str) -> None:
        value = self.query_one("#evidence", Select).value
        self.dismiss({"evidence_id": None if value is Select.NULL else value})


class DeviationDialog(_Dialog):
    """After a deviation: expand the sample, record the exception, or decide later."""

    BINDINGS = [
        Binding("escape", "cancel", "Later", id="deviation.later", tooltip="Decide later (the control stays flagged)"),
        Binding("e", "choose('expand')", "Expand", id="deviation.expand", tooltip="Expand the sample now"),
        Binding("x", "choose('exception')", "Exception", id="deviation.exception",
                tooltip="Record the exception for this item"),
    ]

    def __init__(self, item: str, message: str, expand_label: str | None) -> None:
        super().__init__()
        self.item, self.message, self.expand_label = item, message, expand_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Deviation on {self.item}", classes="section-title")
            yield Static(self.message)
            with Horizontal(classes="buttons"):
                yield Button("Later", id="cancel")
                yield Button("Record exception (x)", id="exception")
                if self.expand_label:
                    yield Button(f"{self.expand_label} (e)", variant="primary", id="expand")

    def action_choose(self, what: str) -> None:
        if what == "expand" and not self.expand_label:
            return
        self.dismiss(what)


class ConcludeDialog(_Dialog):
    """Choose a conclusion; the suggested one is preselected and a different one needs a reason."""

    def __init__(self, title: str, options: list[tuple[str, str]], suggested: str | None, explanation: str,
                 reason_label: str = "Reason (needed when differing from the rule)") -> None:
        super().__init__()
        self.title_text, self.options, self.suggested = title, options, suggested
        self.explanation, self.reason_label = explanation, reason_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="section-title")
            yield Static(self.explanation, classes="muted")
            yield Label("Conclusion", classes="field-label")
            yield Select(self.options, value=self.suggested or Select.NULL, allow_blank=self.suggested is None,
                         id="conclusion")
            yield Label(self.reason_label, classes="field-label")
            yield Input(id="reason")
            yield Label("", classes="error", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Conclude", variant="primary", id="ok")

    def submit(self, button: str) -> None:
        value = self.query_one("#conclusion", Select).value
        if value is Select.NULL:
            self.error("conclusion: choose one")
            return
        reason = self.query_one("#reason", Input).value.strip()
        if self.suggested and value != self.suggested and not reason:
            self.error(f"reason: concluding otherwise than {self.suggested.replace('_', ' ')} needs a reason")
            return
        self.dismiss({"conclusion": value, "reason": reason})
