"""The errors a user can act on, as the services' public API (defined in `fieldwork_tui.errors`, below
every layer, since the store raises them too). The CLI and the TUI catch `FieldworkError`."""

from fieldwork_tui.errors import EngagementBusy, EngagementLocked, FieldworkError, InvalidInput, NotFound

__all__ = ["EngagementBusy", "EngagementLocked", "FieldworkError", "InvalidInput", "NotFound"]
