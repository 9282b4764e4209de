"""What a workpaper bundle shows, read from one engagement in one read transaction (a consistent
snapshot even while someone keeps working): the engagement, every control's workpaper, exceptions
with their responses, requests, review notes, sign-offs and the evidence files with their names
inside the bundle. Workpapers are built one control at a time so memory stays flat.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from fieldwork_tui.domain.bundle_names import NameAllocator
from fieldwork_tui.domain.coverage import flags_for, ordered_types
from fieldwork_tui.domain.difference_tables import DifferenceRow, DifferenceTable, difference_tables
from fieldwork_tui.domain.vocab import OPEN_REQUEST_STATUSES, DifferenceKind, Flag, SampleResult
from fieldwork_tui.services.bundle.memos import InterviewMemo, interview_memos
from fieldwork_tui.services.bundle.sampling import DrawRecord, SampleExport, SampleInputs
from fieldwork_tui.services.controls.facts import facts_and_statuses
from fieldwork_tui.services.evidence.interviews import control_statements
from fieldwork_tui.services.evidence.views import PersonView, StatementRow
from fieldwork_tui.services.findings.review import all_notes
from fieldwork_tui.services.findings.signoffs import all_signoff_views
from fieldwork_tui.services.findings.views import NoteView, SignOffView
from fieldwork_tui.services.sampling import testing
from fieldwork_tui.store.models import (
    Control,
    ControlException,
    Engagement,
    EvidenceControl,
    EvidenceFile,
    EvidenceRequest,
    ManagementResponse,
    Observation,
    Person,
    Population,
    Reperformance,
    ReperformanceDifference,
    RequestControl,
    Sample,
    SampleItem,
)

#: Re-performance differences listed per workpaper (the counts are always complete).
MAX_DIFFERENCES = 200
#: A difference's disposition cell until the auditor decides (the workpaper marks it).
OPEN = "open"
DISPOSITION_WORDS = {"exception": "exception", "explained": "explained", "not_deviation": "not a deviation"}


@dataclass
class EvidenceEntry:
    file: EvidenceFile
    member: str  # "evidence/<name>" inside the bundle
    controls: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StatementEntry:
    """A statement as the workpaper's inquiry section shows it, with its interview memo."""

    statement: StatementRow
    interview_id: int
    held_on: dt.date
    interviewer: str
    person: PersonView
    memo: str  # "interviews/<interview id>.html"


@dataclass
class SamplePaper:
    sample: Sample
    population: Population | None
    items: list[SampleItem]
    #: the draw's record (strata, rows passed over, replacements); on an initial draw also the inputs
    #: of the whole sample (engagement uid, seed, population file) — docs/sampling-method.md
    draw: DrawRecord | None = None
    inputs: SampleInputs | None = None

    @property
    def counts(self) -> Counter:
        return Counter(SampleResult(i.result).value for i in self.items)


@dataclass
class ReperformancePaper:
    reperformance: Reperformance
    differences: list[ReperformanceDifference]
    more: int = 0
    #: differences still without a disposition (all of them, not only the listed ones)
    unresolved: int = 0
    #: ids of differences decided by an exception raised before dispositions were recorded
    raised: frozenset[int] = frozenset()
    #: the compared lists' files in the bundle (None when not kept as evidence)
    list_a: EvidenceEntry | None = None
    list_b: EvidenceEntry | None = None

    def disposition(self, d: ReperformanceDifference) -> str:
        """What the auditor decided about one difference, as the workpaper says it ("open" until decided)."""
        if d.disposition:
            text = DISPOSITION_WORDS.get(str(d.disposition), str(d.disposition).replace("_", " "))
            if d.disposition_reason:
                text += f": {d.disposition_reason}"
            if d.disposition_evidence_id:
                text += f" (evidence #{d.disposition_evidence_id})"
            return text
        return "exception" if d.id in self.raised else OPEN

    @property
    def tables(self) -> list[DifferenceTable]:
        """The differences as tables in the lists' own names and columns (domain.difference_tables), each
        row ending with its disposition."""
        r = self.reperformance
        rows = [DifferenceRow(DifferenceKind(d.kind).value, d.key, d.details or {}, (self.disposition(d),))
                for d in self.differences]
        return difference_tables(rows, label_a=r.list_a_label, label_b=r.list_b_label, key_a=r.key_a, key_b=r.key_b,
                                 extra_columns=["Disposition"])


