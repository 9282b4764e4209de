"""Interviews view (4): every interview with whom, when, by whom, and how many statements.
`n` starts a new interview and goes straight to live entry; enter opens one."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding

from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, DetailLine, ListSource, Row, VirtualTable

COLUMNS = [Column("date", "Date", 10, priority=0), Column("person", "Interviewee", 22, priority=0, min_width=12),
           Column("role", "Role", 20, priority=2, min_width=10),
           Column("topic", "Topic", 44, priority=1, min_width=14, grow=True),
           Column("by", "Interviewer", 18, priority=3), Column("n", "Statements", 10, justify="right", priority=0)]


class InterviewsScreen(EngagementScreen):
    VIEW_NAME = "Interviews"
    MAIN = "#interviews-table"
    BINDINGS = [
        Binding("n", "new_interview", "New interview", id="interviews.new",
                tooltip="Start an interview and type statements as they are said"),
    ]

    def body(self) -> ComposeResult:
        yield VirtualTable(ListSource(COLUMNS, []), id="interviews-table", detail="interviews-detail")
        yield DetailLine(id="interviews-detail")

    def fetch(self):
        from fieldwork_tui.services.evidence import list_interviews

        return list_interviews(self.handle)

    def show(self, interviews) -> None:
        rows = [Row(key=iv.id, cells=[iv.held_on, iv.person, iv.role, iv.topic, iv.interviewer, str(iv.statements)])
                for iv in interviews]
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
        from fieldwork_tui.services.evidence import ROLES, create_interview, interviewees
        from fieldwork_tui.tui.dialogs.new_interview import NewInterviewDialog

        handle = self.handle

        def save(v: dict) -> int:
            return create_interview(handle, v["person"], role=v["role"], held_on=v["date"], topic=v["topic"]).id

        def people():
            return [(p.name, p.role) for p in interviewees(handle)]

        self.app.push_screen(NewInterviewDialog(ROLES, fetch=people, save=save),
                             lambda interview_id: self.open_interview(interview_id) if interview_id is not None
                             else None)
