"""Review tab: the preparer and reviewer sign-offs (who, when, whether the workpaper changed since —
"modified since review" — and what each recorded: flags signed over, self-review), and the review
notes on the control and its exceptions with the preparer's answers.

The firm's rules are the services' (domain.signoff): the reviewer signs after the preparer, is not
one of its preparers unless the engagement allows self-review, and cannot sign over an open note;
over blocking flags either role is asked to confirm them, and the sign-off records it (the signing
key is only made once the signer has confirmed). The preparer answers a note (`a`), its author clears
it (`c`, after asking). A sign-off is never withdrawn: after a change the preparer signs again. Every
read and write runs in a worker.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Static

from fieldwork_tui.domain import flags as flag_table
from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.confirm import ConfirmDialog, confirm
from fieldwork_tui.tui.kit.forms import FormButton
from fieldwork_tui.tui.kit.safe_text import safe_text, visible
from fieldwork_tui.tui.kit.styles import role, styled
from fieldwork_tui.tui.tabs.base import ControlTab
from fieldwork_tui.tui.widgets.virtual_table import Column, DetailLine, ListSource, Row, VirtualTable

STATE_ROLE = {"current": "ok", "modified since review": "severe", "not signed": "advisory",
              "signature does not verify": "severe"}
STAGE_ROLE = {"open": "warning", "answered": "info", "cleared": "ok"}
NOTE_COLUMNS = [Column("id", "#", 4, justify="right", priority=2), Column("on", "On", 16, priority=2),
                Column("stage", "Stage", 8, priority=0), Column("author", "Author", 10, priority=3),
                Column("written", "Written", 10, priority=3),
                Column("note", "Note", 40, priority=0, min_width=20, grow=True),
                Column("answer", "Answer", 30, priority=1, min_width=12, grow=True),
                Column("cleared", "Cleared", 18, priority=3)]


def signature_cell(v):
    """'signature verified' (a warning when the key is not in the trust list) or 'does not verify'."""
    if not v.signed:
        return styled("—", "advisory")
    if not v.holds:
        return styled("signature does not verify", "severe")
    return styled("signature verified" + ("" if v.trusted else " (key not in your trust list)"),
                  "ok" if v.trusted else "warning")


def flags_message(ref: str, role_name: str, flags: tuple[str, ...]) -> str:
    """What the confirmation says: each blocking flag with what it means, and that it is recorded."""
    lines = [f"{ref} still has {'a flag' if len(flags) == 1 else 'flags'} that block a defensible conclusion:", ""]
    for name in flags:
        spec = flag_table.spec(name)
        lines.append(f"  • {spec.label} — {spec.help}")
    lines += ["", f"Sign as {role_name} anyway? The sign-off records that you signed over "
                  f"{'it' if len(flags) == 1 else 'them'}."]
    return "\n".join(lines)


def _user_error(node, title: str):
    """A `failed` handler: a service's one-line refusal as a notification titled `title`."""
    def failed(exc: BaseException) -> bool:
        from fieldwork_tui.services.errors import FieldworkError

        if isinstance(exc, FieldworkError):
            node.notify(visible(str(exc)), title=title, severity="error")
            return True
        return False

    return failed


