"""Inquiry tab: what personnel said about this control, and whether evidence corroborates it.
`c` sets the corroboration of the statement under the cursor; interviews are typed in view 4."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.tabs.actions import ActionTab, clip
from fieldwork_tui.tui.widgets.virtual_table import Column

STATE_ROLE = {"uncorroborated": "warning", "corroborated": "ok", "contradicted": "severe"}


def state_text(state: str) -> Text:
    return Text(state, style=role(STATE_ROLE.get(state, "muted")))


class InquiryTab(ActionTab):
    TAB_LABEL = "Inquiry"
    COLUMNS = (Column("date", "Date", 10, priority=2), Column("who", "Who", 16, priority=1, min_width=10),
               Column("role", "Role", 16, priority=3), Column("statement", "Statement", 44, priority=0, min_width=20,
                                                             grow=True),
               Column("state", "Corroboration", 14, priority=0), Column("note", "Note", 26, priority=3))
    EMPTY = "No inquiry yet. Interviews are logged in the Interviews view (4)."
    ACTIONS = (("corroborate", "Corroboration (c)"), ("interviews", "Interviews (4)"))
    ROW_ACTIONS = frozenset({"corroborate"})
    BINDINGS = [
        Binding("c", "corroborate", "Corroboration", id="inquiry.corroborate",
                tooltip="Corroborated or contradicted by which evidence"),
    ]

    def rows(self, records):
        return [
            (sv.interview.held_on.isoformat(), sv.person.name if sv.person else "", sv.person.role if sv.person else "",
             clip(sv.statement.text, 200), state_text(sv.statement.corroboration.value),
             clip(sv.statement.corroboration_note, 60))
            for sv in records.statements if sv.statement.text
        ]

    def row_keys(self, records):
        self._statements = {sv.statement.id: sv.statement for sv in records.statements if sv.statement.text}
        return list(self._statements)

    def action_corroborate(self) -> None:
        from fieldwork_tui.tui.dialogs.corroboration import open_corroboration

        key = self.row_key("corroborate")
        if key is None:
            return
        st = self._statements[key]
        open_corroboration(self, st.id, st.text, st.corroboration.value, st.evidence_id, st.corroboration_note,
                           lambda: self.changed("inquiry"))

    def action_interviews(self) -> None:
        self.app.action_view("interviews")  # type: ignore[attr-defined]
