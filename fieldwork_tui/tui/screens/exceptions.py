"""Exceptions register: every exception of the engagement with its management response state."""

from __future__ import annotations

from textual.app import ComposeResult

from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, ListSource, Row, VirtualTable

COLUMNS = [Column("id", "#", 4), Column("control", "Control", 8), Column("instance", "Instance", 24),
           Column("deviation", "Deviation", 48), Column("type", "Type", 10), Column("response", "Response", 14)]


class ExceptionsScreen(EngagementScreen):
    VIEW_NAME = "Exceptions"

    def body(self) -> ComposeResult:
        yield VirtualTable(ListSource(COLUMNS, []), id="exceptions-table")

    def refresh_data(self) -> None:
        from fieldwork_tui.services.exceptions import list_exceptions

        rows = [Row(key=e.id, cells=[str(e.id), e.control, e.instance, e.deviation, e.exception_type, e.response])
                for e in list_exceptions(self.handle)]
        table = self.query_one(VirtualTable)
        table.empty_text = "No exceptions recorded."
        table.set_source(ListSource(COLUMNS, rows))
