"""Observation tab: what the auditor saw the control do, when, where. `a` records one, `x` deletes
the observation under the cursor after asking."""

from __future__ import annotations

from textual.binding import Binding

from fieldwork_tui.tui.kit.confirm import confirm
from fieldwork_tui.tui.tabs.actions import ActionTab, clip
from fieldwork_tui.tui.widgets.virtual_table import Column


class ObservationTab(ActionTab):
    TAB_LABEL = "Observation"
    COLUMNS = (Column("when", "When", 16, priority=0), Column("where", "Where", 24, priority=2, min_width=10),
               Column("what", "What was seen", 60, priority=0, min_width=20, grow=True),
               Column("by", "By", 12, priority=3))
    EMPTY = "No observation recorded. Press a to record what you saw."
    ACTIONS = (("add", "Add observation (a)"), ("delete", "Delete (x)"))
    ROW_ACTIONS = frozenset({"delete"})
    BINDINGS = [
        Binding("a", "add", "Add", id="observation.add", tooltip="Record an observation of this control"),
        Binding("x", "delete", "Delete", id="observation.delete",
                tooltip="Delete the observation under the cursor, after asking"),
    ]

    def rows(self, records):
        return [(o.observed_at.strftime("%Y-%m-%d %H:%M"), clip(o.location, 40), clip(o.description, 200),
                 o.observed_by) for o in records.observations]

    def row_keys(self, records):
        self._labels = {o.id: f"{o.observed_at:%Y-%m-%d %H:%M} — {clip(o.description, 50)}"
                        for o in records.observations}
        return [o.id for o in records.observations]

    def action_add(self) -> None:
        from fieldwork_tui.services.evidence import add_observation
        from fieldwork_tui.tui.dialogs.observation import ObservationDialog

        handle, ref = self.handle, self.ref

        def save(v: dict):
            return add_observation(handle, ref, observed_at=v["when"], description=v["what"], location=v["where"],
                                   observed_by=v["by"]).id

        self.app.push_screen(ObservationDialog(ref, handle.actor, save=save),
                             lambda obs_id: self.changed("observation") if obs_id is not None else None)

    def action_delete(self) -> None:
        from fieldwork_tui.services.evidence import delete_observation

        key = self.row_key("delete")
        if key is None:
            return
        handle = self.handle
        label = getattr(self, "_labels", {}).get(key, f"#{key}")
        confirm(self, "Delete observation", f"Delete the observation {label} on {self.ref}?",
                lambda: self.commit(lambda: delete_observation(handle, key), "Observation deleted"), yes="Delete")
