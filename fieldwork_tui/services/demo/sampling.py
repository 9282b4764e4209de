"""Demo engagement: the sampling part.

* AC-02 (access provisioning): a population of access requests, one attribute with a rule, and a
  clean sample of 25: the rule proposes, the auditor confirms the column.
* CM-01 (changes peer reviewed) — the worked example of attribute testing: three attributes with
  rules over the change log's columns (A approved by the deploy date, B approved by someone other than
  the author, C CI passed), the extract's completeness and accuracy recorded, the sample of 25
  proposed by the rules and confirmed — except one change whose pull request shows the author merged
  with the admin override although the extract lists an approver: the auditor records B as a deviation
  (a rule only proposes) — expanded to 40 without a further deviation (isolated), the exception worded
  from attribute B, and management's response.

Populations are generated deterministically (no randomness) so the demo is the same every time.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

from fieldwork_tui.domain.attributes import AttributeSpec
from fieldwork_tui.domain.vocab import (
    Conclusion,
    Effectiveness,
    ExceptionType,
    RemediationStatus,
)
from fieldwork_tui.services.demo.core import PERIOD
from fieldwork_tui.services.findings import conclusions, exceptions
from fieldwork_tui.services.sampling import populations, testing
from fieldwork_tui.services.sampling import samples as sampling
from fieldwork_tui.store.handle import EngagementHandle

CHANGES = 412
ACCESS_REQUESTS = 137
ENGINEERS = ["Kenji Watanabe", "Sofia Lindqvist", "Marcus Oyelaran", "Ravi Menon", "Lena Brandt", "Omar Haddad"]
SYSTEMS = ["billing-api", "ledger-db", "web-portal", "invoice-worker", "auth-service"]


def _day(i: int, n: int) -> dt.date:
    span = (PERIOD[1] - PERIOD[0]).days
    return PERIOD[0] + dt.timedelta(days=i * span // n)


def _write_changes(path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        fh.write("Lumen Ledger change log export (GitHub deployments), FY26\n")
        w = csv.writer(fh)
        w.writerow(["Change ID", "Title", "Author", "Approver", "Approved", "Deployed", "CI status"])
        for i in range(CHANGES):
            author = ENGINEERS[i % len(ENGINEERS)]
            approver = ENGINEERS[(i * 7 + 3) % len(ENGINEERS)]
            if approver == author:
                approver = ENGINEERS[(i + 1) % len(ENGINEERS)]
            deployed = _day(i, CHANGES)
            approved = deployed - dt.timedelta(days=i % 3)  # approved the same day or up to two days before
            w.writerow([f"CHG-{2400 + i}", f"{SYSTEMS[i % len(SYSTEMS)]}: release {i // 5 + 1}.{i % 5}", author,
                        approver, approved.isoformat(), deployed.isoformat(), "success"])


def _write_access_requests(path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Ticket", "Requested for", "System", "Approved by", "Approved on", "Granted on"])
        for i in range(ACCESS_REQUESTS):
            granted = _day(i, ACCESS_REQUESTS)
            w.writerow([f"IT-{5100 + i}", f"user{i:03d}@lumenledger.example", SYSTEMS[i % len(SYSTEMS)],
                        "Diego Alvarez", (granted - dt.timedelta(days=1)).isoformat(), granted.isoformat()])


CM_OBJECTIVE = ("Production changes are approved in the pull request by a reviewer other than their author, and "
                "pass CI, before they are deployed.")
CM_ATTRIBUTES = [
    AttributeSpec("A", "Approved in the pull request no later than the deploy date",
                  "the change was deployed before it was approved", "Approved <= Deployed"),
    AttributeSpec("B", "Approved by a reviewer other than the author",
                  "the change was deployed without an approving review by someone other than its author",
                  "Approver != Author"),
    AttributeSpec("C", "CI checks passed before deployment", "the change was deployed without passing CI checks",
                  '[CI status] = "success"'),
]


def build(handle: EngagementHandle) -> None:
    """Add this area's records to the demo engagement."""
    # inside the engagement (swept if interrupted): nothing is written outside the engagement folder
    with tempfile.TemporaryDirectory(prefix=".tmp-demo-populations-", dir=handle.root) as tmp:
        changes, access = Path(tmp) / "change-log-fy26.csv", Path(tmp) / "access-requests-fy26.csv"
        _write_changes(changes)
        _write_access_requests(access)
        populations.import_population(handle, "AC-02", access, key="Ticket", date="Granted on",
                                      expected_count=ACCESS_REQUESTS)
        populations.import_population(handle, "CM-01", changes, key="Change ID", date="Deployed",
                                      expected_count=CHANGES)

    # A clean sample: the rule proposes every access request's cell, the auditor confirms the column.
    testing.set_steps(handle, "AC-02", "Access is granted only on a request the system owner approved beforehand.", [
        AttributeSpec("A", "Request approved by the system owner before access was granted",
                      "access was granted before the system owner approved the request", "[Approved on] <= [Granted on]"),
    ], source="manual")
    testing.record_extract(handle, "AC-02", source_system="Jira Service Management (IT project)",
                           query="Access requests resolved as granted, 2025-10-01 to 2026-09-30 (saved filter 10231)",
                           note="Ticket count in Jira matched the export.")
    sampling.take_sample(handle, "AC-02")  # the rule proposes at once
    testing.confirm(handle, "AC-02", "A")
    conclusions.conclude_control(handle, "AC-02")

    # The worked example of attribute testing (see the module docstring).
    testing.set_steps(handle, "CM-01", CM_OBJECTIVE, CM_ATTRIBUTES, source="manual")
    testing.record_extract(handle, "CM-01", source_system="GitHub (deployments API and pull-request reviews)",
                           query="Deployments to the production environment of the lumen-ledger repositories, "
                                 "2025-10-01 to 2026-09-30, each joined to its pull request's approving review",
                           note="412 deployments in the export; the GitHub audit log lists 412 for the period.")
    view = sampling.take_sample(handle, "CM-01")  # 25 items, every cell proposed by the rules
    deviating = view.items[len(view.items) // 3]
    testing.confirm(handle, "CM-01", "A")
    testing.confirm(handle, "CM-01", "C")
    testing.set_cell(handle, deviating.id, "B", "deviation",
                     note="The extract lists an approver, but the pull request shows the author merged with the "
                          "repository admin override; the approving review was added the next day.")
    testing.confirm(handle, "CM-01", "B")  # every other change: approved by a reviewer other than the author
    sampling.expand(handle, "CM-01")  # 25 → 40, the new items proposed by the rules
    testing.confirm(handle, "CM-01")
    sampling.conclude_deviations(handle, "CM-01")
    ex = exceptions.create_exception(
        handle, "CM-01", source="sample", sample_item_id=deviating.id, attribute="B",
        instance=f"{deviating.key} ({deviating.occurred_on.isoformat()})",
        planned_control="Every production change is peer reviewed and approved in the pull request before deployment.",
        deviation=CM_ATTRIBUTES[1].deviation,
        exception_type=ExceptionType.execution, effectiveness=Effectiveness.operating,
    )
    exceptions.respond(
        handle, ex.id,
        root_cause="An engineer used the repository admin override during an incident hotfix and did not request "
                   "a retrospective review.",
        corrective_action="Admin override removed from engineers; branch protection now applies to administrators.",
        compensating_controls="All deployments are logged and reviewed weekly by the SRE manager.",
        remediation_status=RemediationStatus.remediated, remediation_date=dt.date(2026, 8, 14),
        responder="Marcus Oyelaran, VP Engineering", responded_on=dt.date(2026, 11, 12),
    )
    conclusions.conclude_control(handle, "CM-01", Conclusion.effective_with_exceptions,
                                 "One isolated deviation in 40 changes; remediated.")
    # Every other control starts from the firm library's test steps where one fits (as an imported matrix does).
    testing.apply_library(handle)
