"""Dialog: the file being attached is already in the vault with another as-of date or description.

The date and description belong to the document, so the auditor decides: update the stored record
(every control using the file sees the change, and their sign-offs go stale), keep what is stored,
or cancel. Returns "update", "keep" or None."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from fieldwork_tui.tui.kit.forms import FormButton
from fieldwork_tui.tui.kit.safe_text import safe_content
from fieldwork_tui.tui.kit.screen import KitModal


class MetadataConflictDialog(KitModal):
    BINDINGS = [
        Binding("u", "answer('update')", "Update", id="conflict.update",
                tooltip="Change the stored record (every control using the file sees it)"),
        Binding("k", "answer('keep')", "Keep stored", id="conflict.keep",
                tooltip="Attach with what is stored; what was typed is not used"),
        Binding("escape", "answer(None)", "Cancel", id="conflict.cancel", tooltip="Attach nothing"),
    ]
    DEFAULT_CSS = """
    MetadataConflictDialog { align: center middle; }
    MetadataConflictDialog > Vertical {
        width: 76; height: auto; border: thick $warning 60%; background: $surface; padding: 1 2;
    }
    MetadataConflictDialog .conflict-title { text-style: bold; color: $warning; }
    MetadataConflictDialog .conflict-message { padding-top: 1; }
    MetadataConflictDialog .form-buttons { height: auto; padding-top: 1; }
    MetadataConflictDialog .form-hint { width: 1fr; color: $text-muted; padding-top: 1; }
    MetadataConflictDialog Button { margin-left: 1; }
    """
    MAIN = "#conflict-box"

    def __init__(self, name: str, evidence_id: int, conflicts: list[str], used_by: list[str]) -> None:
        super().__init__()
        self.name_text, self.evidence_id, self.conflicts, self.used_by = name, evidence_id, conflicts, used_by

    def message(self) -> str:
        lines = [f"{self.name_text} is already in the vault as evidence #{self.evidence_id}:"]
        lines += [f"  • {c}" for c in self.conflicts]
        used = ", ".join(self.used_by) if self.used_by else "no control yet"
        lines += ["", "The date and description belong to the document. Updating changes them for every "
                      f"control using it ({used}); their sign-offs go stale."]
        return "\n".join(lines)

    def compose(self) -> ComposeResult:
        with Vertical(id="conflict-box") as box:
            box.can_focus = True
            yield Static("Already in the vault", classes="conflict-title")
            yield Static(safe_content(self.message(), keep_lines=True), classes="conflict-message")
            with Horizontal(classes="form-buttons"):
                yield Static("u update · k keep stored · esc cancel", classes="form-hint", markup=False)
                yield FormButton("Cancel", id="conflict-cancel")
                yield FormButton("Keep stored", id="conflict-keep")
                yield FormButton("Update", variant="warning", id="conflict-update")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss({"conflict-update": "update", "conflict-keep": "keep"}.get(event.button.id or ""))

    def action_answer(self, choice: str | None) -> None:
        self.dismiss(choice)
