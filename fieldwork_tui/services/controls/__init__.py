"""Controls: the control matrix (import, catalog, edits), the facts and flags of each control, the status
overview and the records of one control's workpaper.

The area's public API: the CLI and the TUI import from here (or from `views`), never from its modules.
"""


from fieldwork_tui.services.controls.catalog import (
    add_control,
    control_ref,
    get_control,
    import_controls,
    list_controls,
    preview_controls,
    set_conclusion,
    set_required_types,
)
from fieldwork_tui.services.controls.status import (
    control_rows,
    matching_control_ids,
    overview,
    select_rows,
    status_json,
)
from fieldwork_tui.services.controls.views import (
    ControlImportResult,
    ControlRecords,
    ControlRow,
    Overview,
)
from fieldwork_tui.services.controls.workpaper import (
    control_records,
)

__all__ = [
    "ControlImportResult",
    "ControlRecords",
    "ControlRow",
    "Overview",
    "add_control",
    "control_records",
    "control_ref",
    "control_rows",
    "get_control",
    "import_controls",
    "preview_controls",
    "list_controls",
    "matching_control_ids",
    "overview",
    "select_rows",
    "set_conclusion",
    "set_required_types",
    "status_json",
]
