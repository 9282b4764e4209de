"""Demo engagement core: Lumen Ledger, Inc. (cloud invoicing SaaS), its people and its control matrix."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fieldwork_tui.domain.vocab import Frequency as F
from fieldwork_tui.domain.vocab import Nature, PersonRole, PersonSide, Phase
from fieldwork_tui.services.controls import catalog as control_service
from fieldwork_tui.services.engagements import create_engagement, set_phase
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import Person

PERIOD = (dt.date(2025, 10, 1), dt.date(2026, 9, 30))
KICKOFF = dt.date(2026, 10, 5)
#: The demo's "today": screenshots and tests freeze the clock here (FIELDWORK_TODAY).
DEMO_TODAY = dt.date(2026, 11, 20)

PEOPLE: list[tuple[str, PersonSide, PersonRole | None, str, str]] = [
    ("Priya Raman", PersonSide.client, PersonRole.security_operations, "CISO", "priya.raman@lumenledger.example"),
    ("Marcus Oyelaran", PersonSide.client, PersonRole.engineering, "VP Engineering", "marcus.o@lumenledger.example"),
    ("Hannah Köhler", PersonSide.client, PersonRole.hr, "People Operations Lead", "hannah.k@lumenledger.example"),
    ("Diego Alvarez", PersonSide.client, PersonRole.it_administration, "IT Administrator", "diego.a@lumenledger.example"),
    ("Sofia Lindqvist", PersonSide.client, PersonRole.engineering, "SRE Manager", "sofia.l@lumenledger.example"),
    ("Tomás Ferreira", PersonSide.client, PersonRole.other, "GRC Analyst", "tomas.f@lumenledger.example"),
    ("Aisha Bello", PersonSide.client, PersonRole.finance, "Controller", "aisha.b@lumenledger.example"),
    ("Kenji Watanabe", PersonSide.client, PersonRole.engineering, "Staff Engineer", "kenji.w@lumenledger.example"),
    ("Grace O'Connell", PersonSide.client, PersonRole.executive, "General Counsel", "grace.o@lumenledger.example"),
    ("Ravi Menon", PersonSide.client, PersonRole.security_operations, "Security Engineer", "ravi.m@lumenledger.example"),
    ("Elena Petrova", PersonSide.audit, None, "Audit Senior", "elena.petrova@auditfirm.example"),
    ("Sam Whitfield", PersonSide.audit, None, "Audit Manager", "sam.whitfield@auditfirm.example"),
]

# ref, title, description, criteria, frequency, nature, owner, key
CONTROLS: list[tuple[str, str, str, str, F, Nature, str, bool]] = [
    ("CE-01", "Code of conduct acknowledged", "Employees acknowledge the code of conduct at hire and annually.",
     "CC1.1", F.annual, Nature.manual, "Hannah Köhler", True),
    ("CE-02", "Board oversight of security", "The board's audit committee reviews the security program quarterly.",
     "CC1.2 CC2.2", F.quarterly, Nature.manual, "Grace O'Connell", True),
    ("CE-03", "Organizational chart maintained", "An organizational chart with reporting lines is kept current.",
     "CC1.3", F.annual, Nature.manual, "Hannah Köhler", False),
    ("CE-04", "Background checks at hire", "New hires pass a background check before their start date.",
     "CC1.4", F.as_needed, Nature.manual, "Hannah Köhler", True),
    ("CE-05", "Performance reviews include security duties",
     "Annual performance reviews evaluate adherence to security responsibilities.", "CC1.5", F.annual,
     Nature.manual, "Hannah Köhler", False),
    ("IC-01", "System description published to customers",
     "The system description and commitments are published on the customer portal.", "CC2.3", F.annual,
     Nature.manual, "Tomás Ferreira", False),
    ("IC-02", "Security awareness training", "Personnel complete security awareness training at hire and annually.",
     "CC2.2 CC1.4", F.annual, Nature.manual, "Priya Raman", True),
    ("RA-01", "Annual risk assessment", "Management performs and documents an annual risk assessment including fraud risk.",
     "CC3.1 CC3.2 CC3.3", F.annual, Nature.manual, "Priya Raman", True),
    ("RA-02", "Significant change assessment", "Changes to the business or systems are assessed for new risks.",
     "CC3.4", F.quarterly, Nature.manual, "Priya Raman", False),
    ("MO-01", "Internal control evaluation", "The GRC team tests key controls quarterly and reports results.",
     "CC4.1", F.quarterly, Nature.manual, "Tomás Ferreira", True),
    ("MO-02", "Deficiencies tracked to remediation", "Control deficiencies are logged and tracked to closure.",
     "CC4.2", F.monthly, Nature.manual, "Tomás Ferreira", False),
    ("CA-01", "Policies reviewed annually", "Information security policies are reviewed and approved annually.",
     "CC5.3 CC5.1", F.annual, Nature.manual, "Priya Raman", True),
    ("CA-02", "IT general controls defined", "General IT controls over infrastructure are defined and owned.",
     "CC5.2", F.annual, Nature.manual, "Priya Raman", False),
    ("AC-01", "Quarterly user access review", "Managers review user access to production systems each quarter and "
     "revoke inappropriate access.", "CC6.1 CC6.2 CC6.3", F.quarterly, Nature.manual, "Diego Alvarez", True),
    ("AC-02", "Access provisioning approved", "New access to production is requested in the ticketing tool and "
     "approved by the system owner before it is granted.", "CC6.2", F.as_needed, Nature.manual, "Diego Alvarez", True),
    ("AC-03", "Terminated users removed within one business day", "Access of terminated personnel is removed "
     "within one business day of termination.", "CC6.2 CC6.3", F.as_needed, Nature.manual, "Diego Alvarez", True),
    ("AC-04", "Multi-factor authentication enforced", "The identity provider enforces MFA for all workforce accounts.",
     "CC6.1", F.continuous, Nature.automated, "Ravi Menon", True),
    ("AC-05", "Privileged access restricted", "Administrative access to production is limited to approved SREs.",
     "CC6.1 CC6.3", F.quarterly, Nature.manual, "Sofia Lindqvist", True),
    ("AC-06", "Password policy configured", "The identity provider enforces length, complexity and lockout settings.",
     "CC6.1", F.continuous, Nature.automated, "Ravi Menon", False),
    ("AC-07", "Data center physical access", "Physical access to data centers is restricted by the cloud provider "
     "(carved-out subservice organization; SOC report reviewed).", "CC6.4", F.annual, Nature.manual,
     "Sofia Lindqvist", False),
    ("AC-08", "Media disposal", "Decommissioned laptops are wiped and certificates of destruction retained.",
     "CC6.5 C1.2", F.as_needed, Nature.manual, "Diego Alvarez", False),
    ("AC-09", "Network boundary protection", "Security groups deny inbound traffic except through the load balancer.",
     "CC6.6", F.continuous, Nature.automated, "Sofia Lindqvist", True),
    ("AC-10", "Encryption in transit", "Customer traffic is encrypted with TLS 1.2 or higher.", "CC6.7",
     F.continuous, Nature.automated, "Kenji Watanabe", True),
    ("AC-11", "Endpoint malware protection", "Company laptops run managed endpoint protection with daily updates.",
     "CC6.8", F.daily, Nature.automated, "Diego Alvarez", False),
    ("OP-01", "Vulnerability scanning", "Production is scanned weekly; critical findings are fixed within 14 days.",
     "CC7.1", F.weekly, Nature.manual, "Ravi Menon", True),
    ("OP-02", "Security event monitoring", "Logs are aggregated and alerts are triaged by the on-call engineer.",
     "CC7.2", F.daily, Nature.manual, "Ravi Menon", True),
    ("OP-03", "Incident triage", "Security events are evaluated and classified as incidents per the runbook.",
     "CC7.3", F.as_needed, Nature.manual, "Ravi Menon", False),
    ("OP-04", "Incident response plan tested", "The incident response plan is tested annually with a tabletop exercise.",
     "CC7.4", F.annual, Nature.manual, "Priya Raman", True),
    ("OP-05", "Backups restored in tests", "Database backups are restored in a quarterly recovery test.",
     "CC7.5 A1.3", F.quarterly, Nature.manual, "Sofia Lindqvist", True),
    ("CM-01", "Changes peer reviewed and approved", "Every production change is peer reviewed and approved in the "
     "pull request before deployment.", "CC8.1", F.multiple_daily, Nature.manual, "Marcus Oyelaran", True),
    ("CM-02", "Changes tested before deploy", "Automated tests must pass in CI before a change can be merged.",
     "CC8.1", F.multiple_daily, Nature.automated, "Marcus Oyelaran", True),
    ("CM-03", "Emergency changes reviewed", "Emergency changes are reviewed and approved within two business days.",
     "CC8.1", F.as_needed, Nature.manual, "Marcus Oyelaran", False),
    ("RM-01", "Business continuity plan", "A business continuity plan is maintained and reviewed annually.",
     "CC9.1 A1.2", F.annual, Nature.manual, "Sofia Lindqvist", False),
    ("RM-02", "Vendor risk reviews", "Critical vendors' SOC reports are obtained and reviewed annually.",
     "CC9.2", F.annual, Nature.manual, "Tomás Ferreira", True),
    ("AV-01", "Capacity monitoring", "Capacity metrics are monitored with alerts at 80% utilisation.",
     "A1.1", F.continuous, Nature.automated, "Sofia Lindqvist", False),
    ("AV-02", "Daily database backups", "Production databases are backed up daily to a second region.",
     "A1.2", F.daily, Nature.automated, "Sofia Lindqvist", True),
    ("AV-03", "Disaster recovery test", "Failover to the secondary region is tested annually.",
     "A1.3", F.annual, Nature.manual, "Sofia Lindqvist", False),
    ("CF-01", "Confidential data classified", "Customer data is classified confidential and tagged in storage.",
     "C1.1", F.annual, Nature.manual, "Grace O'Connell", False),
    ("CF-02", "Customer data deleted at contract end", "Customer data is deleted within 30 days of contract end.",
     "C1.2", F.as_needed, Nature.manual, "Kenji Watanabe", False),
    ("FN-01", "Invoice run reconciled", "The monthly invoice run is reconciled to usage records by Finance.",
     "CC4.1", F.monthly, Nature.manual, "Aisha Bello", False),
]


#: The demo engagement's id, fixed at creation like every engagement's. Seeds derive from it, so a fixed
#: id makes the demo's samples (and its screenshots) the same on every machine; a real engagement gets a
#: random id.
DEMO_UID = "demo-lumen-ledger-fy26"


def build(home: Path | str | None, slug: str) -> EngagementHandle:
    handle = create_engagement(
        home, "Lumen Ledger SOC 2 Type II FY26", type=2, period=PERIOD,
        categories=["security", "availability", "confidentiality"],
        service_organization="Lumen Ledger, Inc.", slug=slug, replace=True, kickoff_on=KICKOFF, uid=DEMO_UID,
    )
    with handle.session() as s:
        for name, side, role, title, email in PEOPLE:
            s.add(Person(name=name, side=side, role=role, title=title, email=email))
    for ref, title, desc, crit, freq, nature, owner, key in CONTROLS:
        control_service.add_control(handle, ref, title, description=desc, criteria=crit.split(), frequency=freq,
                                    nature=nature, key=key, owner=owner)
    set_phase(handle, Phase.fieldwork)
    return handle
