"""Findings: exceptions and management responses, the conclusion on each control, review notes and
sign-offs.

The area's public API: the CLI and the TUI import from here (or from `views`), never from its modules.
"""


from fieldwork_tui.services.findings.conclusions import (
    conclude_control,
    conclusion_view,
    section_iv_rows,
)
from fieldwork_tui.services.findings.exceptions import (
    counts,
    create_exception,
    draft_from_difference,
    draft_from_sample_item,
    get_exception,
    list_exceptions,
    respond,
    update_exception,
)
from fieldwork_tui.services.findings.review import (
    add_note,
    answer_note,
    clear_note,
    get_note,
    list_notes,
    review_settings,
    set_self_review,
)
from fieldwork_tui.services.findings.signoffs import (
    ConfirmationNeeded,
    control_signoffs,
    sign,
)
from fieldwork_tui.services.findings.views import (
    STALE_LABEL,
    ConclusionView,
    ExceptionDetail,
    ExceptionSummary,
    NoteView,
    ReviewSettings,
    SignOffResult,
    SignOffView,
)

__all__ = [
    "ConclusionView",
    "ConfirmationNeeded",
    "ReviewSettings",
    "SignOffResult",
    "answer_note",
    "get_note",
    "review_settings",
    "set_self_review",
    "ExceptionDetail",
    "ExceptionSummary",
    "NoteView",
    "STALE_LABEL",
    "SignOffView",
    "add_note",
    "clear_note",
    "conclude_control",
    "conclusion_view",
    "control_signoffs",
    "counts",
    "create_exception",
    "draft_from_difference",
    "draft_from_sample_item",
    "get_exception",
    "list_exceptions",
    "list_notes",
    "respond",
    "section_iv_rows",
    "sign",
    "update_exception",
]
