"""Demo engagement: Lumen Ledger's request list — ~60 items in every status, owners from the client's
people, due dates around the demo's today (2026-11-20) so some are overdue, with follow-ups and
status history. Written in one transaction through the importer's save step (fast)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from fieldwork_tui.domain.requests import add_business_days
from fieldwork_tui.domain.vocab import RequestStatus as S
from fieldwork_tui.domain.vocab import RequestWave as W
from fieldwork_tui.services.demo.core import CONTROLS, DEMO_TODAY, KICKOFF
from fieldwork_tui.services.requests.importer import ParsedRequest, save_requests
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import EvidenceRequest, FollowUp, RequestStatusChange

OWNER = {ref: owner for ref, _t, _d, _c, _f, _n, owner, _k in CONTROLS}

# controls, description, explicit owner (else the first control's owner)
ITEMS: list[tuple[str, str, str]] = [
    ("CE-01", "Signed code of conduct acknowledgements for all employees active in the period", ""),
    ("CE-02", "Audit committee minutes where the security program was discussed (each quarter)", ""),
    ("CE-03", "Current organizational chart with reporting lines", ""),
    ("CE-04", "HR roster of new hires in the period with start dates", ""),
    ("CE-05", "Performance review template and completion report for the period", ""),
    ("IC-01", "Screenshot of the system description published on the customer portal", ""),
    ("IC-02", "Security awareness training completion report (all personnel)", ""),
    ("RA-01", "FY26 risk assessment including the fraud risk section, with approval evidence", ""),
    ("RA-02", "Significant change assessments performed during the period", ""),
    ("MO-01", "Quarterly internal control testing reports and distribution emails", ""),
    ("MO-02", "Deficiency tracker export with status history", ""),
    ("CA-01", "Information security policy set with approval dates", ""),
    ("CA-02", "IT general controls matrix with owners", ""),
    ("AC-01", "Population: list of quarterly user access reviews performed in the period", ""),
    ("AC-02", "Population: access requests for production systems (ticket export)", ""),
    ("AC-03", "Population: terminations in the period (HR export with termination dates)", "Hannah Köhler"),
    ("AC-03", "Identity provider deprovisioning log for the period", ""),
    ("AC-04", "Identity provider MFA enforcement configuration (screenshot with timestamp)", ""),
    ("AC-05", "List of accounts with administrative access to production and approvals", ""),
    ("AC-06", "Password and lockout policy settings of the identity provider", ""),
    ("AC-07", "Cloud provider SOC 2 report and the complementary user entity controls mapping", ""),
    ("AC-08", "Certificates of destruction for decommissioned laptops", ""),
    ("AC-09", "Security group configuration export for the production VPC", ""),
    ("AC-10", "TLS configuration of the public load balancers (scan output)", ""),
    ("AC-11", "Endpoint protection console report: coverage and update status", ""),
    ("OP-01", "Population: weekly vulnerability scan reports", ""),
    ("OP-01", "Remediation tickets for critical vulnerabilities with closure dates", ""),
    ("OP-02", "Alerting rules and an on-call triage log for the period", ""),
    ("OP-03", "Incident register for the period with classifications", ""),
    ("OP-04", "Incident response tabletop exercise report and attendee list", ""),
    ("OP-05", "Quarterly backup restore test records", ""),
    ("CM-01", "Population: production deployments in the period (CI/CD export)", ""),
    ("CM-01", "Branch protection settings requiring review before merge", "Kenji Watanabe"),
    ("CM-02", "CI pipeline configuration showing required test stages", ""),
    ("CM-03", "Emergency change log and after-the-fact approvals", ""),
    ("RM-01", "Business continuity plan with the annual review sign-off", ""),
    ("RM-02", "Vendor inventory with criticality and the SOC reports obtained", ""),
    ("AV-01", "Capacity dashboard and alert thresholds (80% utilisation)", ""),
    ("AV-02", "Backup job configuration and a sample of daily backup logs", ""),
    ("AV-03", "Disaster recovery failover test report", ""),
    ("CF-01", "Data classification policy and storage tagging evidence", ""),
    ("CF-02", "Population: customer contracts ended in the period with deletion dates", "Aisha Bello"),
    ("FN-01", "Monthly invoice run reconciliations", ""),
    ("AC-01 AC-05", "System-generated user listing for production (with the query used)", "Ravi Menon"),
    ("AC-02 AC-03", "Ticketing tool access approval workflow configuration", ""),
    ("CC", "Management's assertion letter draft", "Priya Raman"),
    ("CC", "Subservice organizations list and carve-out decisions", "Tomás Ferreira"),
    ("CE-04", "Background check vendor contract and screening policy", ""),
    ("IC-02", "Training content and the phishing simulation results", "Ravi Menon"),
    ("OP-02", "Log retention configuration for the SIEM", "Sofia Lindqvist"),
    ("CM-01", "Change management policy", "Marcus Oyelaran"),
    ("AC-04", "List of accounts exempt from MFA with justification", "Ravi Menon"),
    ("OP-05", "Backup encryption settings", "Sofia Lindqvist"),
    ("RA-01", "Risk register export", "Priya Raman"),
    ("MO-01", "GRC team charter and testing calendar", "Tomás Ferreira"),
    ("CF-02", "Data deletion procedure and deletion tooling logs", "Kenji Watanabe"),
    ("CA-01", "Acceptable use policy acknowledgements", "Hannah Köhler"),
    ("AC-08", "Asset inventory of laptops", "Diego Alvarez"),
]

# (final status, steps after open, priority) cycled over the items: every status appears
PATTERN: list[tuple[S, tuple[S, ...]]] = [
    (S.accepted, (S.in_progress, S.submitted, S.accepted)),
    (S.open, ()),
    (S.submitted, (S.submitted,)),
    (S.in_progress, (S.in_progress,)),
    (S.accepted, (S.submitted, S.accepted)),
    (S.needs_clarification, (S.needs_clarification,)),
    (S.open, ()),
    (S.returned, (S.submitted, S.returned)),
    (S.accepted, (S.submitted, S.accepted)),
    (S.in_progress, (S.in_progress,)),
    (S.not_applicable, (S.not_applicable,)),
    (S.submitted, (S.in_progress, S.submitted)),
]
PRIORITIES = ["High", "Medium", "Medium", "Low", "High", "Medium"]
REASONS = {
    S.returned: "The report covers only Q1-Q2; we need all four quarters of the period.",
    S.needs_clarification: "Which system is in scope: the production IdP or the corporate one?",
    S.not_applicable: "No such events occurred in the period (confirmed by management).",
    S.accepted: "Complete and covers the period.",
}
ESCALATE_TO = {"Priya Raman": "Sam Whitfield (audit manager) with the CEO"}


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=dt.UTC)


def build(handle: EngagementHandle) -> None:
    """Add the request list, its history and follow-ups to the demo engagement."""
    today = DEMO_TODAY
    parsed: list[ParsedRequest] = []
    plans: list[tuple[tuple[S, ...], dt.date]] = []
    for i, (ctl, desc, owner) in enumerate(ITEMS):
        refs = [] if ctl == "CC" else ctl.split()
        population = desc.startswith("Population")
        requested = KICKOFF if i < 44 else add_business_days(KICKOFF, 15 + i % 5)
        due = add_business_days(requested, 6 + (i * 11) % 45)
        final, steps = PATTERN[i % len(PATTERN)]
        parsed.append(ParsedRequest(
            row=i + 1, ref=f"PBC-{i + 1:03d}", description=desc, controls=refs,
            owner=owner or (OWNER[refs[0]] if refs else ""), due_on=due, status=S.open,
            priority=PRIORITIES[i % len(PRIORITIES)], requested_on=requested,
            wave=W.population if population else W.general,
            present={"owner", "due", "priority", "wave", "controls", "status", "requested"},
        ))
        plans.append((steps, requested))
    with handle.session() as s:
        save_requests(s, parsed, source="Lumen Ledger PBC list.xlsx", today=KICKOFF)
        reqs = {r.ref: r for r in s.exec(select(EvidenceRequest))}
        for p, (steps, requested) in zip(parsed, plans, strict=True):
            req = reqs[p.ref]
            history = s.exec(select(RequestStatusChange).where(RequestStatusChange.request_id == req.id)).all()
            for h in history:
                h.at, h.by = _at(requested, 9), "elena"
                s.add(h)
            _play(s, req, steps, requested, today)
    _sample_waves(handle, today)


def _play(s, req: EvidenceRequest, steps: tuple[S, ...], requested: dt.date, today: dt.date) -> None:
    """Walk one request through its statuses with plausible dates, and log follow-ups on late ones."""
    day = requested
    status = S.open
    last_step = min(today - dt.timedelta(days=1), max(requested, (req.due_on or today)))
    span = max(1, (last_step - requested).days)
    for n, step in enumerate(steps, start=1):
        day = min(today - dt.timedelta(days=1), requested + dt.timedelta(days=span * n // (len(steps) + 1) + n))
        s.add(RequestStatusChange(request_id=req.id, from_status=status, to_status=step, at=_at(day, 11 + n),
                                  by="tomas.f" if step in (S.submitted, S.in_progress) else "elena",
                                  reason=REASONS.get(step, "")))
        if step is S.submitted:
            req.received_on = day
        status = step
    req.status = status
    owed = status in (S.open, S.in_progress, S.needs_clarification, S.returned)
    if owed and req.due_on and req.due_on < today:
        _chase(s, req, today)
    elif status is S.returned:
        s.add(FollowUp(request_id=req.id, on=day, by="elena", message="Returned: see the reason; resend the full "
                       "period.", new_due_on=None))
    s.add(req)


def _chase(s, req: EvidenceRequest, today: dt.date) -> None:
    """Follow-ups on an overdue item: a reminder the next business day, a new promised date at the status
    call, and an escalation when that date slips too."""
    first = add_business_days(req.due_on, 1)
    if first >= today:
        return
    s.add(FollowUp(request_id=req.id, on=first, by="elena", message="Reminder sent by e-mail; owner says it is "
                   "in progress."))
    second = add_business_days(req.due_on, 4)
    if second >= today:
        return
    promised = add_business_days(second, 3)
    s.add(FollowUp(request_id=req.id, on=second, by="elena", new_due_on=promised,
                   message=f"Raised at the weekly status call; promised by {promised:%b %d}."))
    req.due_on = promised
    third = add_business_days(promised, 2)
    if third < today:
        s.add(FollowUp(request_id=req.id, on=third, by="sam.whitfield", message="Escalated to "
                       f"{ESCALATE_TO.get(req_owner(s, req), 'Priya Raman (CISO)')}: it blocks testing."))


def req_owner(s, req: EvidenceRequest) -> str:
    from fieldwork_tui.store.models import Person

    p = s.get(Person, req.owner_id) if req.owner_id else None
    return p.name if p else ""


def _sample_waves(handle: EngagementHandle, today: dt.date) -> None:
    """The second wave: one request for each selected sample (when the demo has samples)."""
    from fieldwork_tui.services.requests.files import create_sample_request, sample_choices

    for choice in sample_choices(handle):
        if choice.items and not choice.request_ref:
            create_sample_request(handle, choice.id, today=today - dt.timedelta(days=3))
