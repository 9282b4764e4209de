"""Review tab: the preparer and reviewer sign-offs (who, when, and whether the workpaper changed
since — "modified since review"), and the review notes on the control and its exceptions.

A sign-off is never withdrawn: after a change the preparer signs again. Notes are cleared, never deleted.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Static

from fieldwork_tui.tui.kit.forms import FormButton
from fieldwork_tui.tui.kit.safe_text import safe_text, visible
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.tabs.base import ControlTab
from fieldwork_tui.tui.widgets.virtual_table import Column, DetailLine, ListSource, Row, VirtualTable

STATE_ROLE = {"current": "ok", "modified since review": "severe", "not signed": "muted",
              "signature does not verify": "severe"}
NOTE_COLUMNS = [Column("id", "#", 4, justify="right", priority=2), Column("on", "On", 16, priority=2),
                Column("status", "Status", 8, priority=0), Column("author", "Author", 10, priority=3),
                Column("written", "Written", 10, priority=3),
                Column("note", "Note", 50, priority=0, min_width=20, grow=True),
                Column("cleared", "Cleared", 18, priority=3)]


def signature_cell(v) -> Text:
    """'signature verified' (a warning when the key is not in the trust list) or 'does not verify'."""
    if not v.signed:
        return Text("—", style=role("muted"))
    if not v.holds:
        return Text("signature does not verify", style=role("severe"))
    return Text("signature verified" + ("" if v.trusted else " (key not in your trust list)"),
                style=role("ok") if v.trusted else role("warning"))


class ReviewTab(ControlTab):
    TAB_LABEL = "Review"
    MAIN = "#notes"
    BINDINGS = [
        Binding("p", "sign('preparer')", "Sign as preparer", id="review.sign_preparer",
                tooltip="Sign the workpaper as preparer (binds to its current content)"),
        Binding("r", "sign('reviewer')", "Sign as reviewer", id="review.sign_reviewer",
                tooltip="Sign the workpaper as reviewer (after the preparer, on the same content)"),
        Binding("n", "add_note", "Add note", id="review.add_note", tooltip="Write a review note"),
        Binding("c", "clear_note", "Clear note", id="review.clear_note",
                tooltip="Clear the review note under the cursor (it stays on record)"),
    ]
    DEFAULT_CSS = """
    ReviewTab #signoffs { height: auto; padding: 0 1; }
    ReviewTab .review-buttons { height: auto; padding: 0 1; }
    ReviewTab .review-buttons Button { margin-right: 1; min-width: 18; }
    ReviewTab #notes-title { padding: 1 1 0 1; }
    ReviewTab #notes { height: 1fr; }
    """

    def __init__(self, ref: str, **kwargs) -> None:
        super().__init__(ref, **kwargs)
        self.exceptions: list[tuple[int, str]] = []

    def compose(self) -> ComposeResult:
        yield Static(id="signoffs")
        with Horizontal(classes="review-buttons"):
            yield FormButton("Sign as preparer (p)", id="sign-preparer", variant="primary")
            yield FormButton("Sign as reviewer (r)", id="sign-reviewer")
            yield FormButton("Add note (n)", id="add-note")
            yield FormButton("Clear note (c)", id="clear-note")
        yield Static("Review notes", classes="section-title", id="notes-title")
        table = VirtualTable(ListSource(NOTE_COLUMNS, []), id="notes", detail="notes-detail")
        table.empty_text = "No review notes (n writes one)."
        yield table
        yield DetailLine(id="notes-detail")

    def fetch(self, handle, ref: str):
        from fieldwork_tui.services.findings import control_signoffs, list_notes

        return control_signoffs(handle, ref), list_notes(handle, ref)

    def show(self, records, extra) -> None:
        views, notes = extra
        self.exceptions = [(ex.id, ex.instance or ex.deviation) for ex, _resp in records.exceptions]
        t = Table(box=None, padding=(0, 2), show_edge=False)
        for col in ("Role", "Signed by", "When", "State", "Signature"):
            t.add_column(col, style=role("strong") if col == "Role" else "")
        for v in views:
            t.add_row(v.role.value, visible(v.signed_by) or "—",
                      v.signed_at.strftime("%Y-%m-%d %H:%M") if v.signed_at else "—",
                      Text(v.state, style=role(STATE_ROLE.get(v.state, "muted"))), signature_cell(v))
        why = [safe_text(f"{v.role.value}: {v.signature_reason}", role("severe")) for v in views
               if v.signed and not v.holds and v.signature_reason]
        self.query_one("#signoffs", Static).update(Group(t, *why) if why else t)
        rows = [Row(key=n.id, cells=[str(n.id), n.target_label, Text(n.status, style=role("warning" if n.is_open
                                                                                          else "ok")),
                                     n.author, n.created_at.strftime("%Y-%m-%d"), n.text,
                                     f"{n.cleared_by} {n.cleared_at:%Y-%m-%d}" if n.cleared_at else ""])
                for n in notes]
        self.query_one("#notes", VirtualTable).set_source(ListSource(NOTE_COLUMNS, rows))

    @on(Button.Pressed, ".review-buttons Button")
    def _button(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"sign-preparer": lambda: self.action_sign("preparer"),
                   "sign-reviewer": lambda: self.action_sign("reviewer"),
                   "add-note": self.action_add_note, "clear-note": self._clear_clicked}
        action = actions.get(event.button.id or "")
        if action:
            action()

    def _clear_clicked(self) -> None:
        self.screen.set_focus(self.query_one("#notes"))
        self.action_clear_note()

    def action_sign(self, role_name: str) -> None:
        from fieldwork_tui.tui.dialogs.passphrase import unlock_then

        unlock_then(self, f"Signing {self.ref} as {role_name}", lambda: self._sign(role_name))

    def _sign(self, role_name: str) -> None:
        from fieldwork_tui.services.findings import sign

        handle, ref, app = self.handle, self.ref, self.app

        def created(message: str) -> None:  # called in the worker: a new signing key was made
            app.call_from_thread(app.notify, message, title="Signing key", timeout=15)

        self.commit(lambda: sign(handle, ref, role_name, on_created=created), f"{ref} signed as {role_name}")

    def action_add_note(self) -> None:
        from fieldwork_tui.services.findings import add_note
        from fieldwork_tui.tui.dialogs.review_note import ReviewNoteDialog

        handle, ref = self.handle, self.ref

        def save(result: dict):
            return add_note(handle, ref, result["text"], exception_id=result["exception_id"])

        self.app.push_screen(ReviewNoteDialog(ref, self.exceptions, save=save),
                             lambda note: (self.notify("Review note added"), self.changed("review_note"))
                             if note is not None else None)

    def action_clear_note(self) -> None:
        from fieldwork_tui.services.findings import clear_note

        table = self.query_one("#notes", VirtualTable)
        key = table.cursor_key
        if key is None:
            self.notify("No review note to clear.", severity="warning")
            return
        if not table.has_focus:
            self.notify("Put the cursor on the note in the table first.", severity="warning")
            return
        handle = self.handle
        self.commit(lambda: clear_note(handle, int(key)), f"Review note #{key} cleared")
