"""The workpaper bundle: export (HTML workpapers, workbook, section IV, OSCAL plan and results, evidence,
journal, anchors, signed manifest) and verification against its manifest.

The area's public API: the CLI and the TUI import from here (or from `views`), never from its modules.
The export (which loads the ORM, the templates and the workbook writer) is imported when first used, so
`fieldwork verify` reads a bundle without loading the database layer.
"""

from typing import Any

from fieldwork_tui.services.bundle.layout import LAYOUT
from fieldwork_tui.services.bundle.verify import (
    verify_bundle,
)
from fieldwork_tui.services.bundle.views import (
    BundleExportResult,
    BundleVerifyReport,
)

_FROM_EXPORT = ("ExportCancelled", "export_bundle")

__all__ = [
    "LAYOUT",
    "BundleExportResult",
    "BundleVerifyReport",
    "ExportCancelled",
    "export_bundle",
    "verify_bundle",
]


def __getattr__(name: str) -> Any:
    if name in _FROM_EXPORT:
        from fieldwork_tui.services.bundle import export

        return getattr(export, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
