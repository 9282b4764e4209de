"""The bundle's OSCAL documents (NIST OSCAL 1.1.2): `oscal/assessment-plan.json` and
`oscal/assessment-results.json` — docs/oscal.md describes both.

Mapping: each piece of fieldwork becomes an observation whose method says how it was gathered
(inquiry → INTERVIEW; observation and inspection → EXAMINE; re-performance and sampling → TEST);
each exception is an observation of type `finding` and a risk carrying the management response;
evidence files are back-matter resources with their SHA-256 and a link into `evidence/`. A control
gets a finding only when its determination is published (`domain.determination`: defensible,
concluded, sign-off current) — `satisfied` for effective (with or without exceptions), `not-satisfied`
for not effective; every other control is listed with its open work in the result's attestation,
never as a failed finding. UUIDs are version 5, derived from the engagement's id, so a re-export names
the same things the same (the documents included).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any
from urllib.parse import quote

from fieldwork_tui.domain.determination import determination
from fieldwork_tui.domain.flags import label as flag_label
from fieldwork_tui.domain.prose import labelled, sentences
from fieldwork_tui.domain.vocab import RemediationStatus
from fieldwork_tui.services.bundle.data import BundleData, ControlPaper

OSCAL_VERSION = "1.1.2"
#: The namespace of every property and part the project defines (docs/oscal.md lists the names).
NS = "https://fieldwork-tui.github.io/ns/oscal"
_NAMESPACE = uuid.UUID("5b8f5e0a-2f7e-5c43-9a43-7d0f2f6f0b11")
#: The plan's member name, relative to the results (both live in `oscal/`).
PLAN_HREF = "assessment-plan.json"


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


def objective_id(ref: str) -> str:
    """The id of a control's objective in the plan (what its finding targets)."""
    return token(f"obj-{ref}")


