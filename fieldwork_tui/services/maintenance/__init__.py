"""Maintenance: backups and restores of a whole engagement, and the integrity check.

The area's public API: the CLI and the TUI import from here (or from `views`), never from its modules.
"""


from fieldwork_tui.services.maintenance.backup import (
    backup_engagement,
    restore_engagement,
)
from fieldwork_tui.services.maintenance.check import (
    check_engagement,
    restore_locks,
)
from fieldwork_tui.services.maintenance.views import (
    BackupResult,
    CheckReport,
    RestoreResult,
)

__all__ = [
    "BackupResult",
    "CheckReport",
    "RestoreResult",
    "backup_engagement",
    "check_engagement",
    "restore_engagement",
    "restore_locks",
]
