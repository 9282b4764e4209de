"""Demo engagement: the evidence part — interviews, observations, files in the vault, comparisons.

Built so that every triangulation flag shows on at least one control and some controls are fully
triangulated:

- AC-01 access review, AC-03 terminations, CM-01 change approval, OP-04 incident response: triangulated
- RA-02 (inquiry only: `inquiry_only`, `single_evidence_type`, `missing_required_type`, `uncorroborated_inquiry`)
- CE-03 (one file: `single_evidence_type`, `missing_required_type`)
- AC-05 (inquiry + observation, no inspection: `missing_required_type`, `uncorroborated_inquiry`)
- AC-08 (the disposal log contradicts the IT administrator: `contradicted_inquiry`)
- AC-03 (HR and the IT administrator give near-identical accounts: `possible_coached_answer`, not yet reviewed)
- the interview plan: AC-05's roles set by hand (SREs hold production admin rights); most controls still
  miss a planned role (`interview_missing_role`), so view 4 shows who to book next; one of Priya Raman's
  statements is linked to no control (it appears in her interview memo)
- RM-02 (a vendor review dated before the period: `evidence_outside_period`)
- every control without records: `no_evidence`

The files are small but realistic (CSV exports, a JSON configuration, PDF memos) and generated here.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

from fieldwork_tui.domain.compare import DateWindow
from fieldwork_tui.domain.vocab import Corroboration, Disposition
from fieldwork_tui.services.evidence import files as evidence
from fieldwork_tui.services.evidence import interview_plan, interviews, observations, reperformance
from fieldwork_tui.store.handle import EngagementHandle

DOMAIN = "lumenledger.example"


def pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF with the given lines of text (Helvetica 11)."""
    def esc(t: str) -> str:
        return t.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1", "replace").decode("latin-1")

    text = "BT /F1 11 Tf 14 TL 56 780 Td " + " ".join(f"({esc(line)}) '" for line in lines) + " ET"
    stream = text.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def csv_text(rows: list[list[str]]) -> str:
    return "\n".join(",".join(rows_cell for rows_cell in row) for row in rows) + "\n"


# Users in the identity provider on 30 June 2026 (pulled by the auditor) and the list the managers reviewed.
IDP_USERS = [
    ("pr", "Priya Raman", "admin", "Security"), ("mo", "Marcus Oyelaran", "admin", "Engineering"),
    ("hk", "Hannah Köhler", "standard", "People"), ("da", "Diego Alvarez", "admin", "IT"),
    ("sl", "Sofia Lindqvist", "admin", "Engineering"), ("tf", "Tomás Ferreira", "standard", "Compliance"),
    ("ab", "Aisha Bello", "standard", "Finance"), ("kw", "Kenji Watanabe", "admin", "Engineering"),
    ("go", "Grace O'Connell", "standard", "Legal"), ("rm", "Ravi Menon", "admin", "Security"),
    ("jnakamura", "Jun Nakamura", "standard", "Engineering"), ("lfischer", "Lena Fischer", "standard", "Support"),
    ("okarimi", "Omid Karimi", "admin", "Engineering"), ("nkhan", "Nadia Khan", "standard", "Sales"),
    ("svc-deploy", "Deploy service account", "admin", "Engineering"),
]
REVIEWED = {login: (name, role, dept) for login, name, role, dept in IDP_USERS
            if login not in {"nkhan", "svc-deploy"}}  # created after the review was prepared: missing
REVIEWED["okarimi"] = ("Omid Karimi", "standard", "Engineering")  # the IdP says admin: changed
REVIEWED["lfischer"] = ("Lena Fischer", "standard", "Customer Support")  # department renamed: changed
REVIEWED["bwright"] = ("Ben Wright", "standard", "Sales")  # left in March, still on the reviewed list: extra

TERMINATIONS = [  # (login, name, last day)
    ("bwright", "Ben Wright", "2026-03-13"), ("cmorales", "Carla Morales", "2026-05-29"),
    ("ptan", "Peter Tan", "2026-07-17"), ("ysato", "Yuki Sato", "2026-08-28"),
    ("eokafor", "Emeka Okafor", "2026-09-11"),
]
DEACTIVATIONS = {"bwright": "2026-03-13", "cmorales": "2026-05-29", "ptan": "2026-07-23",
                 "eokafor": "2026-09-11"}  # ysato: never deactivated; ptan: six days late


