"""Test helpers for the bundle tests: put a file in the vault and fill one control with a record of
every kind (every free-text field carrying the same text, e.g. a markup payload)."""

from __future__ import annotations

import datetime as dt
import hashlib

from fieldwork_tui.domain.vocab import (
    Conclusion,
    Corroboration,
    DifferenceKind,
    PersonRole,
    PersonSide,
    RemediationStatus,
    SampleResult,
)
from fieldwork_tui.services.controls.catalog import add_control, find_control
from fieldwork_tui.services.maintenance.check import evidence_path
from fieldwork_tui.store.models import (
    ControlException,
    EvidenceControl,
    EvidenceFile,
    EvidenceRequest,
    InquiryStatement,
    Interview,
    ManagementResponse,
    Observation,
    Person,
    Population,
    Reperformance,
    ReperformanceDifference,
    RequestControl,
    Sample,
    SampleItem,
    StatementControl,
)


def attach_file(handle, ref: str, name: str, content: bytes, *, description: str = "", as_of=None) -> EvidenceFile:
    """Store `content` in the vault (through the vault itself) and link it to control `ref` under
    `name` — any name, as a client's file list may carry (paths, control characters, device names)."""
    import tempfile
    from pathlib import Path

    from fieldwork_tui.services.evidence.files import vault

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "blob"
        source.write_bytes(content)
        blob = vault(handle).store(source)
    assert blob.sha256 == hashlib.sha256(content).hexdigest()
    with handle.session() as s:
        c = find_control(s, ref)
        ef = EvidenceFile(sha256=blob.sha256, size=blob.size, original_name=name, original_path=f"/client/{name}",
                          description=description, as_of=as_of, added_by=handle.actor)
        s.add(ef)
        s.flush()
        s.add(EvidenceControl(evidence_id=ef.id, control_id=c.id))
    return ef


def fill_control(handle, ref: str, text: str) -> None:
    """Create control `ref` (if needed) with one record of every kind, `text` in every free-text field."""
    with handle.read() as s:
        try:
            find_control(s, ref)
            exists = True
        except Exception:
            exists = False
    if not exists:
        add_control(handle, ref, f"{text} title", description=f"{text} description", criteria=["CC6.1"])
    ef = attach_file(handle, ref, f"{text}.pdf", f"evidence {text}".encode(), description=f"{text} file",
                     as_of=dt.date(2026, 6, 30))
    with handle.session() as s:
        c = find_control(s, ref)
        c.conclusion, c.conclusion_note = Conclusion.effective_with_exceptions, f"{text} conclusion"
        s.add(c)
        person = Person(name=f"{text} person", side=PersonSide.client, title=f"{text} title",
                        role=PersonRole.it_administration)
        s.add(person)
        s.flush()
        iv = Interview(person_id=person.id, held_on=dt.date(2026, 5, 4), interviewer=f"{text} interviewer",
                       topic=f"{text} topic")
        s.add(iv)
        s.flush()
        st = InquiryStatement(interview_id=iv.id, text=f"{text} statement", corroboration=Corroboration.corroborated,
                              evidence_id=ef.id, corroboration_note=f"{text} corroboration")
        s.add(st)
        s.flush()
        s.add(StatementControl(statement_id=st.id, control_id=c.id))
        s.add(Observation(control_id=c.id, observed_at=dt.datetime(2026, 5, 5, 10, tzinfo=dt.UTC),
                          location=f"{text} location", description=f"{text} observed", observed_by=f"{text} observer"))
        rp = Reperformance(control_id=c.id, title=f"{text} reperformance", list_a_label=f"{text} A",
                           list_b_label=f"{text} B", key_a="email", key_b="user", count_a=10, count_b=9, only_in_a=1,
                           conclusion=f"{text} rp conclusion", performed_by="elena")
        s.add(rp)
        s.flush()
        s.add(ReperformanceDifference(reperformance_id=rp.id, kind=DifferenceKind.only_in_a, key=f"{text} key",
                                      details={"note": f"{text} detail"}))
        pop = Population(control_id=c.id, source_name=f"{text} population.csv", key_column="id", row_count=250,
                         sha256="ab" * 32)
        s.add(pop)
        s.flush()
        sm = Sample(control_id=c.id, population_id=pop.id, method=f"{text} method", seed="cd" * 32, size=2,
                    policy_preset="guide", policy_size=25, override_reason=f"{text} override",
                    population_sha256="ab" * 32, conclusion_reason=f"{text} reason")
        s.add(sm)
        s.flush()
        item_ok = SampleItem(sample_id=sm.id, position=1, key=f"{text} item", result=SampleResult.passed,
                             note=f"{text} item note", tested_by="elena")
        item_bad = SampleItem(sample_id=sm.id, position=2, key="ITEM-2", result=SampleResult.deviation,
                              note="approval missing")
        s.add(item_ok)
        s.add(item_bad)
        s.flush()
        ex = ControlException(control_id=c.id, sample_item_id=item_bad.id, instance=f"{text} instance",
                              planned_control=f"{text} planned", deviation=f"{text} deviation",
                              report_wording=f"{text} wording", wording_edited=True)
        s.add(ex)
        s.flush()
        s.add(ManagementResponse(exception_id=ex.id, root_cause=f"{text} root cause",
                                 corrective_action=f"{text} corrective", compensating_controls=f"{text} compensating",
                                 remediation_status=RemediationStatus.in_progress, responder=f"{text} responder",
                                 remediation_date=dt.date(2026, 12, 31)))
        rq = EvidenceRequest(ref="PBC-900", description=f"{text} request", due_on=dt.date(2026, 11, 1),
                             owner_id=person.id)
        s.add(rq)
        s.flush()
        s.add(RequestControl(request_id=rq.id, control_id=c.id))
    from fieldwork_tui.services.findings.review import add_note

    add_note(handle, ref, f"{text} note")
    add_note(handle, ref, f"{text} exception note", exception_id=ex.id)


def tamper(handle, sha256: str, content: bytes | None = None) -> None:
    """Change (or, with None, delete) a vault file behind the app's back (vault blobs are read-only)."""
    import os

    path = evidence_path(handle, sha256)
    os.chmod(path, 0o600)
    if content is None:
        path.unlink()
    else:
        path.write_bytes(content)
