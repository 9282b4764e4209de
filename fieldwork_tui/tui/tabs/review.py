"""Review tab: the preparer and reviewer sign-offs (who, when, and whether the workpaper changed
since — "modified since review"), and the review notes on the control and its exceptions.

A sign-off is never withdrawn: after a change the preparer signs again. Notes are cleared, never deleted.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Static

from fieldwork_tui.tui.kit.safe_text import safe_text
from fieldwork_tui.tui.tabs.base import ControlTab

STATE_STYLE = {"current": "green", "modified since review": "bold red", "not signed": "dim",
               "signature does not verify": "bold red"}


def signature_cell(v) -> Text:
    """'signature verified' (yellow when the key is not in the trust list) or 'does not verify'."""
    if not v.signed:
        return Text("—", style="dim")
    if not v.holds:
        return Text("signature does not verify", style="bold red")
    return Text("signature verified" + ("" if v.trusted else " (key not in your trust list)"),
                style="green" if v.trusted else "yellow")


class ReviewTab(ControlTab):
    BINDINGS = [
        Binding("p", "sign('preparer')", "Sign as preparer", id="review.sign_preparer",
                tooltip="Sign the workpaper as preparer (binds to its current content)"),
        Binding("r", "sign('reviewer')", "Sign as reviewer", id="review.sign_reviewer",
                tooltip="Sign the workpaper as reviewer (after the preparer, on the same content)"),
        Binding("n", "add_note", "Add note", id="review.add_note", tooltip="Write a review note"),
        Binding("c", "clear_note", "Clear note", id="review.clear_note", tooltip="Clear the note under the cursor"),
    ]
    DEFAULT_CSS = """
    ReviewTab #signoffs { height: auto; padding: 0 1; }
    ReviewTab .review-buttons { height: auto; padding: 0 1; }
    ReviewTab .review-buttons Button { margin-right: 1; min-width: 18; }
    ReviewTab #notes-title { padding: 1 1 0 1; }
    ReviewTab #notes { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="signoffs")
        with Horizontal(classes="review-buttons"):
            yield Button("Sign as preparer (p)", id="sign-preparer", variant="primary")
            yield Button("Sign as reviewer (r)", id="sign-reviewer")
            yield Button("Add note (n)", id="add-note")
            yield Button("Clear note (c)", id="clear-note")
        yield Static("Review notes", classes="section-title", id="notes-title")
        yield Static("No review notes.", classes="tab-empty", id="notes-empty")
        table = DataTable(cursor_type="row", zebra_stripes=True, id="notes")
        table.add_columns("#", "On", "Status", "Author", "Written", "Note", "Cleared")
        yield table

    def refresh_data(self, records) -> None:
        from fieldwork_tui.services.findings import control_signoffs, list_notes

        self.exceptions = [(ex.id, ex.instance or ex.deviation) for ex, _resp in records.exceptions]
        views = control_signoffs(self.handle, self.ref)
        t = Table(box=None, padding=(0, 2), show_edge=False)
        for col in ("Role", "Signed by", "When", "State", "Signature"):
            t.add_column(col, style="bold" if col == "Role" else "")
        for v in views:
            t.add_row(v.role.value, v.signed_by or "—", v.signed_at.strftime("%Y-%m-%d %H:%M") if v.signed_at else "—",
                      Text(v.state, style=STATE_STYLE[v.state]), signature_cell(v))
        why = [safe_text(f"{v.role.value}: {v.signature_reason}", "red") for v in views
               if v.signed and not v.holds and v.signature_reason]
        self.query_one("#signoffs", Static).update(Group(t, *why) if why else t)
        notes = list_notes(self.handle, self.ref)
        table = self.query_one("#notes", DataTable)
        table.clear()
        for n in notes:
            table.add_row(str(n.id), n.target_label, Text(n.status, style="yellow" if n.is_open else "green"), n.author,
                          n.created_at.strftime("%Y-%m-%d"), n.text,
                          f"{n.cleared_by} {n.cleared_at:%Y-%m-%d}" if n.cleared_at else "", key=str(n.id))
        self.query_one("#notes-empty", Static).display = not notes
        table.display = bool(notes)

    def _guarded(self, fn, success: str | None = None):
        return self.screen.run_guarded(fn, success)  # type: ignore[attr-defined]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"sign-preparer": lambda: self.action_sign("preparer"),
                   "sign-reviewer": lambda: self.action_sign("reviewer"),
                   "add-note": self.action_add_note, "clear-note": self.action_clear_note}
        action = actions.get(event.button.id or "")
        if action:
            action()

    def action_sign(self, role: str) -> None:
        from fieldwork_tui.tui.dialogs.passphrase import unlock_then

        unlock_then(self, f"Signing {self.ref} as {role}", lambda: self._sign(role))

    def _sign(self, role: str) -> None:
        from fieldwork_tui.services.findings import sign

        def created(message: str) -> None:
            self.notify(message, title="Signing key", timeout=15)

        if self._guarded(lambda: sign(self.handle, self.ref, role, on_created=created),
                         f"{self.ref} signed as {role}") is not None:
            self.changed("signoff")

    def action_add_note(self) -> None:
        from fieldwork_tui.tui.dialogs.review_note import ReviewNoteDialog

        def done(result: dict | None) -> None:
            if not result:
                return
            from fieldwork_tui.services.findings import add_note

            note = self._guarded(lambda: add_note(self.handle, self.ref, result["text"],
                                                  exception_id=result["exception_id"]), "Review note added")
            if note is not None:
                self.changed("review_note")

        self.app.push_screen(ReviewNoteDialog(self.ref, getattr(self, "exceptions", [])), done)

    def action_clear_note(self) -> None:
        from fieldwork_tui.services.findings import clear_note

        table = self.query_one("#notes", DataTable)
        if not table.row_count:
            self.notify("No review note to clear.", severity="warning")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if self._guarded(lambda: clear_note(self.handle, int(key)), f"Review note #{key} cleared") is not None:
            self.changed("review_note")

    def palette_commands(self):
        yield (f"Sign {self.ref} as preparer", "Bind a preparer sign-off to the current workpaper",
               lambda: self.action_sign("preparer"))
        yield (f"Sign {self.ref} as reviewer", "Bind a reviewer sign-off to the current workpaper",
               lambda: self.action_sign("reviewer"))
        yield (f"Add review note on {self.ref}", "Write a note for the preparer", self.action_add_note)

    def on_show(self) -> None:
        """Put the focus in the tab so its keys (p, r, n, c) work as soon as it is shown."""
        if not self.has_focus_within:
            self.query_one("#sign-preparer", Button).focus()
