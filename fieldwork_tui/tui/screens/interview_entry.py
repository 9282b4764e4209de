"""Live interview entry: statements typed as they are said, saved as they are typed.

Typing needs no other key: `enter` ends a statement and starts the next; `ctrl+j` (or shift+enter)
starts a new line inside a statement, and pasted notes keep their lines. The text is written to the
engagement in a worker at least twice a second while it changes (and on enter, and on leaving), so a
crash or a closed lid loses at most the last half second and typing never waits for the disk.

Each statement being typed is a draft that remembers the version of the statement it last saved: a
save writes only over that version. When another window changed or deleted the statement meanwhile,
the typed text is kept as a new statement and the screen says so (services.interviews). Saves of one
screen run one at a time, in order.

The controls field is sticky — the refs typed there are linked to every new statement until changed.
From the statements table: `e` edit, `c` corroboration, `l` link controls, `d` delete (asks first).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static, TextArea

from fieldwork_tui.services.controls import list_controls
from fieldwork_tui.services.errors import NotFound
from fieldwork_tui.services.evidence import (
    add_statement,
    delete_statement,
    interview_detail,
    parse_refs,
    save_statement_text,
    set_statement_controls,
)
from fieldwork_tui.tui.dialogs.corroboration import open_corroboration
from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.confirm import confirm
from fieldwork_tui.tui.kit.forms import PromptDialog
from fieldwork_tui.tui.kit.safe_text import safe_content, visible
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, DetailLine, ListSource, Row, VirtualTable

#: Seconds between autosaves while a statement changes (the most a crash can lose).
AUTOSAVE_SECONDS = 0.5

COLUMNS = [Column("n", "#", 3, justify="right", priority=0),
           Column("text", "Statement", 60, priority=0, min_width=24, grow=True),
           Column("controls", "Controls", 13, priority=1, min_width=8),
           Column("corroboration", "Corroboration and evidence", 48, priority=0, min_width=16)]
STATE_ROLE = {"uncorroborated": "warning", "corroborated": "ok", "contradicted": "severe"}


def one_line(text: str) -> str:
    """A multi-line statement in one table cell: its lines joined by ↵."""
    return " ↵ ".join(line.strip() for line in visible(text, keep_lines=True).splitlines() if line.strip())


class StatementArea(TextArea):
    """The statement being typed: enter ends it (posts `Submitted`); ctrl+j / shift+enter add a line."""

    BINDINGS = [
        Binding("ctrl+j,shift+enter", "newline", "New line", id="entry.newline",
                tooltip="Start a new line inside the statement (enter ends the statement)"),
    ]

    class Submitted(Message):
        def __init__(self, area: StatementArea) -> None:
            super().__init__()
            self.area = area

        @property
        def control(self) -> StatementArea:
            return self.area

    async def _on_key(self, event) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self))
            return
        await super()._on_key(event)

    def action_newline(self) -> None:
        start, end = self.selection
        self.replace("\n", start, end)


@dataclass
class Draft:
    """A statement being typed (or just finished and not yet saved). Its id and version are updated
    by the save that wrote it, under the screen's save lock."""

    interview_id: int
    controls: str
    text: str = ""
    statement_id: int | None = None
    version: int = 0
    saved_text: str = ""
    message: str = ""  # what the last save had to say (kept as a new statement …)
    new: bool = True   # typed in the box (shown in the table once finished), not an edit of a listed one

    @property
    def dirty(self) -> bool:
        return self.text != self.saved_text and (self.statement_id is not None or bool(self.text.strip()))


