"""Interviews view (4): every interview with whom, when, by whom, and how many statements.
`n` starts a new interview and goes straight to live entry; enter opens one."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding

from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, ListSource, Row, VirtualTable

COLUMNS = [Column("date", "Date", 10), Column("person", "Interviewee", 22), Column("role", "Role", 20),
           Column("topic", "Topic", 44), Column("by", "Interviewer", 18), Column("n", "Statements", 10, justify="right")]


class InterviewsScreen(EngagementScreen):
    VIEW_NAME = "Interviews"
    BINDINGS = [
        Binding("n", "new_interview", "New interview", id="interviews.new",
                tooltip="Start an interview and type statements as they are said"),
    ]

    def body(self) -> ComposeResult:
        yield VirtualTable(ListSource(COLUMNS, []), id="interviews-table")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(VirtualTable).focus()

    def refresh_data(self) -> None:
        from fieldwork_tui.services.evidence import list_interviews

        rows = [Row(key=iv.id, cells=[iv.held_on, iv.person, iv.role, iv.topic, iv.interviewer, str(iv.statements)])
                for iv in list_interviews(self.handle)]
        table = self.query_one(VirtualTable)
        table.empty_text = "No interviews yet. Press n to start one."
        table.set_source(ListSource(COLUMNS, rows))

    @on(VirtualTable.RowOpened, "#interviews-table")
    def _open(self, event: VirtualTable.RowOpened) -> None:
        self.open_interview(event.key)

    def open_interview(self, interview_id: int) -> None:
        from fieldwork_tui.tui.screens.interview_entry import InterviewEntryScreen

        self.app.push_screen(InterviewEntryScreen(interview_id))

    def action_new_interview(self) -> None:
        from fieldwork_tui.tui.dialogs.new_interview import NewInterviewDialog

        def started(interview_id: int | None) -> None:
            if interview_id is not None:
                self.open_interview(interview_id)

        self.app.push_screen(NewInterviewDialog(), started)

    def palette_commands(self):
        yield ("New interview", "Start an interview and log statements live", self.action_new_interview)
        table = self.query_one(VirtualTable)
        if table.cursor_key is not None:
            yield ("Open interview", "Open the interview under the cursor", lambda: self.open_interview(table.cursor_key))
