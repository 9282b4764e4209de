"""Dialog: write a review note on the control or on one of its exceptions. Returns
{"text": ..., "exception_id": int | None}, or None when cancelled."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select


class ReviewNoteDialog(ModalScreen[dict | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="note.cancel", tooltip="Close without adding a note")]

    def __init__(self, ref: str, exceptions: list[tuple[int, str]] = ()) -> None:
        super().__init__(classes="dialog")
        self.ref = ref
        self.exceptions = list(exceptions)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Review note on {self.ref}", classes="section-title")
            yield Label("On", classes="field-label")
            options = [(f"Control {self.ref}", 0)] + [(f"Exception #{i}: {label}"[:70], i) for i, label in self.exceptions]
            yield Select(options, value=0, allow_blank=False, id="target")
            yield Label("Note", classes="field-label")
            yield Input(placeholder="What should the preparer fix or explain?", id="text")
            yield Label("", classes="error", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Add note", variant="primary", id="add")

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "add":
            self._submit()
        else:
            self.dismiss(None)

    def on_input_submitted(self) -> None:
        self._submit()

    def _submit(self) -> None:
        text = self.query_one("#text", Input).value.strip()
        if not text:
            self.query_one("#error", Label).update("text: a review note needs text")
            return
        target = self.query_one("#target", Select).value
        self.dismiss({"text": text, "exception_id": target or None})

    def action_cancel(self) -> None:
        self.dismiss(None)