class InterviewEntryScreen(EngagementScreen):
    VIEW_NAME = "Interview"
    AREA_LABEL = "Interview entry"
    MAIN = "#statement"
    BINDINGS = [
        Binding("escape", "back", "Back", id="entry.back", tooltip="Save and go back to the interviews"),
        Binding("ctrl+l", "focus_controls", "Controls", id="entry.controls",
                tooltip="Controls the next statements speak to (e.g. AC-01 AC-03)"),
        Binding("ctrl+t", "focus_table", "Statements", id="entry.table", tooltip="Go to the statements table"),
        Binding("ctrl+n", "focus_entry", "Type", id="entry.type", tooltip="Back to typing a new statement"),
        Binding("e", "edit", "Edit", id="entry.edit", tooltip="Edit the statement under the cursor"),
        Binding("c", "corroborate", "Corroboration", id="entry.corroborate",
                tooltip="Corroborated or contradicted by which evidence (attach a file from here)"),
        Binding("l", "link", "Link controls", id="entry.link", tooltip="Controls this statement speaks to"),
        Binding("d", "delete", "Delete", id="entry.delete", tooltip="Delete the statement under the cursor (asks first)"),
    ]
    DEFAULT_CSS = """
    InterviewEntryScreen #interview-header { height: auto; padding: 0 1; }
    InterviewEntryScreen #entry { height: auto; padding: 0 1; border-top: solid $primary 40%; }
    InterviewEntryScreen #entry Horizontal { height: auto; }
    InterviewEntryScreen #statement { width: 1fr; height: auto; min-height: 3; max-height: 8; }
    InterviewEntryScreen #controls { width: 30; }
    InterviewEntryScreen #save-state { color: $text-muted; height: 1; }
    """

    def __init__(self, interview_id: int) -> None:
        super().__init__()
        self.interview_id = interview_id
        self.draft: Draft | None = None          # the statement in the box
        self.pending: list[Draft] = []           # finished statements whose last words are not saved yet
        self.statements: list[Any] = []
        self._save_lock = threading.Lock()
        self._saving = False
        self._leaving = False

    def body(self) -> ComposeResult:
        yield Static(id="interview-header")
        yield VirtualTable(ListSource(COLUMNS, []), id="statements", detail="statements-detail")
        yield DetailLine(id="statements-detail")
        with Vertical(id="entry"):
            yield Label("Type what is said; enter starts the next statement, ctrl+j a new line. Saved as you type.",
                        id="save-state")
            with Horizontal():
                yield StatementArea(id="statement", soft_wrap=True, show_line_numbers=False, tab_behavior="focus",
                                    placeholder="statement…")
                yield Input(placeholder="controls: AC-01 AC-03", id="controls")

    def on_mount(self) -> None:
        self.set_interval(AUTOSAVE_SECONDS, self.autosave)

    # -- data ------------------------------------------------------------------------------------------
    def fetch(self) -> dict:
        return {"detail": interview_detail(self.handle, self.interview_id)}

    def show(self, data: dict) -> None:
        detail = data["detail"]
        head = Text()
        head.append(visible(detail.person.name), style="bold")
        if detail.person.role_title:
            head.append(f" ({visible(detail.person.role_title)})")
        else:
            head.append(" (role not recorded: set it in Interviews → People)", style="dim")
        head.append(f" · {detail.held_on.isoformat()}")
        if detail.topic:
            head.append(f" · {visible(detail.topic)}")
        head.append(f" · interviewed by {visible(detail.interviewer)}", style="dim")
        self.query_one("#interview-header", Static).update(head)
        typing = self.draft.statement_id if self.draft is not None and self.draft.new else None
        self.statements = [s for s in detail.statements if s.text and s.id != typing]
        rows = []
        for i, st in enumerate(self.statements, 1):
            rows.append(Row(key=st.id, cells=[
                str(i), one_line(st.text), " ".join(st.controls) or "—",
                Text(visible(st.describe()), style=role(STATE_ROLE.get(st.corroboration, "muted")))]))
        table = self.query_one(VirtualTable)
        table.empty_text = "No statements yet: start typing below."
        table.set_source(ListSource(COLUMNS, rows))

    # -- typing and saving ---------------------------------------------------------------------------------
    @on(TextArea.Changed, "#statement")
    def _typed(self, event: TextArea.Changed) -> None:
        text = event.text_area.text
        if self.draft is None:
            if not text.strip():
                return
            self.draft = Draft(self.interview_id, self.query_one("#controls", Input).value)
        self.draft.text = text

    def _dirty_drafts(self) -> list[Draft]:
        return [d for d in [*self.pending, *([self.draft] if self.draft else [])] if d.dirty]

    def _save_one(self, draft: Draft) -> Draft:
        """Write one draft (worker thread or, when leaving, the UI thread) under the save lock."""
        with self._save_lock:
            text = draft.text
            if text == draft.saved_text:
                return draft
            if draft.statement_id is None:
                if not text.strip():
                    return draft
                try:
                    row = add_statement(self.handle, draft.interview_id, text, draft.controls)
                except NotFound as exc:  # a mistyped control ref must not lose the words
                    if not str(exc).startswith("control "):
                        raise
                    row = add_statement(self.handle, draft.interview_id, text)
                    draft.message = f"Saved without controls: {exc}"
                draft.statement_id, draft.version = row.id, row.version
            else:
                result = save_statement_text(self.handle, draft.statement_id, text, draft.version,
                                             interview_id=draft.interview_id, controls=draft.controls)
                if result.message:
                    draft.message = result.message
                draft.statement_id, draft.version = result.statement_id, result.version
            draft.saved_text = text
            return draft

    def _save_all(self) -> list[Draft]:
        return [self._save_one(d) for d in self._dirty_drafts()]

    def autosave(self) -> None:
        """Write what was typed (on a timer, on enter, on leaving), one save at a time, in a worker."""
        if self._saving or not self._dirty_drafts():
            return
        self._saving = True
        self.query_one("#save-state", Label).update("Saving…")
        workers.run(self, self._save_all, done=self._saved, failed=self._save_failed,
                    on_wait=lambda n: self.query_one("#save-state", Label).update(
                        f"Waiting for the engagement (another process is writing, try {n + 1}); your text is kept."),
                    group="autosave", description="autosave statements")

    def _saved(self, drafts: list[Draft]) -> None:
        self._saving = False
        reload = False
        for d in drafts:
            if d.message:
                reload = True
                self.notify(d.message, title="Kept as a new statement" if "window" in d.message else "Saved",
                            severity="warning", timeout=12, markup=False)
                d.message = ""
        self.pending = [d for d in self.pending if d.dirty]
        self.query_one("#save-state", Label).update("Saved.")
        if reload or any(d is not self.draft or not d.new for d in drafts):
            self.load()  # a finished statement (or an edit of a listed one) is shown as saved
        if self._dirty_drafts():
            self.autosave()

    def _save_failed(self, exc: BaseException) -> bool:
        self._saving = False
        self.query_one("#save-state", Label).update("Not saved yet: your text is kept and saved again shortly.")
        return False  # the one error handler shows the reason

    def flush(self) -> None:
        """Save everything now, when the app closes: waits for a save in flight, then writes the rest."""
        try:
            self._save_all()
        except Exception as exc:  # noqa: BLE001 - shown, and the words stay in the drafts
            workers.report(self, exc)

    def flush_in_background(self) -> None:
        """Leaving the screen: the last words are saved by a worker of the app (the screen goes away,
        the save does not), in order after any save in flight (the save lock)."""
        if not self._dirty_drafts():
            return
        app = self.app

        def reported(drafts: list[Draft]) -> None:
            for d in drafts:
                if d.message:
                    app.notify(d.message, title="Kept as a new statement", severity="warning", timeout=12, markup=False)

        workers.run(app, self._save_all, done=reported, group="autosave-leaving", description="save statements")

    @on(StatementArea.Submitted, "#statement")
    def _statement_done(self) -> None:
        box = self.query_one("#statement", StatementArea)
        if self.draft is not None:
            self.draft.text = box.text
            self.pending.append(self.draft)
        self.draft = None
        box.load_text("")
        self.autosave()

    @on(Input.Submitted, "#controls")
    def _controls_done(self, event: Input.Submitted) -> None:
        refs = parse_refs(event.value)
        value = " ".join(refs)
        draft = self.draft

        def check() -> list[str]:
            known = {c.ref.upper() for c in list_controls(self.handle)}
            unknown = [r for r in refs if r not in known]
            if not unknown and draft is not None:
                self._save_one(draft)  # the statement exists before its links change
                with self._save_lock:
                    if draft.statement_id is not None:
                        set_statement_controls(self.handle, draft.statement_id, refs)
            return unknown

        def done(unknown: list[str]) -> None:
            if unknown:
                self.notify(f"controls: unknown {', '.join(unknown)}", severity="error", markup=False)
                return
            event.input.value = value
            if draft is not None:
                draft.controls = value
            self.load()
            self.query_one("#statement", StatementArea).focus()

        workers.run(self, check, done=done, group="controls")

    def on_screen_suspend(self) -> None:
        self.autosave()  # a dialog or another view opens over the screen

    def on_unmount(self) -> None:
        if not self._leaving and self._dirty_drafts():
            self.flush()  # the app is closing: nothing else will save the last words

    # -- statements table ----------------------------------------------------------------------------------
    def _selected(self):
        key = self.query_one(VirtualTable).cursor_key
        return next((s for s in self.statements if s.id == key), None)

    def action_edit(self) -> None:
        st = self._selected()
        if st is None:
            return
        if self.draft is not None:
            self.pending.append(self.draft)
        self.draft = Draft(self.interview_id, " ".join(st.controls), st.text, st.id, st.version, st.text, new=False)
        self.query_one("#controls", Input).value = " ".join(st.controls)
        box = self.query_one("#statement", StatementArea)
        box.load_text(st.text)
        box.move_cursor(box.document.end)
        box.focus()
        self.autosave()

    def action_corroborate(self) -> None:
        st = self._selected()
        if st is None:
            return
        self.autosave()
        open_corroboration(self, st, lambda saved: self.load() if saved else None)

    def action_link(self) -> None:
        st = self._selected()
        if st is None:
            return
        self.app.push_screen(
            PromptDialog("Link controls", "Control refs (e.g. AC-01 AC-03)", " ".join(st.controls),
                         subtitle=one_line(st.text)[:120],
                         save=lambda text: set_statement_controls(self.handle, st.id, text)),
            lambda refs: (self.notify("Controls linked."), self.load()) if refs is not None else None)

    def action_delete(self) -> None:
        st = self._selected()
        if st is None:
            return

        def delete() -> None:
            if self.draft is not None and self.draft.statement_id == st.id:
                self.draft = None
                self.query_one("#statement", StatementArea).load_text("")
            self.pending = [d for d in self.pending if d.statement_id != st.id]
            workers.run(self, lambda: delete_statement(self.handle, st.id),
                        done=lambda _gone: (self.notify("Statement deleted."), self.load()), group="delete")

        confirm(self, "Delete statement", f"Delete statement {self.statements.index(st) + 1}: "
                f"\u201c{one_line(st.text)[:160]}\u201d? Its control links go with it.", delete, yes="Delete")

    def action_focus_controls(self) -> None:
        self.query_one("#controls", Input).focus()

    def action_focus_table(self) -> None:
        self.query_one(VirtualTable).focus()

    def action_focus_entry(self) -> None:
        self.query_one("#statement", StatementArea).focus()

    def action_back(self) -> None:
        self._leaving = True
        self.flush_in_background()
        self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"edit", "corroborate", "link", "delete"}:
            return self.focused is self.query_one(VirtualTable) or None
        return True


__all__ = ["InterviewEntryScreen", "StatementArea", "safe_content"]
