"""Interviews view: every interview with whom, when, by whom, and how many statements."""

from __future__ import annotations

from textual.app import ComposeResult

from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, ListSource, Row, VirtualTable

COLUMNS = [Column("date", "Date", 10), Column("person", "Interviewee", 22), Column("role", "Role", 20),
           Column("topic", "Topic", 36), Column("by", "Interviewer", 18), Column("n", "Statements", 10, justify="right")]


class InterviewsScreen(EngagementScreen):
    VIEW_NAME = "Interviews"

    def body(self) -> ComposeResult:
        yield VirtualTable(ListSource(COLUMNS, []), id="interviews-table")

    def refresh_data(self) -> None:
        from fieldwork_tui.services.interviews import list_interviews

        rows = [Row(key=iv.id, cells=[iv.held_on, iv.person, iv.role, iv.topic, iv.interviewer, str(iv.statements)])
                for iv in list_interviews(self.handle)]
        table = self.query_one(VirtualTable)
        table.empty_text = "No interviews yet."
        table.set_source(ListSource(COLUMNS, rows))
