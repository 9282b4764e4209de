"""Observation tab: what the auditor saw the control do, when, where. `a` records one, `x` deletes."""

from __future__ import annotations

from textual.binding import Binding

from fieldwork_tui.tui.tabs.actions import ActionTab, clip


class ObservationTab(ActionTab):
    COLUMNS = ("When", "Where", "What was seen", "By")
    EMPTY = "No observation recorded. Press a to record what you saw."
    ACTIONS = (("add", "Add observation (a)"), ("delete", "Delete (x)"))
    BINDINGS = [
        Binding("a", "add", "Add", id="observation.add", tooltip="Record an observation of this control"),
        Binding("x", "delete", "Delete", id="observation.delete", tooltip="Delete the observation under the cursor"),
    ]

    def rows(self, records):
        return [(o.observed_at.strftime("%Y-%m-%d %H:%M"), clip(o.location, 30), clip(o.description, 70),
                 o.observed_by)
                for o in records.observations]

    def row_keys(self, records):
        return [o.id for o in records.observations]

    def action_add(self) -> None:
        from fieldwork_tui.tui.dialogs.observation import ObservationDialog

        def saved(obs_id: int | None) -> None:
            if obs_id is not None:
                self.changed("observation")

        self.app.push_screen(ObservationDialog(self.ref, self.handle.actor), saved)

    def action_delete(self) -> None:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.evidence import delete_observation

        if self.cursor_key is None:
            return
        try:
            delete_observation(self.handle, self.cursor_key)
        except FieldworkError as exc:
            self.notify(str(exc), title="Not deleted", severity="error")
            return
        self.changed("observation")
