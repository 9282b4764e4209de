"""The bundle's OSCAL assessment-results document (NIST OSCAL 1.1.x model).

Mapping: each piece of fieldwork becomes an observation whose method says how it was gathered
(inquiry → INTERVIEW; observation and inspection → EXAMINE; re-performance and sampling → TEST);
each control gets a finding (satisfied / not-satisfied) linked to its observations; each exception
becomes a risk carrying the management response (remediation, compensating controls as mitigating
factors); evidence files are back-matter resources with their SHA-256 and a link into `evidence/`.
UUIDs are version 5, derived from the engagement's id, so a re-export names the same things the same.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any
from urllib.parse import quote

from fieldwork_tui.domain.vocab import Conclusion, RemediationStatus
from fieldwork_tui.services.bundle.data import BundleData, ControlPaper

OSCAL_VERSION = "1.1.2"
NS = "urn:fieldwork-tui"
_NAMESPACE = uuid.UUID("5b8f5e0a-2f7e-5c43-9a43-7d0f2f6f0b11")


def token(text: str, prefix: str = "c-") -> str:
    """An OSCAL token (letter or underscore first; letters, digits, '.', '-', '_' after)."""
    t = re.sub(r"[^A-Za-z0-9._-]+", "-", str(text)).strip("-").lower() or "x"
    return t if re.match(r"[A-Za-z_]", t) else prefix + t


def _text(value: Any, fallback: str) -> str:
    s = str(value or "").strip()
    return s or fallback


def _stamp(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


class OscalBuilder:
    def __init__(self, data: BundleData) -> None:
        self.data = data
        self.eng = data.engagement
        self.observations: list[dict] = []
        self.risks: list[dict] = []
        self.findings: list[dict] = []
        self.resources: list[dict] = []
        self._resource_for: dict[str, str] = {}
        self._party_for: dict[int, str] = {}

    def uid(self, *parts: Any) -> str:
        return str(uuid.uuid5(_NAMESPACE, "/".join([self.eng.uid, *map(str, parts)])))

    def _prop(self, name: str, value: Any) -> dict:
        return {"name": name, "ns": NS, "value": _text(value, "-")}

    # -- evidence ---------------------------------------------------------------------------------
    def add_evidence_resources(self) -> None:
        for member, f, _path in self.data.unique_evidence():
            rid = self.uid("resource", member)
            self._resource_for[member] = rid
            self.resources.append({
                "uuid": rid,
                "title": _text(f.original_name, member),
                "description": _text(f.description, f"Evidence file {f.original_name}"),
                "props": [self._prop("added-by", f.added_by or "-"), self._prop("added-at", _stamp(f.added_at))]
                + ([self._prop("as-of", f.as_of.isoformat())] if f.as_of else []),
                "rlinks": [{"href": "../" + quote(member, safe="/"), "media-type": f.media_type or
                            "application/octet-stream", "hashes": [{"algorithm": "SHA-256", "value": f.sha256}]}],
            })

    def _evidence_links(self, members: list[str]) -> list[dict]:
        return [{"href": f"#{self._resource_for[m]}", "description": f"Evidence file {m.split('/', 1)[-1]}"}
                for m in members if m in self._resource_for]

    # -- one control ------------------------------------------------------------------------------
    def _observation(self, key: tuple, ref: str, title: str, description: str, method: str,
                     collected: Any, evidence: list[str] = (), subjects: list[dict] = ()) -> str:
        oid = self.uid("observation", *key)
        obs: dict[str, Any] = {
            "uuid": oid, "title": title, "description": _text(description, title), "props": [self._prop("control-ref", ref)],
            "methods": [method], "types": ["control-objective"],
            "collected": _stamp(collected) or _stamp(self.data.generated_at),
        }
        if subjects:
            obs["subjects"] = list(subjects)
        links = self._evidence_links(list(evidence))
        if links:
            obs["relevant-evidence"] = links
        self.observations.append(obs)
        return oid

    def add_control(self, paper: ControlPaper) -> None:
        c = paper.control
        ref = c.ref
        obs_ids: list[str] = []
        for st in paper.statements:
            subjects = []
            if st.person is not None:
                subjects = [{"subject-uuid": self.uid("party", "person", st.person.id), "type": "party"}]
            evidence = [e.member for e in paper.evidence if e.file.id == st.statement.evidence_id]
            obs_ids.append(self._observation(
                ("statement", st.statement.id, ref), ref, f"{ref}: inquiry of {st.person.name if st.person else 'personnel'}",
                f"{st.statement.text} (corroboration: {st.statement.corroboration.value})", "INTERVIEW",
                st.interview.held_on, evidence, subjects))
        for o in paper.observations:
            obs_ids.append(self._observation(("observation", o.id), ref, f"{ref}: observation",
                                             f"{o.description} ({o.location})" if o.location else o.description,
                                             "EXAMINE", o.observed_at))
        if paper.evidence:
            obs_ids.append(self._observation(
                ("inspection", c.id), ref, f"{ref}: inspection of {len(paper.evidence)} evidence files",
                "Inspected " + "; ".join(e.file.description or e.file.original_name for e in paper.evidence),
                "EXAMINE", max(e.file.added_at for e in paper.evidence), [e.member for e in paper.evidence]))
        for rv in paper.reperformances:
            r = rv.reperformance
            obs_ids.append(self._observation(
                ("reperformance", r.id), ref, f"{ref}: re-performance {r.title}".strip(),
                f"Compared {r.list_a_label} ({r.count_a}) with {r.list_b_label} ({r.count_b}): {r.only_in_a} only in "
                f"{r.list_a_label}, {r.only_in_b} only in {r.list_b_label}, {r.differing} differing. {r.conclusion}",
                "TEST", r.created_at))
        for sv in paper.samples:
            s = sv.sample
            counts = sv.counts
            obs_ids.append(self._observation(
                ("sample", s.id), ref, f"{ref}: {s.kind.value} sample of {s.size}",
                f"Sample of {s.size} selected with seed {s.seed} from a population with SHA-256 {s.population_sha256}; "
                f"{counts.get('passed', 0)} passed, {counts.get('deviation', 0)} deviations, "
                f"{counts.get('untested', 0)} untested.", "TEST", s.created_at))
        risk_ids = [self.add_risk(ref, e, obs_ids) for e in paper.exceptions]
        satisfied = c.conclusion in (Conclusion.effective, Conclusion.effective_with_exceptions) and all(
            e.response is not None for e in paper.exceptions)
        status: dict[str, Any] = {"state": "satisfied" if satisfied else "not-satisfied"}
        if c.conclusion is None:
            status.update(reason="other", remarks="Testing not concluded.")
        else:
            status["reason"] = "pass" if satisfied else "fail"
        finding: dict[str, Any] = {
            "uuid": self.uid("finding", c.id), "title": f"{ref}: {c.title}".strip(),
            "description": _text(c.description, c.title or ref),
            "props": [self._prop("control-ref", ref)] + [self._prop("flag", f.value) for f in paper.summary.flags],
            "target": {"type": "objective-id", "target-id": token(ref), "title": _text(c.title, ref), "status": status},
        }
        if obs_ids:
            finding["related-observations"] = [{"observation-uuid": o} for o in obs_ids]
        if risk_ids:
            finding["related-risks"] = [{"risk-uuid": r} for r in risk_ids]
        self.findings.append(finding)

    def add_risk(self, ref: str, e, obs_ids: list[str]) -> str:
        x, r = e.exception, e.response
        rid = self.uid("risk", x.id)
        status = "open"
        if r is not None:
            status = {RemediationStatus.remediated: "closed", RemediationStatus.in_progress: "remediating"}.get(
                r.remediation_status, "open")
        risk: dict[str, Any] = {
            "uuid": rid, "title": f"{ref}: exception {x.instance}".strip(),
            "description": _text(x.deviation, "Deviation from the control as described."),
            "statement": f"Planned control: {_text(x.planned_control, 'as described')}. Deviation: "
                         f"{_text(x.deviation, 'not described')}.",
            "props": [self._prop("control-ref", ref), self._prop("exception-type", x.exception_type.value),
                      self._prop("effectiveness", x.effectiveness.value)],
            "status": status,
        }
        if r is not None:
            if r.compensating_controls.strip():
                risk["mitigating-factors"] = [{"uuid": self.uid("mitigation", x.id),
                                               "description": r.compensating_controls.strip()}]
            remediation: dict[str, Any] = {
                "uuid": self.uid("response", x.id),
                "lifecycle": "completed" if r.remediation_status == RemediationStatus.remediated else "planned",
                "title": "Management response",
                "description": _text(r.corrective_action, "No corrective action described."),
                "remarks": f"Root cause: {_text(r.root_cause, 'not stated')}. Responder: {_text(r.responder, '-')}.",
            }
            if r.remediation_date:
                remediation["props"] = [self._prop("remediation-date", r.remediation_date.isoformat())]
            risk["remediations"] = [remediation]
        if obs_ids:
            risk["related-observations"] = [{"observation-uuid": o} for o in obs_ids]
        self.risks.append(risk)
        return rid

    # -- the document -----------------------------------------------------------------------------
    def document(self) -> dict:
        eng, data = self.eng, self.data
        plan_id = self.uid("assessment-plan")
        criteria = sorted({cr.lower() for c in data.controls for cr in c.control.criteria})
        parties = [{"uuid": self.uid("party", "organization"), "type": "organization",
                    "name": _text(eng.service_organization, eng.name)}]
        for pid, p in sorted(data.people.items()):
            parties.append({"uuid": self.uid("party", "person", pid), "type": "person", "name": _text(p.name, "-"),
                            **({"email-addresses": [p.email]} if "@" in (p.email or "") else {})})
        result: dict[str, Any] = {
            "uuid": self.uid("result"),
            "title": f"SOC 2 {'Type II' if eng.type.value == 'type2' else 'Type I'} fieldwork: {eng.name}",
            "description": f"Tests of controls of {_text(eng.service_organization, eng.name)} for the period "
                           f"{eng.period_start} to {eng.period_end} (phase: {eng.phase.value}).",
            "start": _stamp(eng.period_start),
            "end": _stamp(dt.datetime.combine(eng.period_end, dt.time(23, 59, 59), tzinfo=dt.UTC)),
            "reviewed-controls": {"control-selections": [
                {"include-controls": [{"control-id": token(cr)} for cr in criteria]} if criteria
                else {"include-all": {}}]},
        }
        if self.observations:
            result["observations"] = self.observations
        if self.risks:
            result["risks"] = self.risks
        if self.findings:
            result["findings"] = self.findings
        resources = [{"uuid": plan_id, "title": "Assessment plan",
                      "description": f"The engagement's audit plan: {eng.name}, SOC 2 against the 2017 Trust Services "
                                     f"Criteria, categories {', '.join(eng.categories)}."}] + self.resources
        return {"assessment-results": {
            "uuid": self.uid("assessment-results", data.generated_at.isoformat()),
            "metadata": {
                "title": f"Assessment results: {eng.name}",
                "last-modified": _stamp(data.generated_at),
                "version": data.generated_at.strftime("%Y.%m.%d-%H%M%S"),
                "oscal-version": OSCAL_VERSION,
                "props": [self._prop("engagement-type", eng.type.value), self._prop("phase", eng.phase.value)],
                "parties": parties,
            },
            "import-ap": {"href": f"#{plan_id}"},
            "results": [result],
            "back-matter": {"resources": resources},
        }}
