"""Requests view: the evidence request list."""

from __future__ import annotations

from textual.app import ComposeResult

from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, ListSource, Row, VirtualTable

COLUMNS = [Column("ref", "ID", 8), Column("description", "Description", 44), Column("controls", "Controls", 14),
           Column("owner", "Owner", 18), Column("status", "Status", 20), Column("due", "Due", 10)]


class RequestsScreen(EngagementScreen):
    VIEW_NAME = "Requests"

    def body(self) -> ComposeResult:
        yield VirtualTable(ListSource(COLUMNS, []), id="requests-table")

    def refresh_data(self) -> None:
        from fieldwork_tui.services.requests import list_requests

        rows = [Row(key=r.id, cells=[r.ref, r.description, " ".join(r.controls), r.owner, r.status.replace("_", " "),
                                     r.due_on.isoformat() if r.due_on else ""]) for r in list_requests(self.handle)]
        table = self.query_one(VirtualTable)
        table.empty_text = "No requests yet: fieldwork import requests ENGAGEMENT FILE"
        table.set_source(ListSource(COLUMNS, rows))
