"""Dialog: record an observation on a control — what was seen (multi-line), when, where, by whom.
Returns what `save` returns (the observation id); a service error stays in the dialog, naming the field."""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult

from fieldwork_tui.services.engagements import today
from fieldwork_tui.tui.kit.forms import FormDialog, area_field, text_field


def default_when() -> str:
    """Now, on the app's clock (a frozen FIELDWORK_TODAY gives 09:00 on that day)."""
    day = today()
    now = dt.datetime.now()
    return f"{day.isoformat()} {now:%H:%M}" if day == now.date() else f"{day.isoformat()} 09:00"


class ObservationDialog(FormDialog):
    FIELD_NAMES = {"description": "what", "what": "what", "observed at": "when", "when": "when", "where": "where",
                   "location": "where", "observed by": "by"}

    def __init__(self, control_ref: str, observer: str = "", **kwargs) -> None:
        super().__init__(title=f"Observation on {control_ref}", **kwargs)
        self.observer = observer

    def fields(self) -> ComposeResult:
        yield from area_field("What was seen", "what", height=4,
                              placeholder="e.g. watched the on-call engineer triage the 09:00 alert queue")
        yield from text_field("When (YYYY-MM-DD HH:MM)", "when", default_when())
        yield from text_field("Where", "where", placeholder="site, room, or 'screen share with …'")
        yield from text_field("Observed by", "by", self.observer)

    def values(self) -> dict:
        return {name: str(self.value(name)) for name in ("what", "when", "where", "by")}
