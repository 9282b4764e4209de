"""Sampling: a control's population (import, browse) and its sample (size, selection, test results,
expansion, the deviation conclusion, re-derivation).

The area's public API: the CLI and the TUI import from here (or from `views`), never from its modules.
"""


from fieldwork_tui.services.sampling.populations import (
    count_rows,
    get_population,
    import_population,
    page_rows,
    population_for,
)
from fieldwork_tui.services.sampling.samples import (
    attach_item_file,
    conclude_deviations,
    engagement_policy,
    expand,
    link_evidence,
    mark,
    plan,
    policies,
    sample_evidence_choices,
    sample_json,
    sample_view,
    set_note,
    set_preset,
    take_sample,
    verify_sample,
)
from fieldwork_tui.services.sampling.views import (
    PopulationResult,
    PopulationRowView,
    SamplePlan,
    SampleVerifyReport,
    SampleView,
)

__all__ = [
    "PopulationResult",
    "PopulationRowView",
    "SamplePlan",
    "SampleVerifyReport",
    "SampleView",
    "attach_item_file",
    "conclude_deviations",
    "count_rows",
    "engagement_policy",
    "expand",
    "get_population",
    "import_population",
    "link_evidence",
    "mark",
    "page_rows",
    "plan",
    "policies",
    "population_for",
    "sample_evidence_choices",
    "sample_json",
    "sample_view",
    "set_note",
    "set_preset",
    "take_sample",
    "verify_sample",
]
