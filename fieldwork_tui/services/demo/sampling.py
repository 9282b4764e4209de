"""Demo engagement: the sampling part.

* AC-02 (access provisioning): a population of access requests and a clean sample of 25.
* CM-01 (changes peer reviewed): a population of a few hundred changes, a sample of 25 with one
  deviation, expanded to 40 without a further deviation (isolated), the exception and management's
  response.

Populations are generated deterministically (no randomness) so the demo is the same every time.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

from sqlmodel import select

from fieldwork_tui.domain.vocab import (
    Conclusion,
    Effectiveness,
    ExceptionType,
    RemediationStatus,
    SampleResult,
)
from fieldwork_tui.services.demo.core import PERIOD
from fieldwork_tui.services.findings import conclusions, exceptions
from fieldwork_tui.services.sampling import populations
from fieldwork_tui.services.sampling import samples as sampling
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import Engagement

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
        w.writerow(["Change ID", "Title", "Author", "Approver", "Deployed"])
        for i in range(CHANGES):
            author = ENGINEERS[i % len(ENGINEERS)]
            approver = ENGINEERS[(i * 7 + 3) % len(ENGINEERS)]
            if approver == author:
                approver = ENGINEERS[(i + 1) % len(ENGINEERS)]
            w.writerow([f"CHG-{2400 + i}", f"{SYSTEMS[i % len(SYSTEMS)]}: release {i // 5 + 1}.{i % 5}", author,
                        approver, _day(i, CHANGES).isoformat()])


def _write_access_requests(path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Ticket", "Requested for", "System", "Approved by", "Granted on"])
        for i in range(ACCESS_REQUESTS):
            w.writerow([f"IT-{5100 + i}", f"user{i:03d}@lumenledger.example", SYSTEMS[i % len(SYSTEMS)],
                        "Diego Alvarez", _day(i, ACCESS_REQUESTS).isoformat()])


#: The demo engagement's id. Seeds derive from it, so a fixed id makes the demo's samples (and its
#: screenshots) the same on every machine; a real engagement keeps its random id.
DEMO_UID = "demo-lumen-ledger-fy26"


def build(handle: EngagementHandle) -> None:
    """Add this area's records to the demo engagement."""
    with handle.session() as s:
        eng = s.exec(select(Engagement)).one()
        eng.uid = DEMO_UID
        s.add(eng)
    # inside the engagement (swept if interrupted): nothing is written outside the engagement folder
    with tempfile.TemporaryDirectory(prefix=".tmp-demo-populations-", dir=handle.root) as tmp:
        changes, access = Path(tmp) / "change-log-fy26.csv", Path(tmp) / "access-requests-fy26.csv"
        _write_changes(changes)
        _write_access_requests(access)
        populations.import_population(handle, "AC-02", access, key="Ticket", date="Granted on",
                                      expected_count=ACCESS_REQUESTS)
        populations.import_population(handle, "CM-01", changes, key="Change ID", date="Deployed",
                                      expected_count=CHANGES)

    # A clean sample: every access request tested, no exception.
    view = sampling.take_sample(handle, "AC-02")
    for item in view.items:
        sampling.mark(handle, item.id, SampleResult.passed, "Ticket approved by the system owner before access "
                      "was granted.")
    conclusions.conclude_control(handle, "AC-02")

    # An isolated deviation: one change deployed without an approving review; the expansion is clean.
    view = sampling.take_sample(handle, "CM-01")
    deviating = view.items[len(view.items) // 3]
    for item in view.items:
        if item.id == deviating.id:
            sampling.mark(handle, item.id, SampleResult.deviation,
                          "Merged by the author with an admin override; no approving review before deployment.")
        else:
            sampling.mark(handle, item.id, SampleResult.passed, "Approving review before merge; CI green.")
    view = sampling.expand(handle, "CM-01")
    for item in view.items:
        if item.result is SampleResult.untested:
            sampling.mark(handle, item.id, SampleResult.passed, "Approving review before merge; CI green.")
    sampling.conclude_deviations(handle, "CM-01")
    ex = exceptions.create_exception(
        handle, "CM-01", source="sample", sample_item_id=deviating.id,
        instance=f"{deviating.key} ({deviating.occurred_on.isoformat()})",
        planned_control="Every production change is peer reviewed and approved in the pull request before deployment.",
        deviation="the change was deployed without an approving peer review",
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
