"""Live interview entry: statements typed as they are said, saved as they are typed.

Typing needs no other key: enter ends a statement and starts the next. The text is written to the
engagement at least twice a second while it changes (and on enter, on leaving), so a crash or a
closed lid loses at most the last half second. The controls field is sticky — the refs typed there
are linked to every new statement until changed. From the statements table: `e` edit, `c`
corroboration, `l` link controls, `d` delete.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, ListSource, Row, VirtualTable

#: Seconds between autosaves while a statement changes (the most a crash can lose).
AUTOSAVE_SECONDS = 0.5

COLUMNS = [Column("n", "#", 3, justify="right"), Column("text", "Statement", 70), Column("controls", "Controls", 16),
           Column("corroboration", "Corroboration", 16), Column("evidence", "Evidence / note", 30)]
STATE_STYLE = {"uncorroborated": "yellow", "corroborated": "green", "contradicted": "bold red"}


class InterviewEntryScreen(EngagementScreen):
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
        Binding("d", "delete", "Delete", id="entry.delete", tooltip="Delete the statement under the cursor"),
    ]
    DEFAULT_CSS = """
    InterviewEntryScreen #interview-header { height: auto; padding: 0 1; }
    InterviewEntryScreen #entry { height: auto; padding: 0 1; border-top: solid $primary 40%; }
    InterviewEntryScreen #entry Horizontal { height: auto; }
    InterviewEntryScreen #statement { width: 1fr; }
    InterviewEntryScreen #controls { width: 30; }
    InterviewEntryScreen #save-state { color: $text-muted; height: 1; }
    """

    def __init__(self, interview_id: int) -> None:
        super().__init__()
        self.interview_id = interview_id
        self.current_id: int | None = None  # the statement being typed (None: the next one is new)
        self.dirty = False
        self.statements = []

    VIEW_NAME = "Interview"

    def body(self) -> ComposeResult:
        yield Static(id="interview-header")
        yield VirtualTable(ListSource(COLUMNS, []), id="statements")
        with Vertical(id="entry"):
            yield Label("Type what is said; enter starts the next statement. Saved as you type.", id="save-state")
            with Horizontal():
                yield Input(placeholder="statement…", id="statement", select_on_focus=False)
                yield Input(placeholder="controls: AC-01 AC-03", id="controls")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#statement", Input).focus()
        self.set_interval(AUTOSAVE_SECONDS, self.autosave)

    def refresh_data(self) -> None:
        from fieldwork_tui.services.evidence import interview_detail

        detail = self.run_guarded(lambda: interview_detail(self.handle, self.interview_id))
        if detail is None:
            return
        iv, person = detail.interview, detail.person
        head = Text()
        head.append(person.name if person else "?", style="bold")
        if person and person.role:
            head.append(f" ({person.role})")
        head.append(f" · {iv.held_on.isoformat()}")
        if iv.topic:
            head.append(f" · {iv.topic}")
        head.append(f" · interviewed by {iv.interviewer}", style="dim")
        self.query_one("#interview-header", Static).update(head)
        self.statements = [s for s in detail.statements if s.text or s.id == self.current_id]
        rows = []
        for i, st in enumerate(self.statements, 1):
            ev = st.evidence_name + (f" — {st.note}" if st.note else "")
            rows.append(Row(key=st.id, cells=[
                str(i), st.text, " ".join(st.controls) or "—",
                Text(st.corroboration, style=STATE_STYLE.get(st.corroboration, "")), ev]))
        table = self.query_one(VirtualTable)
        table.empty_text = "No statements yet: start typing below."
        table.set_source(ListSource(COLUMNS, rows))

    # -- typing and saving -----------------------------------------------------------
    @on(Input.Changed, "#statement")
    def _typed(self, event: Input.Changed) -> None:
        if self.current_id is None and not event.value.strip():
            return
        self.dirty = True

    def autosave(self) -> None:
        """Write the statement being typed (called on a timer, on enter and on leaving)."""
        if not self.dirty:
            return
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.evidence import add_statement, save_statement_text

        text = self.query_one("#statement", Input).value
        self.dirty = False
        try:
            if self.current_id is None:
                if not text.strip():
                    return
                controls = self.query_one("#controls", Input).value
                try:
                    self.current_id = add_statement(self.handle, self.interview_id, text, controls).id
                except FieldworkError as exc:  # a mistyped control ref must not lose the words
                    self.current_id = add_statement(self.handle, self.interview_id, text).id
                    self.notify(f"Saved without controls: {exc}", severity="warning")
            else:
                save_statement_text(self.handle, self.current_id, text)
        except FieldworkError as exc:
            self.dirty = True
            self.notify(str(exc), title="Not saved", severity="error")
            return
        self.query_one("#save-state", Label).update("Saved.")

    @on(Input.Submitted, "#statement")
    def _statement_done(self) -> None:
        self.autosave()
        was_editing = self.current_id is not None
        self.current_id = None
        self.dirty = False
        self.query_one("#statement", Input).value = ""
        if was_editing:
            self.refresh_data()
            self.query_one(VirtualTable).action_jump(-1)

    @on(Input.Submitted, "#controls")
    def _controls_done(self, event: Input.Submitted) -> None:
        from fieldwork_tui.services.controls import list_controls
        from fieldwork_tui.services.evidence import parse_refs, set_statement_controls

        refs = parse_refs(event.value)
        known = {c.ref.upper() for c in list_controls(self.handle)}
        unknown = [r for r in refs if r not in known]
        if unknown:
            self.notify(f"controls: unknown {', '.join(unknown)}", severity="error")
            return
        event.input.value = " ".join(refs)
        if self.current_id is not None:
            self.run_guarded(lambda: set_statement_controls(self.handle, self.current_id, refs))
            self.refresh_data()
        self.query_one("#statement", Input).focus()

    def on_screen_suspend(self) -> None:
        self.autosave()

    def on_unmount(self) -> None:
        try:
            self.autosave()
        except Exception:  # noqa: BLE001 - the app is closing; the timer saved within the last half second
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
        self.current_id = st.id
        self.query_one("#controls", Input).value = " ".join(st.controls)
        box = self.query_one("#statement", Input)
        box.value = st.text
        self.dirty = False
        box.focus()

    def action_corroborate(self) -> None:
        from fieldwork_tui.tui.dialogs.corroboration import CorroborationDialog

        st = self._selected()
        if st is None:
            return
        self.autosave()
        self.app.push_screen(CorroborationDialog(st.id, st.text, st.corroboration, st.evidence_id, st.note),
                             lambda saved: self.refresh_data() if saved else None)

    def action_link(self) -> None:
        from fieldwork_tui.services.evidence import set_statement_controls
        from fieldwork_tui.tui.dialogs.prompt import PromptDialog

        st = self._selected()
        if st is None:
            return

        def linked(text: str | None) -> None:
            if text is not None:
                self.run_guarded(lambda: set_statement_controls(self.handle, st.id, text), "Controls linked.")
                self.refresh_data()

        self.app.push_screen(PromptDialog("Link controls", "Control refs (e.g. AC-01 AC-03)", " ".join(st.controls)),
                             linked)

    def action_delete(self) -> None:
        from fieldwork_tui.services.evidence import delete_statement

        st = self._selected()
        if st is None:
            return
        if st.id == self.current_id:
            self.current_id = None
            self.query_one("#statement", Input).value = ""
            self.dirty = False
        self.run_guarded(lambda: delete_statement(self.handle, st.id), "Statement deleted.")
        self.refresh_data()

    def action_focus_controls(self) -> None:
        self.query_one("#controls", Input).focus()

    def action_focus_table(self) -> None:
        self.query_one(VirtualTable).focus()

    def action_focus_entry(self) -> None:
        self.query_one("#statement", Input).focus()

    def action_back(self) -> None:
        self.autosave()
        self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"edit", "corroborate", "link", "delete"}:
            return self.focused is self.query_one(VirtualTable) or None
        return True

    def palette_commands(self):
        yield ("Link controls to the next statements", "Focus the controls field", self.action_focus_controls)
        yield ("Go to the statements table", "Edit, corroborate, link or delete statements", self.action_focus_table)
        if self._selected() is not None:
            yield ("Set corroboration", "Corroborated or contradicted by which evidence", self.action_corroborate)
            yield ("Edit statement", "Load the statement under the cursor for editing", self.action_edit)
