"""Review tab: the preparer and reviewer sign-offs (who, when, whether the workpaper changed since —
"modified since review" — and what each recorded: flags signed over, self-review), and the review
notes on the control and its exceptions with the preparer's answers.

The firm's rules are the services' (domain.signoff): the reviewer signs after the preparer, is not
one of its preparers unless the engagement allows self-review, and cannot sign over an open note;
over blocking flags either role is asked to confirm them, and the sign-off records it. The preparer
answers a note (`a`), its author clears it (`c`). A sign-off is never withdrawn: after a change the
preparer signs again. Every write runs in a worker.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Static

from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.safe_text import safe_text, visible
from fieldwork_tui.tui.kit.styles import styled
from fieldwork_tui.tui.tabs.base import ControlTab

STATE_ROLE = {"current": "ok", "modified since review": "severe", "not signed": "advisory",
              "signature does not verify": "severe"}
STAGE_ROLE = {"open": "warning", "answered": "info", "cleared": "ok"}


def signature_cell(v):
    """'signature verified' (a warning when the key is not in the trust list) or 'does not verify'."""
    if not v.signed:
        return styled("—", "advisory")
    if not v.holds:
        return styled("signature does not verify", "severe")
    return styled("signature verified" + ("" if v.trusted else " (key not in your trust list)"),
                  "ok" if v.trusted else "warning")


def flags_message(ref: str, role: str, flags: tuple[str, ...]) -> str:
    """What the confirmation says: each blocking flag with what it means, and that it is recorded."""
    from fieldwork_tui.domain import flags as table

    lines = [f"{ref} still has {'a flag' if len(flags) == 1 else 'flags'} that block a defensible conclusion:", ""]
    for name in flags:
        spec = table.spec(name)
        lines.append(f"  • {spec.label} — {spec.help}")
    lines += ["", f"Sign as {role} anyway? The sign-off records that you signed over "
                  f"{'it' if len(flags) == 1 else 'them'}."]
    return "\n".join(lines)


class ReviewTab(ControlTab):
    BINDINGS = [
        Binding("p", "sign('preparer')", "Sign as preparer", id="review.sign_preparer",
                tooltip="Sign the workpaper as preparer (binds to its current content)"),
        Binding("r", "sign('reviewer')", "Sign as reviewer", id="review.sign_reviewer",
                tooltip="Sign the workpaper as reviewer (after the preparer, on the same content, no open notes)"),
        Binding("n", "add_note", "Add note", id="review.add_note", tooltip="Write a review note"),
        Binding("a", "answer_note", "Answer note", id="review.answer_note",
                tooltip="Answer the note under the cursor (the preparer)"),
        Binding("c", "clear_note", "Clear note", id="review.clear_note",
                tooltip="Clear the answered note under the cursor (its author)"),
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

    def compose(self) -> ComposeResult:
        yield Static(id="signoffs")
        yield Static(id="review-setting")
        with Horizontal(classes="review-buttons"):
            yield Button("Sign as preparer (p)", id="sign-preparer", variant="primary")
            yield Button("Sign as reviewer (r)", id="sign-reviewer")
            yield Button("Add note (n)", id="add-note")
            yield Button("Answer (a)", id="answer-note")
            yield Button("Clear note (c)", id="clear-note")
        yield Static("Review notes", classes="section-title", id="notes-title")
        yield Static("No review notes.", classes="tab-empty", id="notes-empty")
        table = DataTable(cursor_type="row", zebra_stripes=True, id="notes")
        table.add_columns("#", "On", "Stage", "Author", "Written", "Note", "Answer", "Cleared")
        yield table

    def refresh_data(self, records) -> None:
        from fieldwork_tui.services.findings import control_signoffs, list_notes, review_settings

        self.exceptions = [(ex.id, ex.instance or ex.deviation) for ex, _resp in records.exceptions]
        views = control_signoffs(self.handle, self.ref)
        t = Table(box=None, padding=(0, 2), show_edge=False)
        for col in ("Role", "Signed by", "When", "State", "Signature", "Recorded"):
            t.add_column(col, style="bold" if col == "Role" else "")
        for v in views:
            t.add_row(v.role.value, safe_text(v.signed_by or "—"),
                      v.signed_at.strftime("%Y-%m-%d %H:%M") if v.signed_at else "—",
                      styled(v.state, STATE_ROLE[v.state]), signature_cell(v), styled(visible(v.remarks), "warning"))
        why = [safe_text(f"{v.role.value}: {v.signature_reason}", "red") for v in views
               if v.signed and not v.holds and v.signature_reason]
        self.query_one("#signoffs", Static).update(Group(t, *why) if why else t)
        self.settings = review_settings(self.handle)
        self.query_one("#review-setting", Static).update(safe_text(
            ("Self-review is allowed on this engagement: " + self.settings.reason) if self.settings.allow_self_review
            else "Self-review is not allowed on this engagement: a control's preparer cannot review it (S changes it)."))
        self.notes = {n.id: n for n in list_notes(self.handle, self.ref)}
        table = self.query_one("#notes", DataTable)
        table.clear()
        for n in self.notes.values():
            table.add_row(str(n.id), safe_text(n.target_label), styled(n.stage, STAGE_ROLE[n.stage]),
                          safe_text(n.author), n.created_at.strftime("%Y-%m-%d"), safe_text(n.text),
                          safe_text(f"{n.responded_by}: {n.response}" if n.response else ""),
                          safe_text(f"{n.cleared_by} {n.cleared_at:%Y-%m-%d}" if n.cleared_at else ""), key=str(n.id))
        self.query_one("#notes-empty", Static).display = not self.notes
        table.display = bool(self.notes)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"sign-preparer": lambda: self.action_sign("preparer"),
                   "sign-reviewer": lambda: self.action_sign("reviewer"),
                   "add-note": self.action_add_note, "answer-note": self.action_answer_note,
                   "clear-note": self.action_clear_note}
        action = actions.get(event.button.id or "")
        if action:
            action()

    # -- signing ------------------------------------------------------------------------------------

    def action_sign(self, role: str, confirmed: tuple[str, ...] = ()) -> None:
        """Sign once the signing key can sign (the passphrase is asked first when it needs one)."""
        from fieldwork_tui.tui.dialogs.passphrase import unlock_then

        unlock_then(self, f"Signing {self.ref} as {role}", lambda: self._sign(role, confirmed))

    def _sign(self, role: str, confirmed: tuple[str, ...] = ()) -> None:
        from fieldwork_tui.services.findings import ConfirmationNeeded, sign

        handle, ref, app = self.handle, self.ref, self.app

        def created(message: str) -> None:  # called in the worker
            app.call_from_thread(self.notify, message, title="Signing key", timeout=15)

        def done(result) -> None:
            self.notify(result.describe(), title="Signed")
            self.changed("signoff")

        def failed(exc: BaseException) -> bool:
            from fieldwork_tui.services.errors import FieldworkError

            if isinstance(exc, ConfirmationNeeded):
                self._confirm_flags(role, exc.flags)
                return True
            if isinstance(exc, FieldworkError):
                self.notify(str(exc), title="Not signed", severity="error")
                return True
            return False

        workers.run(self, lambda: sign(handle, ref, role, confirm_flags=confirmed, on_created=created), done=done, failed=failed,
                    group="review-sign", description=f"sign {ref} as {role}")

    def _confirm_flags(self, role: str, flags: tuple[str, ...]) -> None:
        from fieldwork_tui.tui.kit.confirm import ConfirmDialog

        dialog = ConfirmDialog(f"Sign {self.ref} over blocking flags?", flags_message(self.ref, role, flags),
                               yes="Sign over them", no="Don't sign")
        self.app.push_screen(dialog, lambda ok: self.action_sign(role, flags) if ok else None)

    # -- notes --------------------------------------------------------------------------------------

    def _note_under_cursor(self):
        table = self.query_one("#notes", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.notes.get(int(key)) if key is not None else None

    def action_add_note(self) -> None:
        from fieldwork_tui.tui.dialogs.review_note import ReviewNoteDialog

        def done(result: dict | None) -> None:
            if not result:
                return
            from fieldwork_tui.services.findings import add_note

            handle, ref = self.handle, self.ref
            workers.run(self, lambda: add_note(handle, ref, result["text"], exception_id=result["exception_id"]),
                        done=lambda note: (self.notify(f"Review note #{note.id} added"), self.changed("review_note")),
                        failed=self._user_error("Not added"), group="review-note")

        self.app.push_screen(ReviewNoteDialog(self.ref, getattr(self, "exceptions", [])), done)

    def action_answer_note(self) -> None:
        from fieldwork_tui.services.findings import answer_note
        from fieldwork_tui.tui.kit.forms import PromptDialog

        note = self._note_under_cursor()
        if note is None:
            self.notify("No review note to answer.", severity="warning")
            return
        if not note.is_open:
            self.notify(f"Review note #{note.id} is cleared.", severity="warning")
            return
        handle = self.handle
        dialog = PromptDialog(f"Answer review note #{note.id}", "Answer (what was done, or why)", note.response,
                              multiline=True, required="response: the answer needs text",
                              subtitle=f"{note.author}: {note.text}"[:300], save_label="Answer",
                              save=lambda text: answer_note(handle, note.id, text))

        def answered(view) -> None:
            if view is not None:
                self.notify(f"Review note #{view.id} answered; {view.author} clears it.")
                self.changed("review_note")

        self.app.push_screen(dialog, answered)

    def action_clear_note(self) -> None:
        from fieldwork_tui.services.findings import clear_note

        note = self._note_under_cursor()
        if note is None:
            self.notify("No review note to clear.", severity="warning")
            return
        handle = self.handle
        workers.run(self, lambda: clear_note(handle, note.id),
                    done=lambda view: (self.notify(f"Review note #{view.id} cleared"), self.changed("review_note")),
                    failed=self._user_error("Not cleared"), group="review-note")

    def _user_error(self, title: str):
        def failed(exc: BaseException) -> bool:
            from fieldwork_tui.services.errors import FieldworkError

            if isinstance(exc, FieldworkError):
                self.notify(str(exc), title=title, severity="error")
                return True
            return False

        return failed

    # -- settings -----------------------------------------------------------------------------------

    def action_settings(self) -> None:
        from fieldwork_tui.services.findings import review_settings, set_self_review
        from fieldwork_tui.tui.dialogs.review_settings import ReviewSettingsDialog

        current = getattr(self, "settings", None) or review_settings(self.handle)
        handle = self.handle

        def saved(result) -> None:
            if result is not None:
                self.notify(result.describe(), title="Review settings")
                self.changed("settings")

        self.app.push_screen(ReviewSettingsDialog(current.allow_self_review, current.reason,
                                                  save=lambda v: set_self_review(handle, v["allow"], v["reason"])),
                             saved)

    def palette_commands(self):
        yield (f"Sign {self.ref} as preparer", "Bind a preparer sign-off to the current workpaper",
               lambda: self.action_sign("preparer"))
        yield (f"Sign {self.ref} as reviewer", "Bind a reviewer sign-off to the current workpaper",
               lambda: self.action_sign("reviewer"))
        yield (f"Add review note on {self.ref}", "Write a note for the preparer", self.action_add_note)
        yield ("Review settings", "Whether a control's preparer may also review it", self.action_settings)

    def on_show(self) -> None:
        """Put the focus in the tab so its keys (p, r, n, a, c) work as soon as it is shown."""
        if not self.has_focus_within:
            self.query_one("#sign-preparer", Button).focus()
