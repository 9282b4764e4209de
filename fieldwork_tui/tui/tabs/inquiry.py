"""Inquiry tab: what personnel said about this control (who, with role and title), and whether
evidence corroborates it — a contradicted statement names the evidence that contradicted it and stays
a red flag until an exception is raised or later evidence resolves it. `c` opens the corroboration
(attach a file from there); interviews are typed in view 4."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from fieldwork_tui.tui.kit.safe_text import visible
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.tabs.actions import ActionTab, clip
from fieldwork_tui.tui.widgets.virtual_table import Column

STATE_ROLE = {"uncorroborated": "warning", "corroborated": "ok", "contradicted": "severe"}


class InquiryTab(ActionTab):
    TAB_LABEL = "Inquiry"
    # the corroboration column is never hidden: it names the evidence that contradicted a statement
    COLUMNS = (Column("date", "Date", 10, priority=2), Column("who", "Who", 34, priority=1, min_width=16),
               Column("statement", "Statement", 44, priority=0, min_width=20, grow=True),
               Column("state", "Corroboration and evidence", 56, priority=0, min_width=24))
    EMPTY = "No inquiry yet. Interviews are logged in the Interviews view (4)."
    ACTIONS = (("corroborate", "Corroboration (c)"), ("interviews", "Interviews (4)"))
    ROW_ACTIONS = frozenset({"corroborate"})
    BINDINGS = [
        Binding("c", "corroborate", "Corroboration", id="inquiry.corroborate",
                tooltip="Corroborated or contradicted by which evidence (attach a file from there)"),
    ]

    def rows(self, records):
        return [
            (cs.held_on.isoformat(), visible(cs.person.label), clip(visible(cs.statement.text), 200),
             Text(visible(cs.statement.describe()), style=role(STATE_ROLE.get(cs.statement.corroboration, "muted"))))
            for cs in records.statements if cs.statement.text
        ]

    def row_keys(self, records):
        self._statements = {cs.statement.id: cs.statement for cs in records.statements if cs.statement.text}
        return list(self._statements)

    def action_corroborate(self) -> None:
        from fieldwork_tui.tui.dialogs.corroboration import open_corroboration

        key = self.row_key("corroborate")
        if key is None:
            return
        open_corroboration(self, self._statements[key], lambda saved: self.changed("inquiry") if saved else None)

    def action_interviews(self) -> None:
        self.app.action_view("interviews")  # type: ignore[attr-defined]
