"""Team engagements on a PostgreSQL server: publish a local engagement, open one by address, check controls
out to an offline replica and back in, sync a replica.

The area's public API: the CLI and the TUI import from here (or from `views`), never from its modules.
"""

from fieldwork_tui.services.team.address import is_server_address, open_any, resolve_address
from fieldwork_tui.services.team.offline import checkin, checkout, control_holds, find_replica, sync
from fieldwork_tui.services.team.publish import publish_engagement
from fieldwork_tui.services.team.versions import (
           control_version,
           evidence_version,
           exception_version,
           note_version,
           request_version,
           request_versions,
           response_version,
)
from fieldwork_tui.services.team.views import (
           CheckinResult,
           CheckoutResult,
           HoldView,
           PublishResult,
           SyncResult,
)

__all__ = ["CheckinResult", "CheckoutResult", "HoldView", "PublishResult", "SyncResult", "checkin", "checkout",
           "control_holds", "control_version", "evidence_version", "exception_version", "find_replica", "is_server_address",
           "note_version", "open_any", "publish_engagement", "request_version", "request_versions", "resolve_address", "response_version", "sync"]
