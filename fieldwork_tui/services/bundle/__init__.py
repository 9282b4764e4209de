"""The workpaper bundle: export (HTML workpapers, workbook, section IV, OSCAL plan and results, evidence,
journal, anchors, signed manifest) and verification against its manifest.

The area's public API: the CLI and the TUI import from here (or from `views`), never from its modules.
"""


from fieldwork_tui.services.bundle.export import (
    LAYOUT,
    ExportCancelled,
    export_bundle,
)
from fieldwork_tui.services.bundle.verify import (
    verify_bundle,
)
from fieldwork_tui.services.bundle.views import (
    BundleExportResult,
    BundleVerifyReport,
)

__all__ = [
    "LAYOUT",
    "BundleExportResult",
    "BundleVerifyReport",
    "ExportCancelled",
    "export_bundle",
    "verify_bundle",
]
