"""Requests: the PBC list (triage, bulk changes, follow-ups and status history), its import from the
client's tracker, its export for the client, and the files received against it.

The area's public API: the CLI and the TUI import from here (or from `views`), never from its modules.
"""


from fieldwork_tui.services.requests.export import (
    export_requests,
)
from fieldwork_tui.services.requests.files import (
    attach_received_files,
    create_sample_request,
    sample_choices,
)
from fieldwork_tui.services.requests.importer import (
    import_requests,
    preview_requests,
)
from fieldwork_tui.services.requests.triage import (
    UNASSIGNED,
    accept_request,
    add_follow_up,
    assign_owner,
    change_status,
    client_owner_names,
    control_counts,
    count_requests,
    owner_counts,
    request_detail,
    request_page,
    request_query,
    return_request,
    shift_due,
)
from fieldwork_tui.services.requests.views import (
    OwnerCount,
    ReceivedFile,
    RequestDetail,
    RequestExportResult,
    RequestImportResult,
    RequestQuery,
    RequestRow,
    SampleChoice,
)

__all__ = [
    "OwnerCount",
    "ReceivedFile",
    "RequestDetail",
    "RequestExportResult",
    "RequestImportResult",
    "RequestQuery",
    "RequestRow",
    "SampleChoice",
    "UNASSIGNED",
    "accept_request",
    "add_follow_up",
    "assign_owner",
    "attach_received_files",
    "change_status",
    "client_owner_names",
    "control_counts",
    "count_requests",
    "create_sample_request",
    "export_requests",
    "import_requests",
    "preview_requests",
    "owner_counts",
    "request_detail",
    "request_page",
    "request_query",
    "return_request",
    "sample_choices",
    "shift_due",
]