def _files(folder: Path) -> dict[str, Path]:
    def write(name: str, data: str | bytes) -> Path:
        p = folder / name
        p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        return p

    f: dict[str, Path] = {}
    f["idp"] = write("idp-users-export-2026-06-30.csv", csv_text(
        [["login", "display_name", "role", "department", "mfa"]]
        + [[login, name, role, dept, "enforced"] for login, name, role, dept in IDP_USERS]))
    f["reviewed"] = write("q2-2026-access-review-reviewed-list.csv", csv_text(
        [["Q2 2026 production access review", "", "", "", ""],
         ["User Email", "Name", "Access level", "Department", "Reviewer decision"]]
        + [[f"{login}@{DOMAIN}", name, role, dept, "keep"] for login, (name, role, dept) in sorted(REVIEWED.items())]))
    f["review_signoff"] = write("q2-2026-access-review-signoff.pdf", pdf([
        "Lumen Ledger, Inc. - Quarterly production access review, Q2 2026",
        "Prepared by: Diego Alvarez (IT Administrator)   Date: 2026-07-08",
        "Reviewed systems: identity provider, AWS production accounts, database roles",
        "Users reviewed: 14   Access removed: 0   Access changed: 0",
        "Approved by: Priya Raman (CISO)   Date: 2026-07-10"]))
    f["hr_terms"] = write("hr-terminations-fy26.csv", csv_text(
        [["Employee email", "Name", "Last day", "Manager"]]
        + [[f"{login}@{DOMAIN}", name, day, "People Ops"] for login, name, day in TERMINATIONS]))
    f["deactivations"] = write("idp-deactivation-log-fy26.csv", csv_text(
        [["user", "event", "deactivated_on", "actor"]]
        + [[login, "user.lifecycle.deactivate", day, "da"] for login, day in sorted(DEACTIVATIONS.items())]))
    f["offboarding"] = write("offboarding-checklist-template.pdf", pdf([
        "People Operations - Offboarding checklist (v3, reviewed and approved 2026-02-02)",
        "1. HR enters the last day in the HRIS; the ticket is raised automatically.",
        "2. IT deactivates the identity provider account on the last day.",
        "3. Hardware is collected and sent for secure wipe."]))
    f["org_chart"] = write("org-chart-2026-06.pdf", pdf([
        "Lumen Ledger, Inc. - Organizational chart, June 2026",
        "CEO: Maya Lund",
        "  CISO: Priya Raman  -  Security Engineer: Ravi Menon",
        "  VP Engineering: Marcus Oyelaran  -  SRE Manager: Sofia Lindqvist",
        "  People Operations Lead: Hannah Köhler",
        "  Controller: Aisha Bello   General Counsel: Grace O'Connell"]))
    f["branch_protection"] = write("branch-protection-main.json", json.dumps({
        "url": "https://git.lumenledger.example/api/repos/ledger/branches/main/protection",
        "required_pull_request_reviews": {"required_approving_review_count": 1, "dismiss_stale_reviews": True,
                                          "require_code_owner_reviews": True},
        "required_status_checks": {"strict": True, "contexts": ["ci/test", "ci/lint"]},
        "enforce_admins": {"enabled": True}, "allow_force_pushes": {"enabled": False},
        "exported_at": "2026-09-15T09:12:44Z"}, indent=2))
    f["disposal"] = write("certificates-of-destruction-fy26.csv", csv_text(
        [["Asset tag", "Model", "Decommissioned", "Wipe method", "Certificate"]]
        + [[f"LL-{1040 + i}", "MacBook Pro 14", f"2026-{(i % 9) + 1:02d}-15", "NIST 800-88 purge",
            "" if i in (4, 11) else f"CoD-2026-{i + 1:03d}"] for i in range(14)]))
    f["vendor_review"] = write("vendor-soc-report-review-cloudhost.pdf", pdf([
        "Vendor SOC 2 report review - CloudHost Inc. (infrastructure provider)",
        "Report period: 2024-04-01 to 2025-03-31   Opinion: unqualified",
        "Complementary user entity controls mapped: 6 of 6",
        "Reviewed by: Tomás Ferreira   Date: 2025-06-15"]))
    f["tabletop"] = write("incident-response-tabletop-2026-05.pdf", pdf([
        "Incident response tabletop exercise - 12 May 2026",
        "Scenario: leaked API key used to read customer invoices",
        "Participants: Priya Raman, Ravi Menon, Sofia Lindqvist, Grace O'Connell",
        "Lessons learned: 3 (tracked in GRC-212, GRC-213, GRC-214)"]))
    return f


