"""Live interview entry: statements typed as they are said, saved as they are typed.

Typing needs no other key: enter ends a statement and starts the next. What is typed is written to
the engagement at least twice a second while it changes (and on enter, on leaving), so a crash or a
closed lid loses at most the last half second. The writes run in a worker, one after the other, so the
typing never waits for the disk or for another process's lock; a write that has to wait keeps the text
queued ("waiting…") and nothing typed is dropped. The controls field is sticky — the refs typed there
are linked to every new statement until changed. From the statements table: `e` edit, `c`
corroboration, `l` link controls, `d` delete (after asking).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.confirm import confirm
from fieldwork_tui.tui.kit.safe_text import safe_text, visible
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, DetailLine, ListSource, Row, VirtualTable

#: Seconds between autosaves while a statement changes (the most a crash can lose).
AUTOSAVE_SECONDS = 0.5

COLUMNS = [Column("n", "#", 3, justify="right", priority=0),
           Column("text", "Statement", 70, priority=0, min_width=24, grow=True),
           Column("controls", "Controls", 16, priority=1, min_width=8),
           Column("corroboration", "Corroboration", 14, priority=0),
           Column("evidence", "Evidence / note", 30, priority=3, min_width=12)]
STATE_ROLE = {"uncorroborated": "warning", "corroborated": "ok", "contradicted": "severe"}


@dataclass
class Draft:
    """A statement being typed: its id once the first save created it, and the text last written."""

    sid: int | None = None
    saved: str | None = None


class InterviewEntryScreen(EngagementScreen):
    MAIN = "#statement"
    RELOAD_ON_RESUME = True
    BINDINGS = [
        Binding("escape", "back", "Back", id="entry.back", tooltip="Save and go back to the interviews"),
        Binding("ctrl+l", "focus_controls", "Controls", id="entry.controls",
                tooltip="Controls the next statements speak to (e.g. AC-01 AC-03)"),
        Binding("ctrl+t", "focus_table", "Statements", id="entry.table", tooltip="Go to the statements table"),
        Binding("ctrl+n", "focus_entry", "Type", id="entry.type", tooltip="Back to typing a new statement"),
        Binding("e", "edit", "Edit", id="entry.edit", tooltip="Edit the statement under the cursor"),
        Binding("c", "corroborate", "Corroboration", id="entry.corroborate",
                tooltip="Corroborated or contradicted by which evidence"),
        Binding("l", "link", "Link controls", id="entry.link", tooltip="Controls this statement speaks to"),
        Binding("d", "delete", "Delete", id="entry.delete", tooltip="Delete the statement under the cursor, after asking"),
    ]
    DEFAULT_CSS = """
    InterviewEntryScreen #interview-header { height: auto; padding: 0 1; }
    InterviewEntryScreen #entry { height: auto; padding: 0 1; border-top: solid $primary 40%; }
    InterviewEntryScreen #entry Horizontal { height: auto; }
    InterviewEntryScreen #statement { width: 1fr; }
    InterviewEntryScreen #controls { width: 30; }
    InterviewEntryScreen #save-state { color: $text-muted; height: 1; }
    """

    VIEW_NAME = "Interview"

    def __init__(self, interview_id: int) -> None:
        super().__init__()
        self.interview_id = interview_id
        self.draft = Draft()  # the statement being typed
        self.dirty = False
        self.statements = []
        self._queue: deque[tuple[Draft, str, str]] = deque()  # (draft, text, controls) waiting to be written
        self._writing = False
        self._leaving = False

    def body(self) -> ComposeResult:
        yield Static(id="interview-header")
        yield VirtualTable(ListSource(COLUMNS, []), id="statements", detail="statement-detail")
        yield DetailLine(id="statement-detail")
        with Vertical(id="entry"):
            yield Static("Type what is said; enter starts the next statement. Saved as you type.", id="save-state")
            with Horizontal():
                yield Input(placeholder="statement…", id="statement", select_on_focus=False)
                yield Input(placeholder="controls: AC-01 AC-03", id="controls")

    def on_mount(self) -> None:
        self.set_interval(AUTOSAVE_SECONDS, self.autosave)

    @property
    def current_id(self) -> int | None:
        return self.draft.sid

    # -- data -------------------------------------------------------------------------
    def fetch(self):
        from fieldwork_tui.services.evidence import interview_detail

        return interview_detail(self.handle, self.interview_id)

    def show(self, detail) -> None:
        iv, person = detail.interview, detail.person
        head = Text()
        head.append(visible(person.name) if person else "?", style=role("strong"))
        if person and person.role:
            head.append(f" ({visible(person.role)})")
        head.append(f" · {iv.held_on.isoformat()}")
        if iv.topic:
            head.append(f" · {visible(iv.topic)}")
        head.append(f" · interviewed by {visible(iv.interviewer)}", style=role("muted"))
        self.query_one("#interview-header", Static).update(head)
        self.statements = [s for s in detail.statements if s.text or s.id == self.current_id]
        rows = []
        for i, st in enumerate(self.statements, 1):
            ev = st.evidence_name + (f" — {st.note}" if st.note else "")
            rows.append(Row(key=st.id, cells=[
                str(i), st.text, " ".join(st.controls) or "—",
                Text(st.corroboration, style=role(STATE_ROLE.get(st.corroboration, "muted"))), ev]))
        table = self.query_one(VirtualTable)
        table.empty_text = "No statements yet: start typing below."
        table.set_source(ListSource(COLUMNS, rows))

    # -- typing and saving -----------------------------------------------------------
    def _state(self, text: str) -> None:
        self.query_one("#save-state", Static).update(safe_text(text))

    @on(Input.Changed, "#statement")
    def _typed(self, event: Input.Changed) -> None:
        if self.current_id is None and not event.value.strip():
            return
        self.dirty = True

    def autosave(self) -> None:
        """Queue what is typed (on a timer, on enter and on leaving); a worker writes the queue in order."""
        if not self.dirty:
            return
        self.dirty = False
        text = self.query_one("#statement", Input).value
        if self.draft.sid is None and not text.strip():
            return
        self._queue.append((self.draft, text, self.query_one("#controls", Input).value))
        self._write_next()

    def _write_next(self) -> None:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.evidence import add_statement, save_statement_text

        if self._writing or not self._queue:
            if not self._queue and self._leaving:
                self.app.pop_screen()
            return
        draft, text, controls = self._queue[0]
        while len(self._queue) > 1 and self._queue[1][0] is draft:  # only the latest text of a statement
            self._queue.popleft()
            draft, text, controls = self._queue[0]
        if draft.saved == text:
            self._queue.popleft()
            self._write_next()
            return
        handle, interview_id, sid = self.handle, self.interview_id, draft.sid
        self._writing = True

        def write():
            if sid is not None:
                save_statement_text(handle, sid, text)
                return sid, None
            try:
                return add_statement(handle, interview_id, text, controls).id, None
            except FieldworkError as exc:
                if type(exc).__name__ == "EngagementBusy":
                    raise
                # a mistyped control ref must not lose the words: save them without controls
                return add_statement(handle, interview_id, text).id, f"Saved without controls: {exc}"

        def written(result) -> None:
            self._writing = False
            new_sid, warning = result
            draft.sid, draft.saved = new_sid, text
            if self._queue and self._queue[0][0] is draft:
                self._queue.popleft()
            if warning:
                self.notify(warning, severity="warning")
            self._state("Saved." if not self._queue else "Saving…")
            self._write_next()

        def failed(exc: BaseException) -> bool:
            self._writing = False
            self._leaving = False
            title, message = workers.describe_error(exc)
            self._state(f"Not saved yet (kept; retried on the next change): {message}")
            self.dirty = True  # the next tick queues it again
            self._queue.clear()
            return False

        def waiting(attempt: int) -> None:
            self._state(f"Waiting for the engagement (another fieldwork process is writing; try {attempt + 1}) — "
                        "keep typing, nothing is lost.")

        workers.run(self, write, done=written, failed=failed, on_wait=waiting, group="autosave",
                    description="save the statement")

    @on(Input.Submitted, "#statement")
    def _statement_done(self) -> None:
        self.dirty = True
        self.autosave()
        was_editing = self.draft.sid is not None and self.draft.saved is not None
        self.draft = Draft()
        self.dirty = False
        self.query_one("#statement", Input).value = ""
        if was_editing or self._queue:
            self.load()

    @on(Input.Submitted, "#controls")
    def _controls_done(self, event: Input.Submitted) -> None:
        from fieldwork_tui.services.controls import list_controls
        from fieldwork_tui.services.evidence import parse_refs, set_statement_controls

        handle, sid = self.handle, self.current_id
        refs = parse_refs(event.value)
        # back to typing now: the keys typed after enter belong to the statement, not to the controls box
        self.set_focus(self.query_one("#statement", Input))

        def check():
            known = {c.ref.upper() for c in list_controls(handle)}
            unknown = [r for r in refs if r not in known]
            if not unknown and sid is not None:
                set_statement_controls(handle, sid, refs)
            return unknown

        def checked(unknown: list[str]) -> None:
            if unknown:
                self.notify(f"controls: unknown {', '.join(unknown)}", severity="error")
                self.set_focus(event.input)
                return
            event.input.value = " ".join(refs)
            if sid is not None:
                self.load()

        workers.run(self, check, done=checked)

    def on_unmount(self) -> None:
        """The app is closing: write what is left, now (the timer saved within the last half second)."""
        from fieldwork_tui.services.evidence import add_statement, save_statement_text

        try:
            text = self.query_one("#statement", Input).value
            pending = [(d, t) for d, t, _c in self._queue]
            if self.dirty:
                pending.append((self.draft, text))
            for draft, t in pending[-1:]:
                if draft.sid is not None:
                    save_statement_text(self.handle, draft.sid, t)
                elif t.strip():
                    add_statement(self.handle, self.interview_id, t)
        except Exception:  # noqa: BLE001 - closing: the timer already saved within the last half second
            pass

    # -- statements table --------------------------------------------------------------
    def _selected(self):
        key = self.query_one(VirtualTable).cursor_key
        return next((s for s in self.statements if s.id == key), None)

    def action_edit(self) -> None:
        st = self._selected()
        if st is None:
            return
        self.autosave()
        self.draft = Draft(sid=st.id, saved=st.text)
        self.query_one("#controls", Input).value = " ".join(st.controls)
        box = self.query_one("#statement", Input)
        box.value = st.text
        self.dirty = False
        self.set_focus(box)

    def action_corroborate(self) -> None:
        from fieldwork_tui.tui.dialogs.corroboration import open_corroboration

        st = self._selected()
        if st is None:
            return
        self.autosave()
        open_corroboration(self, st.id, st.text, st.corroboration, st.evidence_id, st.note, self.load)

    def action_link(self) -> None:
        from fieldwork_tui.services.evidence import set_statement_controls
        from fieldwork_tui.tui.kit.forms import PromptDialog

        st = self._selected()
        if st is None:
            return
        handle = self.handle
        self.app.push_screen(
            PromptDialog("Link controls", "Control refs (e.g. AC-01 AC-03)", " ".join(st.controls),
                         save=lambda text: set_statement_controls(handle, st.id, text)),
            lambda linked: (self.notify("Controls linked."), self.load()) if linked is not None else None)

    def action_delete(self) -> None:
        from fieldwork_tui.services.evidence import delete_statement

        st = self._selected()
        if st is None:
            return
        handle = self.handle

        def delete() -> None:
            if st.id == self.current_id:
                self.draft = Draft()
                self.query_one("#statement", Input).value = ""
                self.dirty = False
            self.commit(lambda: delete_statement(handle, st.id), success="Statement deleted.")

        text = st.text if len(st.text) <= 80 else st.text[:79] + "…"
        confirm(self, "Delete statement", f"Delete the statement “{text}”?", delete, yes="Delete")

    def action_focus_controls(self) -> None:
        self.set_focus(self.query_one("#controls", Input))

    def action_focus_table(self) -> None:
        self.set_focus(self.query_one(VirtualTable))

    def action_focus_entry(self) -> None:
        self.set_focus(self.query_one("#statement", Input))

    def action_back(self) -> None:
        """Save, then go back once every write is done (the screen says "Saving…" meanwhile)."""
        self.autosave()
        if self._queue or self._writing:
            self._leaving = True
            self._state("Saving before going back…")
            return
        self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"edit", "corroborate", "link", "delete"}:
            return self.focused is self.query_one(VirtualTable) or None
        return True
