"""Small dialogs the request views share: pick one of a list (type to narrow it), and a file path
(with an optional yes/no option) for import, export and attaching received files."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList, TextArea
from textual.widgets.option_list import Option


class PickDialog(ModalScreen[Any]):
    """Choose one option; typing narrows the list, enter picks the highlighted one. Returns the value or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="pick.cancel", tooltip="Close without choosing"),
        Binding("down", "move(1)", "Down", show=False, id="pick.down", tooltip="Next option"),
        Binding("up", "move(-1)", "Up", show=False, id="pick.up", tooltip="Previous option"),
    ]

    def __init__(self, title: str, options: list[tuple[str, Any]], *, highlight: Any = None) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.options = options
        self.highlight_value = highlight
        self._shown: list[tuple[str, Any]] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="section-title")
            yield Input(placeholder="type to narrow the list", id="pick-filter")
            yield OptionList(id="pick-list")

    def on_mount(self) -> None:
        self._fill("")
        if self.highlight_value is not None:
            for i, (_label, value) in enumerate(self._shown):
                if value == self.highlight_value:
                    self.query_one(OptionList).highlighted = i
        self.query_one("#pick-filter", Input).focus()

    def _fill(self, needle: str) -> None:
        needle = needle.strip().lower()
        self._shown = [(label, value) for label, value in self.options if needle in label.lower()]
        ol = self.query_one(OptionList)
        ol.clear_options()
        ol.add_options([Option(label) for label, _ in self._shown])
        if self._shown:
            ol.highlighted = 0

    @on(Input.Changed, "#pick-filter")
    def _narrow(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#pick-filter")
    def _submit(self) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is not None and self._shown:
            self.dismiss(self._shown[ol.highlighted][1])

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._shown[event.option_index][1])

    def action_move(self, delta: int) -> None:
        ol = self.query_one(OptionList)
        if self._shown:
            ol.highlighted = max(0, min(len(self._shown) - 1, (ol.highlighted or 0) + delta))

    def action_cancel(self) -> None:
        self.dismiss(None)


class PathDialog(ModalScreen[tuple[str, bool] | None]):
    """A file path (and one optional yes/no choice). Returns (path, choice) or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="path.cancel", tooltip="Close without doing anything")]

    def __init__(self, title: str, *, value: str = "", action: str = "OK", option: str | None = None,
                 option_value: bool = False, hint: str = "") -> None:
        super().__init__(classes="dialog")
        self.title_text, self.value, self.action_label = title, value, action
        self.option, self.option_value, self.hint = option, option_value, hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="section-title")
            if self.hint:
                yield Label(self.hint, classes="muted")
            yield Input(value=self.value, placeholder="path/to/file", id="path")
            if self.option:
                yield Checkbox(self.option, value=self.option_value, id="option")
            yield Label("", classes="error", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.action_label, variant="primary", id="ok")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._submit()
        else:
            self.dismiss(None)

    def on_input_submitted(self) -> None:
        self._submit()

    def _submit(self) -> None:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            self.query_one("#error", Label).update("Type a file path.")
            return
        choice = self.query_one("#option", Checkbox).value if self.option else False
        self.dismiss((path, choice))

    def action_cancel(self) -> None:
        self.dismiss(None)


class FilesDialog(ModalScreen[list[str] | None]):
    """Files the client sent: one path per line. Returns the paths or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="files.cancel", tooltip="Close without attaching"),
                Binding("ctrl+s", "submit", "Attach", id="files.attach", tooltip="Attach the files listed")]

    def __init__(self, title: str) -> None:
        super().__init__(classes="dialog")
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="section-title")
            yield Label("One file path per line; they are copied into the evidence vault.", classes="muted")
            yield TextArea(id="paths")
            yield Label("", classes="error", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Attach", variant="primary", id="ok")

    def on_mount(self) -> None:
        self.query_one(TextArea).styles.height = 6
        self.query_one(TextArea).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.action_submit()
        else:
            self.dismiss(None)

    def action_submit(self) -> None:
        paths = [line.strip().strip('"') for line in self.query_one(TextArea).text.splitlines() if line.strip()]
        if not paths:
            self.query_one("#error", Label).update("List at least one file.")
            return
        self.dismiss(paths)

    def action_cancel(self) -> None:
        self.dismiss(None)
