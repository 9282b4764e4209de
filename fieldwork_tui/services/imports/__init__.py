"""Imports: the one dry-run mechanism every importer uses and the plan it reports.

The area's public API: the CLI and the TUI import from here (or from `views`), never from its modules.
"""

from fieldwork_tui.services.imports.plan import column_mapping, field_map, import_session
from fieldwork_tui.services.imports.preview import ImportPreview
from fieldwork_tui.services.imports.profiles import (
    MappingProfile,
    list_profiles,
    load_profile,
    resolve_mapping,
    save_plan_profile,
    save_profile,
)
from fieldwork_tui.services.imports.views import EXTRA, ColumnUse, ImportPlan

__all__ = ["EXTRA", "ColumnUse", "ImportPlan", "ImportPreview", "MappingProfile", "column_mapping", "field_map",
           "import_session", "list_profiles", "load_profile", "resolve_mapping", "save_plan_profile", "save_profile"]
