"""Dialog: the evidence types a control requires (defaults by kind of control; the auditor may
change them, e.g. add re-performance for a key access control). Returns the saved list, or None."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, SelectionList

from fieldwork_tui.domain.vocab import EVIDENCE_ORDER


class RequiredTypesDialog(ModalScreen[list[str] | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="required.cancel", tooltip="Close without saving"),
        Binding("ctrl+s", "save", "Save", id="required.save", tooltip="Save the required types"),
    ]

    def __init__(self, control_ref: str, current: list[str]) -> None:
        super().__init__(classes="dialog")
        self.control_ref = control_ref
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Evidence types {self.control_ref} requires", classes="section-title")
            yield Label("space toggles · ctrl+s saves. Missing types flag the control.", classes="field-label")
            yield SelectionList[str](*[(t.value, t.value, t.value in self.current) for t in EVIDENCE_ORDER],
                                     id="types")
            yield Label("", classes="error", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", variant="primary", id="save")

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        from fieldwork_tui.services.controls import set_required_types
        from fieldwork_tui.services.errors import FieldworkError

        chosen = [t.value for t in EVIDENCE_ORDER if t.value in self.query_one("#types", SelectionList).selected]
        try:
            set_required_types(self.app.handle, self.control_ref, chosen)  # type: ignore[attr-defined]
        except FieldworkError as exc:
            self.query_one("#error", Label).update(str(exc))
            return
        self.dismiss(chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)
