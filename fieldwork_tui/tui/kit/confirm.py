"""Ask before a destructive key acts: remove evidence, delete an observation or a statement.

`confirm(node, title, message, then)` shows the dialog; `then()` runs only on yes. `y` or `enter`
confirms, `n` or `escape` cancels. The message names exactly what will change ("Remove
evidence-export.csv from AC-01? The vault keeps the file."), shown safely.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.widgets import Button, Static

from fieldwork_tui.tui.kit.forms import FormButton
from fieldwork_tui.tui.kit.safe_text import safe_content
from fieldwork_tui.tui.kit.screen import KitModal


def question_box(title: str, message: str, hint: str, buttons: list[Button]) -> ComposeResult:
    """The one look of a question (confirm, choice): title, message, the keys, the buttons."""
    with Vertical(id="confirm-box") as box:
        box.can_focus = True
        yield Static(safe_content(title), classes="confirm-title")
        yield Static(safe_content(message, keep_lines=True), classes="confirm-message")
        with Horizontal(classes="form-buttons"):
            yield Static(hint, classes="form-hint", markup=False)
            yield from buttons


class ConfirmDialog(KitModal):
    """Yes or no. Returns True when confirmed, False otherwise."""

    KEYS_LABEL = "Confirmations"

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Do it"),
        Binding("enter", "answer(True)", "Yes", show=False, id="confirm.enter", tooltip="Do it"),
        Binding("n", "answer(False)", "No", id="confirm.no", tooltip="Leave everything as it is"),
        Binding("escape", "answer(False)", "No", show=False, id="confirm.cancel", tooltip="Leave everything as it is"),
    ]
    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical {
        width: 70; height: auto; border: thick $error 60%; background: $surface; padding: 1 2;
    }
    ConfirmDialog .confirm-title { text-style: bold; color: $error; }
    ConfirmDialog .confirm-message { padding-top: 1; }
    ConfirmDialog .form-buttons { height: auto; padding-top: 1; }
    ConfirmDialog .form-hint { width: 1fr; color: $text-muted; padding-top: 1; }
    ConfirmDialog Button { margin-left: 1; }
    """
    MAIN = "#confirm-box"

    def __init__(self, title: str, message: str, *, yes: str = "Yes", no: str = "Cancel") -> None:
        super().__init__()
        self.title_text, self.message, self.yes, self.no = title, message, yes, no

    def compose(self) -> ComposeResult:
        return question_box(self.title_text, self.message, "y / enter: yes · n / esc: no",
                            [FormButton(self.no, id="confirm-no"), FormButton(self.yes, variant="error", id="confirm-yes")])

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def confirm(node: DOMNode, title: str, message: str, then: Callable[[], Any], *, yes: str = "Yes") -> None:
    """Ask; run `then()` only if the auditor says yes."""
    node.app.push_screen(ConfirmDialog(title, message, yes=yes), lambda ok: then() if ok else None)


class ChoiceDialog(KitModal):
    """One of a few ways on: each choice has a key, a button and a value (e.g. after a deviation:
    `e` expand the sample, `x` record the exception, escape decide later). Returns the value or None."""

    KEYS_LABEL = "Choices (e.g. after a deviation)"
    BINDINGS = [
        Binding("escape", "choose('')", "Later", id="choice.later", tooltip="Close and decide later"),
    ]
    DEFAULT_CSS = ConfirmDialog.DEFAULT_CSS.replace("ConfirmDialog", "ChoiceDialog").replace("$error 60%", "$accent 60%")
    MAIN = "#confirm-box"

    def __init__(self, title: str, message: str, choices: list[tuple[str, str, str]], *, later: str = "Later") -> None:
        """`choices`: (key, button label, value)."""
        super().__init__()
        self.title_text, self.message, self.choices, self.later = title, message, choices, later

    def compose(self) -> ComposeResult:
        keys = " · ".join(f"{key}: {label}" for key, label, _value in self.choices)
        buttons = [FormButton(self.later, id="choice-")]
        buttons += [FormButton(f"{label} ({key})", variant="primary", id=f"choice-{value}")
                    for key, label, value in self.choices]
        return question_box(self.title_text, self.message, f"{keys} · esc: {self.later.lower()}", buttons)

    def on_key(self, event) -> None:
        for key, _label, value in self.choices:
            if event.key == key:
                event.stop()
                self.dismiss(value)
                return

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss((event.button.id or "").removeprefix("choice-") or None)

    def action_choose(self, value: str) -> None:
        self.dismiss(value or None)
