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

STATE_ROLE = {"uncorroborated": "warning", "corroborated": "ok", "contradicted": "severe"}


class InquiryTab(ActionTab):
    COLUMNS = ("Date", "Who", "Statement", "Corroboration and evidence")
    EMPTY = "No inquiry yet. Interviews are logged in the Interviews view (4)."
    ACTIONS = (("corroborate", "Corroboration (c)"), ("interviews", "Interviews (4)"))
    BINDINGS = [
        Binding("c", "corroborate", "Corroboration", id="inquiry.corroborate",
                tooltip="Corroborated or contradicted by which evidence (attach a file from there)"),
    ]

    def rows(self, records):
        return [
            # widths that fit 130 columns with the cell padding (the corroboration column last and
            # widest: it names the evidence that contradicted the statement)
            (cs.held_on.isoformat(), clip(visible(cs.person.label), 33), clip(visible(cs.statement.text), 24),
             Text(clip(visible(cs.statement.describe()), 53),
                  style=role(STATE_ROLE.get(cs.statement.corroboration, "muted"))))
            for cs in records.statements if cs.statement.text
        ]

    def row_keys(self, records):
        return [cs.statement for cs in records.statements if cs.statement.text]

    def action_corroborate(self) -> None:
        from fieldwork_tui.tui.dialogs.corroboration import open_corroboration

        st = self.cursor_key
        if st is None:
            self.notify("No statement selected.", severity="warning")
            return
        open_corroboration(self, st, lambda saved: self.changed("inquiry") if saved else None)

    def action_interviews(self) -> None:
        self.app.action_view("interviews")  # type: ignore[attr-defined]
