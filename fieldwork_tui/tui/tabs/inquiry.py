"""Inquiry tab: what personnel said about this control, and whether evidence corroborates it.
`c` sets the corroboration of the statement under the cursor; interviews are typed in view 4."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from fieldwork_tui.tui.tabs.actions import ActionTab, clip

STATE_STYLE = {"uncorroborated": "yellow", "corroborated": "green", "contradicted": "bold red"}


class InquiryTab(ActionTab):
    COLUMNS = ("Date", "Who", "Role", "Statement", "Corroboration", "Note")
    EMPTY = "No inquiry yet. Interviews are logged in the Interviews view (4)."
    ACTIONS = (("corroborate", "Corroboration (c)"), ("interviews", "Interviews (4)"))
    BINDINGS = [
        Binding("c", "corroborate", "Corroboration", id="inquiry.corroborate",
                tooltip="Corroborated or contradicted by which evidence"),
    ]

    def rows(self, records):
        return [
            (sv.interview.held_on.isoformat(), sv.person.name if sv.person else "", sv.person.role if sv.person else "",
             clip(sv.statement.text, 44), Text(sv.statement.corroboration.value,
                                     style=STATE_STYLE.get(sv.statement.corroboration.value, "")),
             clip(sv.statement.corroboration_note, 26))
            for sv in records.statements if sv.statement.text
        ]

    def row_keys(self, records):
        return [sv.statement for sv in records.statements if sv.statement.text]

    def action_corroborate(self) -> None:
        from fieldwork_tui.tui.dialogs.corroboration import CorroborationDialog

        st = self.cursor_key
        if st is None:
            self.notify("No statement selected.", severity="warning")
            return
        self.app.push_screen(
            CorroborationDialog(st.id, st.text, st.corroboration.value, st.evidence_id, st.corroboration_note),
            lambda saved: self.changed("inquiry") if saved else None)

    def action_interviews(self) -> None:
        self.app.action_view("interviews")  # type: ignore[attr-defined]