@dataclass
class ExceptionView:
    exception: ControlException
    response: ManagementResponse | None
    control_ref: str
    notes: list[NoteView] = field(default_factory=list)


@dataclass
class ControlSummary:
    control: Control
    owner: str
    evidence_types: list[str]
    flags: list[Flag]
    signoffs: list[SignOffView]
    member: str  # "workpapers/<ref>.html"
    exceptions: int = 0
    open_notes: int = 0
    status: str = "not_started"  # derived (domain.signoff.derive_status), never stored


@dataclass
class ControlPaper:
    summary: ControlSummary
    statements: list[StatementEntry]
    observations: list[Observation]
    evidence: list[EvidenceEntry]
    reperformances: list[ReperformancePaper]
    samples: list[SamplePaper]
    exceptions: list[ExceptionView]
    notes: list[NoteView]
    #: The control's section IV row (`.procedures`, `.results`), set by the exporter.
    row: Any = None
    #: Attribute testing: the test steps and the matrix of the latest sample (sampling's MatrixView),
    #: the walkthrough / test of one (SingleTestView), and the population file's member in the bundle.
    testing: Any = None
    single: Any = None
    population_member: str = ""

    @property
    def control(self) -> Control:
        return self.summary.control

class BundleData:
    """Reads everything once per export; `paper(summary)` builds one control's workpaper."""

    def __init__(self, session: Session, vault_file, actor: str = "") -> None:
        self.s = session
        self.actor = actor
        self.signer: Any = None  # who signs the export (name, fingerprint, principal), set by the exporter
        self.engagement: Engagement = session.exec(select(Engagement)).one()
        self.people = {p.id: p for p in session.exec(select(Person))}
        self.generated_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.notes = all_notes(session)
        facts, statuses = facts_and_statuses(session)
        views = all_signoff_views(session)
        names = NameAllocator()
        notes_open = Counter(n.control_ref for n in self.notes if n.is_open)
        self.controls: list[ControlSummary] = []
        for c in session.exec(select(Control).order_by(Control.ref)):
            f = facts[c.id]
            owner = self.people.get(c.owner_id)
            self.controls.append(ControlSummary(
                control=c, owner=owner.name if owner else "",
                evidence_types=[t.value for t in ordered_types(f.evidence_types)], flags=flags_for(f),
                signoffs=views.get(c.id, []), member=names.allocate("workpapers", f"{c.ref}.html", "control.html"),
                exceptions=f.exceptions, open_notes=notes_open.get(c.ref, 0),
                status=statuses[c.id].value))
        self.refs = {s.control.id: s.control.ref for s in self.controls}
        self.evidence: list[EvidenceEntry] = []
        self._evidence_by_id: dict[int, EvidenceEntry] = {}
        links: dict[int, list[str]] = defaultdict(list)
        for eid, cid in session.exec(select(EvidenceControl.evidence_id, EvidenceControl.control_id)):
            links[eid].append(self.refs.get(cid, ""))
        by_content: dict[tuple[str, str], str] = {}
        for ef in session.exec(select(EvidenceFile).order_by(EvidenceFile.id)):
            key = (ef.sha256, ef.original_name)
            member = by_content.get(key)
            if member is None:
                member = names.allocate("evidence", f"{ef.sha256[:8]}-{ef.original_name or 'file'}")
                by_content[key] = member
            entry = EvidenceEntry(ef, member, sorted(filter(None, links.get(ef.id, []))))
            self.evidence.append(entry)
            self._evidence_by_id[ef.id] = entry
        self.vault_file = vault_file
        eng = self.engagement
        self.sample_export = SampleExport(session, eng.uid, (eng.period_start, eng.period_end),
                                          {e.file.sha256: e.member for e in self.evidence})
        #: One memo per interview, named by its id only (no person's name in a member name).
        self.interviews: list[InterviewMemo] = interview_memos(
            session, lambda iv_id: names.allocate("interviews", f"{iv_id}.html", "interview.html"))
        self.memo_members = {m.id: m.member for m in self.interviews}

    def evidence_members(self) -> dict[int, str]:
        """Evidence id -> bundle member, for links from statements to the files they rest on."""
        return {eid: e.member for eid, e in self._evidence_by_id.items()}

    # -- engagement-wide lists ------------------------------------------------------------------
    def unique_evidence(self) -> list[tuple[str, EvidenceFile, Path]]:
        """(member, file, vault path) once per distinct bundle file."""
        seen: set[str] = set()
        out = []
        for e in self.evidence:
            if e.member not in seen:
                seen.add(e.member)
                out.append((e.member, e.file, self.vault_file(e.file.sha256)))
        return out

    def exceptions(self) -> list[ExceptionView]:
        notes = defaultdict(list)
        for n in self.notes:
            if n.target == "exception":
                notes[n.target_label].append(n)
        from fieldwork_tui.services.findings.exceptions import current_wordings

        wordings = current_wordings(self.s)
        out = []
        for ex, resp in self.s.exec(
            select(ControlException, ManagementResponse)
            .join(ManagementResponse, ManagementResponse.exception_id == ControlException.id, isouter=True)
            .order_by(ControlException.control_id, ControlException.id)
        ).all():
            self.s.expunge(ex)  # the wording as it reads now, never written back
            ex.report_wording = wordings[ex.id].text
            ref = self.refs.get(ex.control_id, "")
            out.append(ExceptionView(ex, resp, ref, notes.get(f"{ref} exception #{ex.id}", [])))
        out.sort(key=lambda v: (v.control_ref, v.exception.id))
        return out

    def requests(self, open_only: bool = False) -> list[tuple[EvidenceRequest, str, list[str]]]:
        links: dict[int, list[str]] = defaultdict(list)
        for rid, cid in self.s.exec(select(RequestControl.request_id, RequestControl.control_id)):
            links[rid].append(self.refs.get(cid, ""))
        q = select(EvidenceRequest).order_by(EvidenceRequest.ref)
        if open_only:
            q = q.where(EvidenceRequest.status.in_([st.value for st in OPEN_REQUEST_STATUSES]))
        out = []
        for r in self.s.exec(q):
            owner = self.people.get(r.owner_id)
            out.append((r, owner.name if owner else "", sorted(filter(None, links.get(r.id, [])))))
        return out

    def sample_items(self):
        """(control ref, sample, item) for every sample item, by control ref, then sample and position."""
        q = (select(Sample, SampleItem).join(SampleItem, SampleItem.sample_id == Sample.id)
             .order_by(Sample.control_id, Sample.id, SampleItem.position))
        rows = [(self.refs.get(s.control_id, ""), s, it) for s, it in self.s.exec(q)]
        rows.sort(key=lambda r: r[0])  # stable: keeps sample and position order within a control
        return rows

    def flag_counts(self) -> Counter:
        counts: Counter = Counter()
        for c in self.controls:
            counts.update(c.flags)
        return counts

    # -- one control ------------------------------------------------------------------------------
    def paper(self, summary: ControlSummary) -> ControlPaper:
        s, cid = self.s, summary.control.id
        statements = [StatementEntry(cs.statement, cs.interview_id, cs.held_on, cs.interviewer, cs.person,
                                     self.memo_members.get(cs.interview_id, ""))
                      for cs in control_statements(s, cid) if cs.statement.text]
        observations = list(s.exec(select(Observation).where(Observation.control_id == cid)
                                   .order_by(Observation.observed_at)))
        evidence = [self._evidence_by_id[eid] for eid in s.exec(
            select(EvidenceControl.evidence_id).where(EvidenceControl.control_id == cid)) if eid in self._evidence_by_id]
        evidence.sort(key=lambda e: (e.file.added_at, e.file.id))
        from fieldwork_tui.services.evidence.reperformance import open_clause

        reperformances = []
        for rp in s.exec(select(Reperformance).where(Reperformance.control_id == cid).order_by(Reperformance.id)):
            diffs = list(s.exec(select(ReperformanceDifference).where(ReperformanceDifference.reperformance_id == rp.id)
                                .order_by(ReperformanceDifference.id).limit(MAX_DIFFERENCES + 1)))
            more = 0
            if len(diffs) > MAX_DIFFERENCES:
                diffs = diffs[:MAX_DIFFERENCES]
                more = (rp.only_in_a + rp.only_in_b + rp.differing + rp.date_window_breaches
                        + int((rp.options or {}).get("duplicates", 0)) - MAX_DIFFERENCES)
            unresolved = s.exec(select(func.count()).select_from(ReperformanceDifference).where(
                ReperformanceDifference.reperformance_id == rp.id, open_clause())).one()
            raised = frozenset(s.exec(select(ControlException.difference_id).where(
                ControlException.difference_id.in_([d.id for d in diffs]))))
            reperformances.append(ReperformancePaper(rp, diffs, max(more, 0), unresolved, raised,
                                                     self._evidence_by_id.get(rp.list_a_evidence_id),
                                                     self._evidence_by_id.get(rp.list_b_evidence_id)))
        recorded = {}
        for inputs in self.sample_export.control(summary.control.ref, cid):
            for i, d in enumerate(inputs.draws):
                recorded[d.sample.id] = (d, inputs if i == 0 else None)
        samples = []
        for sm in s.exec(select(Sample).where(Sample.control_id == cid).order_by(Sample.id)):
            items = list(s.exec(select(SampleItem).where(SampleItem.sample_id == sm.id).order_by(SampleItem.position)))
            d, inputs = recorded.get(sm.id, (None, None))
            samples.append(SamplePaper(sm, s.get(Population, sm.population_id), items, d, inputs))
        exceptions = [e for e in self.exceptions_by_control().get(summary.control.ref, [])]
        notes = [n for n in self.notes if n.control_ref == summary.control.ref]
        matrix = self.testing(summary)
        single = testing.single_test_in(s, summary.control)
        return ControlPaper(summary, statements, observations, evidence, reperformances, samples, exceptions, notes,
                            testing=matrix, single=single, population_member=self._population_member(matrix))

    def testing(self, summary: ControlSummary):
        """The control's test steps and testing matrix (read once; the workpaper and the workbook share it)."""
        cache = self.__dict__.setdefault("_testing", {})
        cid = summary.control.id
        if cid not in cache:
            cache[cid] = testing.matrix_in(self.s, summary.control)
        return cache[cid]

    def _population_member(self, matrix) -> str:
        """The client's population file as kept in the vault (and so in the bundle), if it is there."""
        if matrix.population_id is None:
            return ""
        pop = self.s.get(Population, matrix.population_id)
        for e in self.evidence:
            if pop.source_sha256 and e.file.sha256 == pop.source_sha256:
                return e.member
        return ""

    def exceptions_by_control(self) -> dict[str, list[ExceptionView]]:
        if not hasattr(self, "_exc_by_control"):
            grouped: dict[str, list[ExceptionView]] = defaultdict(list)
            for e in self.exceptions():
                grouped[e.control_ref].append(e)
            self._exc_by_control = grouped
        return self._exc_by_control
