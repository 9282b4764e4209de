"""Evidence by technique: inspection (files in the vault), inquiry (interviews and their statements),
observation, and re-performance (comparing two lists).

The area's public API: the CLI and the TUI import from here (or from `views`), never from its modules.
"""


from fieldwork_tui.services.evidence.files import (
    attach,
    get_file,
    list_files,
    open_with_viewer,
    set_as_of,
    store_file,
    stored_path,
    unlink,
    viewing_copy,
)
from fieldwork_tui.services.evidence.interviews import (
    ROLES,
    add_statement,
    create_interview,
    delete_statement,
    interview_detail,
    interviewees,
    list_interviews,
    parse_refs,
    save_statement_text,
    set_corroboration,
    set_statement_controls,
    statement_evidence_choices,
)
from fieldwork_tui.services.evidence.observations import (
    add_observation,
    delete_observation,
    list_observations,
)
from fieldwork_tui.services.evidence.reperformance import (
    conclude_reperformance,
    count_differences,
    describe_difference,
    differences,
    exceptions_by_difference,
    get_reperformance,
    list_columns,
    raise_exception,
    run_comparison,
)
from fieldwork_tui.services.evidence.views import (
    AttachedFile,
    ComparisonOutcome,
    InterviewDetail,
    InterviewSummary,
    ReperformanceView,
    StatementRow,
)

__all__ = [
    "AttachedFile",
    "ComparisonOutcome",
    "InterviewDetail",
    "InterviewSummary",
    "ROLES",
    "ReperformanceView",
    "StatementRow",
    "add_observation",
    "add_statement",
    "attach",
    "conclude_reperformance",
    "count_differences",
    "create_interview",
    "delete_observation",
    "delete_statement",
    "describe_difference",
    "differences",
    "exceptions_by_difference",
    "get_file",
    "get_reperformance",
    "interview_detail",
    "interviewees",
    "list_columns",
    "list_files",
    "list_interviews",
    "list_observations",
    "open_with_viewer",
    "parse_refs",
    "raise_exception",
    "run_comparison",
    "save_statement_text",
    "set_as_of",
    "set_corroboration",
    "set_statement_controls",
    "statement_evidence_choices",
    "store_file",
    "stored_path",
    "unlink",
    "viewing_copy",
]