class OscalBuilder:
    def __init__(self, data: BundleData) -> None:
        self.data = data
        self.eng = data.engagement
        self.observations: list[dict] = []
        self.risks: list[dict] = []
        self.findings: list[dict] = []
        self.open: list[dict] = []  # attestation parts: controls without a published determination
        self.objectives: list[dict] = []
        self.resources: list[dict] = []
        self._resource_for: dict[str, str] = {}
        self._party_for: dict[int, str] = {}
        self._collected: list[dt.datetime] = []

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
                     collected: Any, evidence: list[str] = (), subjects: list[dict] = (),
                     types: tuple[str, ...] = ("control-objective",)) -> str:
        oid = self.uid("observation", *key)
        when = _when(collected) or self.data.generated_at
        self._collected.append(when)
        obs: dict[str, Any] = {
            "uuid": oid, "title": title, "description": _text(description, title), "props": [self._prop("control-ref", ref)],
            "methods": [method], "types": list(types), "collected": when,  # a datetime until document()
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
        self._add_objective(paper)
        obs_ids: list[str] = []
        for st in paper.statements:
            subjects = []
            if st.person.id:
                subjects = [{"subject-uuid": self.uid("party", "person", st.person.id), "type": "party"}]
            rests_on = {st.statement.evidence_id, st.statement.evidence.resolution_evidence_id} - {None}
            evidence = [e.member for e in paper.evidence if e.file.id in rests_on]
            # by role and title, never by name (the party the subject points to carries the name)
            who = st.person.role_title or "personnel"
            obs_ids.append(self._observation(
                ("statement", st.statement.id, ref), ref, f"{ref}: inquiry of {who}",
                f"{st.statement.text} ({st.statement.describe()})", "INTERVIEW",
                st.held_on, evidence, subjects))
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
        risk_ids = []
        for e in paper.exceptions:
            x = e.exception
            ex_obs = self._observation(("exception", x.id), ref, f"{ref}: exception #{x.id}",
                                       _text(x.report_wording or x.deviation, "Deviation from the control."),
                                       "TEST", x.created_at, types=("finding",))
            risk_ids.append(self.add_risk(ref, e, [*obs_ids, ex_obs]))
            obs_ids.append(ex_obs)
        flags = list(paper.summary.flags)
        performed = bool(paper.row.procedures) if paper.row is not None else bool(paper.summary.evidence_types)
        d = determination(c.conclusion, flags, tests_performed=performed)
        flag_props = [self._prop("flag", f.value) for f in flags]
        if not d.published:
            self.open.append({
                "name": "open-determination", "ns": NS, "title": f"{ref}: {c.title}".strip(),
                "props": [self._prop("control-ref", ref)] + flag_props,
                "prose": d.remarks + (f" Flags: {', '.join(flag_label(f) for f in flags)}." if flags else ""),
            })
            return
        finding: dict[str, Any] = {
            "uuid": self.uid("finding", c.id), "title": f"{ref}: {c.title}".strip(),
            "description": _text(c.description, c.title or ref),
            "props": [self._prop("control-ref", ref), self._prop("conclusion", c.conclusion.value)] + flag_props,
            "target": {"type": "objective-id", "target-id": objective_id(ref), "title": _text(c.title, ref),
                       "status": {"state": d.state, "reason": d.reason, "remarks": d.remarks}},
        }
        if obs_ids:
            finding["related-observations"] = [{"observation-uuid": o} for o in obs_ids]
        if risk_ids:
            finding["related-risks"] = [{"risk-uuid": r} for r in risk_ids]
        self.findings.append(finding)

    def _add_objective(self, paper: ControlPaper) -> None:
        c = paper.control
        criteria = [cr for cr in c.criteria if cr] or [c.ref]
        self.objectives.append({
            "control-id": token(criteria[0].lower()),
            "description": _text(c.description, c.title or c.ref),
            "props": [self._prop("control-ref", c.ref)] + [self._prop("criterion", cr) for cr in c.criteria],
            "parts": [{"id": objective_id(c.ref), "name": "objective", "ns": NS, "title": _text(c.title, c.ref),
                       "prose": _text(c.description, c.title or c.ref)},
                      {"name": "assessment", "ns": NS, "title": "Required techniques",
                       "prose": ", ".join(c.required_types) or "as planned"}],
        })

    def add_risk(self, ref: str, e, obs_ids: list[str]) -> str:
        x, r = e.exception, e.response
        rid = self.uid("risk", x.id)
        status = "open"
        if r is not None:
            status = {RemediationStatus.remediated: "closed", RemediationStatus.in_progress: "remediating"}.get(
                r.remediation_status, "open")
        risk: dict[str, Any] = {
            "uuid": rid, "title": f"{ref}: exception #{x.id}",
            "description": _text(x.report_wording or x.deviation, "Deviation from the control as described."),
            "statement": sentences(labelled("Planned control", _text(x.planned_control, "as described")),
                                   labelled("Deviation", _text(x.deviation, "not described"))),
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

    # -- the documents ----------------------------------------------------------------------------
    def _criteria(self) -> list[str]:
        return sorted({cr.lower() for c in self.data.controls for cr in c.control.criteria})

    def _reviewed_controls(self) -> dict:
        criteria = self._criteria()
        return {"control-selections": [
            {"include-controls": [{"control-id": token(cr)} for cr in criteria]} if criteria
            else {"include-all": {}}]}

    def _parties(self) -> list[dict]:
        eng = self.eng
        parties = [{"uuid": self.uid("party", "organization"), "type": "organization",
                    "name": _text(eng.service_organization, eng.name)}]
        for pid, p in sorted(self.data.people.items()):
            parties.append({"uuid": self.uid("party", "person", pid), "type": "person", "name": _text(p.name, "-"),
                            **({"email-addresses": [p.email]} if "@" in (p.email or "") else {})})
        return parties

    def _metadata(self, title: str) -> dict:
        eng, data = self.eng, self.data
        return {
            "title": title,
            "last-modified": _stamp(data.generated_at),
            "version": data.generated_at.strftime("%Y.%m.%d-%H%M%S"),
            "oscal-version": OSCAL_VERSION,
            "props": [self._prop("engagement-type", eng.type.value), self._prop("phase", eng.phase.value)],
            "parties": self._parties(),
        }

    def window(self) -> tuple[dt.datetime, dt.datetime]:
        """The result's window: fieldwork, from the first record collected (or the kick-off) to the export."""
        end = self.data.generated_at
        starts = [t for t in self._collected if t <= end]
        kickoff = _when(self.eng.kickoff_on)
        if kickoff is not None and kickoff <= end:
            starts.append(kickoff)
        return (min(starts) if starts else end), end

    def document(self) -> dict:
        eng = self.eng
        start, end = self.window()
        observations = []
        for o in self.observations:  # every `collected` inside the result's window
            o = dict(o)
            o["collected"] = _stamp(min(max(o["collected"], start), end))
            observations.append(o)
        result: dict[str, Any] = {
            "uuid": self.uid("result"),
            "title": f"SOC 2 {'Type II' if eng.type.value == 'type2' else 'Type I'} fieldwork: {eng.name}",
            "description": f"Tests of controls of {_text(eng.service_organization, eng.name)} for the period "
                           f"{eng.period_start} to {eng.period_end} (phase: {eng.phase.value}).",
            "start": _stamp(start),
            "end": _stamp(end),
            "props": [self._prop("audit-period-start", eng.period_start.isoformat()),
                      self._prop("audit-period-end", eng.period_end.isoformat())],
            "reviewed-controls": self._reviewed_controls(),
        }
        if self.open:
            result["attestations"] = [{"parts": [{
                "name": "open-determinations", "ns": NS, "title": "Controls without a determination yet",
                "prose": f"{len(self.open)} control(s) have no finding: their testing is not complete, not "
                         "concluded or not signed off. They are not failed controls.",
                "parts": self.open}]}]
        if observations:
            result["observations"] = observations
        if self.risks:
            result["risks"] = self.risks
        if self.findings:
            result["findings"] = self.findings
        doc: dict[str, Any] = {
            "uuid": self.uid("assessment-results"),
            "metadata": self._metadata(f"Assessment results: {eng.name}"),
            "import-ap": {"href": PLAN_HREF},
            "results": [result],
        }
        if self.resources:
            doc["back-matter"] = {"resources": self.resources}
        return {"assessment-results": doc}

    def plan(self) -> dict:
        """The assessment plan the results import: the criteria in scope, one objective per control,
        the service organization as the subject."""
        eng = self.eng
        ssp = self.uid("resource", "system-description")
        plan: dict[str, Any] = {
            "uuid": self.uid("assessment-plan"),
            "metadata": self._metadata(f"Assessment plan: {eng.name}"),
            "import-ssp": {"href": f"#{ssp}"},
            "reviewed-controls": self._reviewed_controls(),
            "assessment-subjects": [{
                "type": "party", "description": f"The service organization {_text(eng.service_organization, eng.name)}.",
                "include-subjects": [{"subject-uuid": self.uid("party", "organization"), "type": "party"}]}],
            "terms-and-conditions": {"parts": [{
                "name": "scope", "ns": NS, "title": "Scope",
                "prose": f"SOC 2 {'Type II' if eng.type.value == 'type2' else 'Type I'} examination against the 2017 "
                         f"Trust Services Criteria ({', '.join(eng.categories) or 'security'}) for the period "
                         f"{eng.period_start} to {eng.period_end}."}]},
            "back-matter": {"resources": [{
                "uuid": ssp, "title": "System description",
                "description": f"The system description of {_text(eng.service_organization, eng.name)} (not part of "
                               "the bundle)."}]},
        }
        if self.objectives:
            plan["local-definitions"] = {"objectives-and-methods": self.objectives}
        return {"assessment-plan": plan}


def _when(value: dt.datetime | dt.date | None) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