class ReviewTab(ControlTab):
    TAB_LABEL = "Review"
    MAIN = "#notes"
    BINDINGS = [
        Binding("p", "sign('preparer')", "Sign as preparer", id="review.sign_preparer",
                tooltip="Sign the workpaper as preparer (binds to its current content)"),
        Binding("r", "sign('reviewer')", "Sign as reviewer", id="review.sign_reviewer",
                tooltip="Sign the workpaper as reviewer (after the preparer, on the same content, no open notes)"),
        Binding("n", "add_note", "Add note", id="review.add_note", tooltip="Write a review note"),
        Binding("a", "answer_note", "Answer note", id="review.answer_note",
                tooltip="Answer the note under the cursor (the preparer)"),
        Binding("c", "clear_note", "Clear note", id="review.clear_note",
                tooltip="Clear the answered note under the cursor, after asking (its author; it stays on record)"),
        Binding("S", "settings", "Review settings", id="review.settings",
                tooltip="Whether a control's preparer may also review it on this engagement"),
    ]
    DEFAULT_CSS = """
    ReviewTab #signoffs { height: auto; padding: 0 1; }
    ReviewTab #review-setting { height: auto; padding: 0 1; color: $text-muted; }
    ReviewTab .review-buttons { height: auto; padding: 0 1; }
    ReviewTab .review-buttons Button { margin-right: 1; min-width: 16; }
    ReviewTab #notes-title { padding: 1 1 0 1; }
    ReviewTab #notes { height: 1fr; }
    """

    def __init__(self, ref: str, **kwargs) -> None:
        super().__init__(ref, **kwargs)
        self.exceptions: list[tuple[int, str]] = []
        self.notes: dict = {}
        self.settings = None

    def compose_tab(self) -> ComposeResult:
        yield Static(id="signoffs")
        yield Static(id="review-setting")
        with Horizontal(classes="review-buttons"):
            yield FormButton("Sign as preparer (p)", id="sign-preparer", variant="primary")
            yield FormButton("Sign as reviewer (r)", id="sign-reviewer")
            yield FormButton("Add note (n)", id="add-note")
            yield FormButton("Answer (a)", id="answer-note")
            yield FormButton("Clear note (c)", id="clear-note")
        yield Static("Review notes", classes="section-title", id="notes-title")
        table = VirtualTable(ListSource(NOTE_COLUMNS, []), id="notes", detail="notes-detail")
        table.empty_text = "No review notes (n writes one)."
        yield table
        yield DetailLine(id="notes-detail")

    def fetch(self, handle, ref: str):
        from fieldwork_tui.services.findings import control_signoffs, list_notes, review_settings

        return control_signoffs(handle, ref), list_notes(handle, ref), review_settings(handle)

    def show(self, records, extra) -> None:
        views, notes, self.settings = extra
        self.exceptions = [(ex.id, ex.instance or ex.deviation) for ex, _resp in records.exceptions]
        t = Table(box=None, padding=(0, 2), show_edge=False)
        for col in ("Role", "Signed by", "When", "State", "Signature", "Recorded"):
            t.add_column(col, style=role("strong") if col == "Role" else "")
        for v in views:
            t.add_row(v.role.value, visible(v.signed_by) or "—",
                      v.signed_at.strftime("%Y-%m-%d %H:%M") if v.signed_at else "—",
                      styled(v.state, STATE_ROLE.get(v.state, "muted")), signature_cell(v),
                      styled(visible(v.remarks), "warning"))
        why = [safe_text(f"{v.role.value}: {v.signature_reason}", role("severe")) for v in views
               if v.signed and not v.holds and v.signature_reason]
        self.query_one("#signoffs", Static).update(Group(t, *why) if why else t)
        self.query_one("#review-setting", Static).update(safe_text(
            ("Self-review is allowed on this engagement: " + self.settings.reason) if self.settings.allow_self_review
            else "Self-review is not allowed on this engagement: a control's preparer cannot review it (S changes it)."))
        self.notes = {n.id: n for n in notes}
        rows = [Row(key=n.id, cells=[str(n.id), visible(n.target_label), styled(n.stage, STAGE_ROLE.get(n.stage, "muted")),
                                     visible(n.author), n.created_at.strftime("%Y-%m-%d"), visible(n.text),
                                     visible(f"{n.responded_by}: {n.response}" if n.response else ""),
                                     visible(f"{n.cleared_by} {n.cleared_at:%Y-%m-%d}" if n.cleared_at else "")])
                for n in notes]
        self.query_one("#notes", VirtualTable).set_source(ListSource(NOTE_COLUMNS, rows))

    @on(Button.Pressed, ".review-buttons Button")
    def _button(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id in ("answer-note", "clear-note"):
            self.screen.set_focus(self.query_one("#notes"))  # a click acts on the note the table shows
        actions = {"sign-preparer": lambda: self.action_sign("preparer"),
                   "sign-reviewer": lambda: self.action_sign("reviewer"),
                   "add-note": self.action_add_note, "answer-note": self.action_answer_note,
                   "clear-note": self.action_clear_note}
        action = actions.get(event.button.id or "")
        if action:
            action()

    # -- signing ------------------------------------------------------------------------------------

    def action_sign(self, role_name: str, confirmed: tuple[str, ...] = ()) -> None:
        """Sign once the signing key can sign (the passphrase is asked first when it needs one)."""
        from fieldwork_tui.tui.dialogs.passphrase import unlock_then

        unlock_then(self, f"Signing {self.ref} as {role_name}", lambda: self._sign(role_name, confirmed))

    def _sign(self, role_name: str, confirmed: tuple[str, ...] = ()) -> None:
        from fieldwork_tui.services.findings import ConfirmationNeeded, sign

        handle, ref, app = self.handle, self.ref, self.app

        def created(message: str) -> None:  # called in the worker: a new signing key was made
            app.call_from_thread(app.notify, message, title="Signing key", timeout=15, markup=False)

        def done(result) -> None:
            self.notify(visible(result.describe()), title="Signed")
            self.changed("signoff")

        refused = _user_error(self, "Not signed")

        def failed(exc: BaseException) -> bool:
            if isinstance(exc, ConfirmationNeeded):
                self._confirm_flags(role_name, exc.flags)
                return True
            return refused(exc)

        workers.run(self, lambda: sign(handle, ref, role_name, confirm_flags=confirmed, on_created=created),
                    done=done, failed=failed, group="review-sign", description=f"sign {ref} as {role_name}")

    def _confirm_flags(self, role_name: str, flags: tuple[str, ...]) -> None:
        dialog = ConfirmDialog(f"Sign {self.ref} over blocking flags?", flags_message(self.ref, role_name, flags),
                               yes="Sign over them", no="Don't sign")
        self.app.push_screen(dialog, lambda ok: self.action_sign(role_name, flags) if ok else None)

    # -- notes --------------------------------------------------------------------------------------

    def _note_under_cursor(self, what: str):
        """The note a key acts on: the table's cursor row, only while the table has the focus."""
        table = self.query_one("#notes", VirtualTable)
        key = table.cursor_key
        if key is None:
            self.notify(f"No review note to {what}.", severity="warning")
            return None
        if not table.has_focus:
            self.notify("Put the cursor on the note in the table first.", severity="warning")
            return None
        return self.notes.get(key)

    def action_add_note(self) -> None:
        from fieldwork_tui.services.findings import add_note
        from fieldwork_tui.tui.dialogs.review_note import ReviewNoteDialog

        handle, ref = self.handle, self.ref

        def save(result: dict):
            return add_note(handle, ref, result["text"], exception_id=result["exception_id"])

        self.app.push_screen(ReviewNoteDialog(ref, self.exceptions, save=save),
                             lambda note: (self.notify(f"Review note #{note.id} added"), self.changed("review_note"))
                             if note is not None else None)

    def action_answer_note(self) -> None:
        from fieldwork_tui.services.findings import answer_note, get_note
        from fieldwork_tui.tui.dialogs.review_note import AnswerNoteDialog

        note = self._note_under_cursor("answer")
        if note is None:
            return
        if not note.is_open:
            self.notify(f"Review note #{note.id} is cleared.", severity="warning")
            return
        handle, note_id = self.handle, note.id
        read: dict = {}  # the version the form opened (or reloaded) at: a save over a newer one is refused

        def fetch():
            view = get_note(handle, note_id)
            read["version"] = view.version
            return view

        def answered(view) -> None:
            if view is not None:
                self.notify(visible(f"Review note #{view.id} answered; {view.author} clears it."))
                self.changed("review_note")

        self.app.push_screen(AnswerNoteDialog(note_id, f"{note.author}: {note.text}", fetch=fetch,
                                              save=lambda text: answer_note(handle, note_id, text,
                                                                            expected_version=read.get("version"))),
                             answered)

    def action_clear_note(self) -> None:
        from fieldwork_tui.services.errors import SaveConflict
        from fieldwork_tui.services.findings import clear_note

        note = self._note_under_cursor("clear")
        if note is None:
            return
        handle = self.handle
        refused = _user_error(self, "Not cleared")

        def failed(exc: BaseException) -> bool:
            if isinstance(exc, SaveConflict):  # the tab shows their change: look, then clear again
                self.changed("review_note")
            return refused(exc)

        def clear() -> None:
            # the version the tab showed the note at, answer included: clearing over a newer one is refused
            workers.run(self, lambda: clear_note(handle, note.id, expected_version=note.version),
                        done=lambda view: (self.notify(f"Review note #{view.id} cleared"), self.changed("review_note")),
                        failed=failed, group="review-note")

        answer = f"\n\nAnswer ({note.responded_by}): {note.response[:200]}" if note.response else ""
        confirm(self, f"Clear review note #{note.id}",
                f"Clear review note #{note.id} ({note.author}: {note.text[:200]})?{answer}\n\nA cleared note stays "
                "on record but no longer holds up the reviewer's sign-off.", clear, yes="Clear")

    # -- settings -----------------------------------------------------------------------------------

    def action_settings(self) -> None:
        from fieldwork_tui.services.findings import set_self_review
        from fieldwork_tui.tui.dialogs.review_settings import ReviewSettingsDialog

        if self.settings is None:
            return  # not loaded yet: the kit holds keys until the tab has shown, so this is a closing app
        handle = self.handle

        def saved(result) -> None:
            if result is not None:
                self.notify(visible(result.describe()), title="Review settings")
                self.changed("settings")

        self.app.push_screen(ReviewSettingsDialog(self.settings.allow_self_review, self.settings.reason,
                                                  save=lambda v: set_self_review(handle, v["allow"], v["reason"])),
                             saved)