def build(handle: EngagementHandle) -> None:
    """Add this area's records to the demo engagement."""
    # inside the engagement (swept if interrupted): nothing is written outside the engagement folder
    with tempfile.TemporaryDirectory(prefix=".tmp-demo-uploads-", dir=handle.root) as tmp:
        f = _files(Path(tmp))

        def attach(ref: str, key: str, as_of: str, description: str, received_from: str | None = None) -> int:
            return evidence.attach(handle, ref, [f[key]], as_of=as_of, description=description,
                                   received_from=received_from)[0].evidence.id

        ev_review = attach("AC-01", "review_signoff", "2026-07-10", "Q2 access review, signed by the CISO",
                           "Diego Alvarez")
        ev_terms = attach("AC-03", "hr_terms", "2026-09-30", "HR terminations report for the period",
                          "Hannah Köhler")
        ev_terms_for_review = attach("AC-01", "hr_terms", "2026-09-30", "HR terminations report for the period",
                                     "Hannah Köhler")
        attach("AC-03", "offboarding", "2026-02-02", "Offboarding checklist (policy in force)", "Hannah Köhler")
        attach("CE-03", "org_chart", "2026-06-30", "Organizational chart as of June 2026", "Hannah Köhler")
        ev_bp = attach("CM-01", "branch_protection", "2026-09-15", "Branch protection on main (API export)",
                       "Marcus Oyelaran")
        ev_disposal = attach("AC-08", "disposal", "2026-09-30", "Laptop disposal log with certificates",
                             "Diego Alvarez")
        ev_vendor = attach("RM-02", "vendor_review", "2025-06-15", "CloudHost SOC 2 report review",
                           "Tomás Ferreira")
        ev_tabletop = attach("OP-04", "tabletop", "2026-05-12", "Tabletop exercise report", "Priya Raman")

        access = reperformance.run_comparison(
            handle, "AC-01", f["idp"], f["reviewed"], key_a="login", key_b="User Email", key_mode="username",
            columns=[("role", "Access level"), ("department", "Department")],
            title="Q2 user access review re-performed", label_a="IdP export (pulled by us)",
            label_b="Reviewed list", as_of=dt.date(2026, 6, 30))
        # Every difference is decided, except the two still being followed up (the control stays flagged
        # `unresolved_differences` until they are).
        by_key = {d.key: d.id for d in reperformance.list_differences(handle, "AC-01",
                                                                      reperformance_id=access.reperformance.id)}
        reperformance.resolve_differences(handle, "AC-01", [by_key["nkhan"]], Disposition.not_deviation,
                                          "Account created on 2026-07-02, after the reviewed list was prepared.")
        reperformance.resolve_differences(handle, "AC-01", [by_key["lfischer"]], Disposition.not_deviation,
                                          "The Support department was renamed Customer Support in the HRIS.")
        reperformance.resolve_differences(handle, "AC-01", [by_key["bwright@lumenledger.example"]],
                                          Disposition.explained, "Left in March and deactivated on the last day "
                                          "(HR terminations report); the reviewed list was extracted before.",
                                          ev_terms_for_review)
        reperformance.conclude_reperformance(
            handle, access.reperformance.id,
            "5 differences. Not deviations: 1 account created after the reviewed list was prepared, 1 renamed "
            "department. Explained: 1 former employee still on the reviewed list, deactivated on the last day. "
            "Open, followed up with Diego Alvarez: the deploy service account (admin) was never reviewed and 1 "
            "access level differs.")
        terms = reperformance.run_comparison(
            handle, "AC-03", f["hr_terms"], f["deactivations"], key_a="Employee email", key_b="user",
            key_mode="username", columns=[], date_window=DateWindow("Last day", "deactivated_on", 1),
            title="Terminations vs account deactivation", label_a="HR terminations", label_b="IdP deactivation log",
            as_of=dt.date(2026, 9, 30), whole_population=True)
        for diff in reperformance.list_differences(handle, "AC-03", reperformance_id=terms.reperformance.id):
            if diff.kind == "date_window":  # one account deactivated six days after the last day
                reperformance.resolve_differences(handle, "AC-03", [diff.id], Disposition.exception,
                                                  "the account was deactivated 6 days after the last day")
            elif diff.kind == "only_in_a":  # one terminated user with no deactivation record at all
                reperformance.resolve_differences(handle, "AC-03", [diff.id], Disposition.exception,
                                                  "no deactivation of the account was recorded")
        reperformance.conclude_reperformance(
            handle, terms.reperformance.id,
            "All 5 terminations of the period compared: 1 account deactivated 6 days late and 1 never deactivated, "
            "both raised as exceptions.")

    def interview(person: str, role: str, held_on: str, topic: str, lines: list[tuple[str, str, str, int | None,
                                                                                          str]]) -> None:
        iv = interviews.create_interview(handle, person, role=role, held_on=held_on, interviewer="Elena Petrova",
                                         topic=topic)
        for text, refs, state, ev_id, note in lines:
            st = interviews.add_statement(handle, iv.id, text, refs)
            if state != Corroboration.uncorroborated:
                interviews.set_corroboration(handle, st.id, state, ev_id, note)

    U, C, X = Corroboration.uncorroborated, Corroboration.corroborated, Corroboration.contradicted
    interview("Diego Alvarez", "it_administration", "2026-10-14", "Access provisioning, reviews and disposal", [
        ("Every quarter I export all production users and each manager confirms or removes access.", "AC-01", C,
         ev_review, "Q2 review signed by the CISO on 10 July."),
        ("New access is only granted from an approved ticket; I never grant access from Slack.", "AC-02", U, None, ""),
        ("Every decommissioned laptop is wiped and we keep a certificate of destruction for each one.", "AC-08", X,
         ev_disposal, "The disposal log has no certificate for LL-1044 and LL-1051."),
        # near-identical to what HR said the next day: the coached-answer signal shows them side by side
        ("HR enters the last day in the HRIS, and IT then removes the access on the same day.", "AC-03", C, ev_terms,
         "Terminations report matches the HRIS; the two late deactivations are raised as exceptions."),
    ])
    interview("Hannah Köhler", "hr", "2026-10-15", "Onboarding and offboarding", [
        ("HR enters the last day in the HRIS and IT removes access the same day.", "AC-03", C, ev_terms,
         "Terminations report matches the HRIS."),
        ("Background checks are completed before anyone starts.", "CE-04", U, None, ""),
    ])
    interview("Marcus Oyelaran", "engineering", "2026-09-16", "Change management", [
        ("No one can merge to main without an approving review and green CI.", "CM-01 CM-02", C, ev_bp,
         "Branch protection requires 1 approval and ci/test."),
        ("Emergency fixes are reviewed after the fact within two days.", "CM-03", U, None, ""),
    ])
    interview("Priya Raman", "security_operations", "2026-10-20", "Risk assessment, vendors and incident response", [
        ("We assess significant changes for new risks every quarter in the risk committee.", "RA-02", U, None, ""),
        ("We review the SOC report of every critical vendor each year.", "RM-02", C, ev_vendor,
         "CloudHost review on file."),
        ("The incident response plan was tested in May with a tabletop exercise.", "OP-04", C, ev_tabletop,
         "Tabletop report dated 12 May 2026."),
        ("Security tooling moved to a new managed detection provider in July.", "", U, None, ""),
    ])
    interview("Sofia Lindqvist", "engineering", "2026-09-21", "Privileged access", [
        ("Only the five SREs on call hold the production admin role.", "AC-05", U, None, ""),
    ])
    interview_plan.set_control_roles(handle, "AC-05", ["engineering"],
                                     "Production admin rights are held and granted by the SRE team, not IT")

    observations.add_observation(
        handle, "CM-01", observed_at=dt.datetime(2026, 9, 16, 14, 20, tzinfo=dt.UTC),
        location="Screen share with the VP Engineering",
        description="Watched PR #4821 go to production: merge stayed blocked until one approval and ci/test passed.",
        observed_by="Elena Petrova")
    observations.add_observation(
        handle, "AC-05", observed_at=dt.datetime(2026, 9, 21, 10, 5, tzinfo=dt.UTC),
        location="Lisbon office, SRE area",
        description="An engineer without the admin role was refused the production console (403 logged in SIEM).",
        observed_by="Elena Petrova")
    observations.add_observation(
        handle, "OP-04", observed_at=dt.datetime(2026, 9, 24, 15, 0, tzinfo=dt.UTC),
        location="Video call, quarterly incident review",
        description="Security team walked through the open lessons-learned items from the May tabletop.",
        observed_by="Elena Petrova")
