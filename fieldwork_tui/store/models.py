"""SQLModel tables for one engagement's database (`<engagement>/fieldwork.db`).

The schema is created and changed only through Alembic (top-level `migrations/`); a test proves
these models and the migrations agree. Enumerated columns use the domain vocabulary, whose member
names equal their values, so the stored words are the shared words.

Timestamps are aware UTC (`utcnow()`); dates (`date`) are calendar dates as the auditor states them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from fieldwork_tui.domain.coaching import SignalDecision
from fieldwork_tui.domain.vocab import (
    Conclusion,
    Corroboration,
    DeviationConclusion,
    DifferenceKind,
    Disposition,
    Effectiveness,
    EngagementType,
    ExceptionSource,
    ExceptionType,
    Frequency,
    Nature,
    NoteStatus,
    PersonRole,
    PersonSide,
    Phase,
    RemediationStatus,
    RequestStatus,
    RequestWave,
    ReviewTarget,
    SampleKind,
    SampleResult,
    SignOffRole,
)
from fieldwork_tui.domain.workpaper import HASH_SCHEME


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


def _json_dict() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Engagement(SQLModel, table=True):
    """The engagement this database belongs to (exactly one row)."""

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=lambda: uuid.uuid4().hex, unique=True)
    name: str
    slug: str = Field(unique=True)
    service_organization: str = ""
    type: EngagementType = EngagementType.type2
    period_start: dt.date
    period_end: dt.date
    categories: list[str] = _json_list()
    phase: Phase = Phase.kickoff
    sampling_preset: str = "guide"
    kickoff_on: dt.date | None = None
    report_date: dt.date | None = None
    #: The firm's review setting for this engagement (journaled like every change, never read from a
    #: person's own configuration): may a control's preparer also review it? With the reason.
    allow_self_review: bool = False
    self_review_reason: str = ""
    created_at: dt.datetime = Field(default_factory=utcnow)


#: Ids of these tables are never reused (SQLite AUTOINCREMENT): two app instances on one engagement
#: must never see a deleted row's id come back as another row.
_NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


class Person(SQLModel, table=True):
    """Client personnel or a member of the audit team. `role` is the interview plan's vocabulary
    (None until someone says what the person does); `title` is free text."""

    __table_args__ = _NEVER_REUSE_IDS
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    side: PersonSide = PersonSide.client
    role: PersonRole | None = None
    title: str = ""
    email: str = ""


class Control(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)
    title: str = ""
    description: str = ""
    criteria: list[str] = _json_list()
    owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    frequency: Frequency = Frequency.as_needed
    nature: Nature = Nature.manual
    #: Automated controls: the IT general controls a test of one relies on (as the auditor recorded it).
    itgc_basis: str = ""
    #: What the control does (preventive, detective, ...; domain.vocab.ControlType), "" when not stated.
    control_type: str = ""
    key: bool = False
    required_types: list[str] = _json_list()
    #: Columns of the imported matrix no field takes, kept under their headers ({header: text}).
    extra_fields: dict[str, str] = _json_dict()
    # No status column: the status is derived from the work and the sign-offs (domain.signoff).
    conclusion: Conclusion | None = None
    conclusion_note: str = ""
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Interview(SQLModel, table=True):
    __table_args__ = _NEVER_REUSE_IDS
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    held_on: dt.date
    interviewer: str = ""
    topic: str = ""
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class InquiryStatement(SQLModel, table=True):
    """One thing the interviewee said, linked to the controls it speaks to.

    `version` counts changes of the text: a writer saves only over the version it last read.
    A contradiction (evidence_id + corroboration_note) stays on file; it ends as a red flag when later
    evidence resolves it (`resolution_evidence_id` + `resolution_note`) or an exception is raised for
    it (`exception_id`)."""

    __table_args__ = _NEVER_REUSE_IDS
    id: int | None = Field(default=None, primary_key=True)
    interview_id: int = Field(foreign_key="interview.id", index=True)
    position: int = 0
    text: str = ""
    version: int = 1
    corroboration: Corroboration = Corroboration.uncorroborated
    evidence_id: int | None = Field(default=None, foreign_key="evidencefile.id")
    corroboration_note: str = ""
    resolution_evidence_id: int | None = Field(default=None, foreign_key="evidencefile.id")
    resolution_note: str = ""
    exception_id: int | None = Field(default=None, foreign_key="controlexception.id")
    updated_at: dt.datetime = Field(default_factory=utcnow)


class StatementControl(SQLModel, table=True):
    statement_id: int = Field(foreign_key="inquirystatement.id", primary_key=True)
    control_id: int = Field(foreign_key="control.id", primary_key=True, index=True)


class InterviewPlanChoice(SQLModel, table=True):
    """The roles the auditor chose to interview for one control, instead of the plan table's proposal."""

    control_id: int = Field(foreign_key="control.id", primary_key=True)
    roles: list[str] = _json_list()
    reason: str = ""
    set_by: str = ""
    set_at: dt.datetime = Field(default_factory=utcnow)


class CoachingReview(SQLModel, table=True):
    """The auditor's decision on one possible coached answer (`key` and `fingerprint` from
    domain.coaching: a dismissal applies to the texts that were read)."""

    __table_args__ = _NEVER_REUSE_IDS
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    fingerprint: str = ""
    decision: SignalDecision
    reason: str = ""
    reviewed_by: str = ""
    reviewed_at: dt.datetime = Field(default_factory=utcnow)


class Observation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    control_id: int = Field(foreign_key="control.id", index=True)
    observed_at: dt.datetime
    location: str = ""
    description: str = ""
    observed_by: str = ""
    created_at: dt.datetime = Field(default_factory=utcnow)


class EvidenceFile(SQLModel, table=True):
    """A file in the engagement's vault (content-addressed by SHA-256) and what is known of it."""

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(index=True)
    size: int = 0
    original_name: str = ""
    original_path: str = ""
    media_type: str = "application/octet-stream"
    as_of: dt.date | None = None
    received_from_id: int | None = Field(default=None, foreign_key="person.id")
    request_id: int | None = Field(default=None, foreign_key="evidencerequest.id", index=True)
    description: str = ""
    added_by: str = ""
    added_at: dt.datetime = Field(default_factory=utcnow)


class EvidenceControl(SQLModel, table=True):
    evidence_id: int = Field(foreign_key="evidencefile.id", primary_key=True)
    control_id: int = Field(foreign_key="control.id", primary_key=True, index=True)


class Reperformance(SQLModel, table=True):
    """The auditor re-ran the control: two lists compared by key (and optionally a date window)."""

    id: int | None = Field(default=None, primary_key=True)
    control_id: int = Field(foreign_key="control.id", index=True)
    title: str = ""
    list_a_evidence_id: int | None = Field(default=None, foreign_key="evidencefile.id")
    list_b_evidence_id: int | None = Field(default=None, foreign_key="evidencefile.id")
    list_a_label: str = "A"
    list_b_label: str = "B"
    key_a: str = ""
    key_b: str = ""
    options: dict[str, Any] = _json_dict()
    count_a: int = 0
    count_b: int = 0
    only_in_a: int = 0
    only_in_b: int = 0
    differing: int = 0
    date_window_breaches: int = 0
    #: List A is the whole population of the period (every instance re-performed, not one quarter).
    whole_population: bool = False
    conclusion: str = ""
    concluded_by: str = ""
    performed_by: str = ""
    created_at: dt.datetime = Field(default_factory=utcnow)


class ReperformanceDifference(SQLModel, table=True):
    """One difference of a comparison and what the auditor decided about it (None: still open)."""

    id: int | None = Field(default=None, primary_key=True)
    reperformance_id: int = Field(foreign_key="reperformance.id", index=True)
    kind: DifferenceKind
    key: str = ""
    details: dict[str, Any] = _json_dict()
    disposition: Disposition | None = Field(default=None, index=True)
    disposition_reason: str = ""
    disposition_evidence_id: int | None = Field(default=None, foreign_key="evidencefile.id")
    disposed_by: str = ""
    disposed_at: dt.datetime | None = None


class Population(SQLModel, table=True):
    """A frozen population for a control; the rows live in `populationrow`."""

    id: int | None = Field(default=None, primary_key=True)
    control_id: int = Field(foreign_key="control.id", index=True)
    source_name: str = ""
    source_sha256: str = ""  # the imported file's own hash (the file is kept in the vault)
    key_column: str = ""
    date_column: str = ""
    columns: list[str] = _json_list()
    row_count: int = 0
    expected_count: int | None = None
    sha256: str = ""
    imported_by: str = ""
    imported_at: dt.datetime = Field(default_factory=utcnow)
    #: rows dated outside the audit period: part of the extract, never eligible for a sample
    outside_period: int = 0


class PopulationRow(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("population_id", "key", name="uq_populationrow_key"),
        UniqueConstraint("population_id", "row_number", name="uq_populationrow_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    population_id: int = Field(foreign_key="population.id")
    row_number: int
    key: str
    occurred_on: dt.date | None = None
    data: list[Any] = _json_list()


class Sample(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    control_id: int = Field(foreign_key="control.id", index=True)
    population_id: int = Field(foreign_key="population.id", index=True)
    kind: SampleKind = SampleKind.initial
    parent_id: int | None = Field(default=None, foreign_key="sample.id")
    method: str = ""
    seed: str = ""
    size: int = 0
    policy_preset: str = ""
    policy_size: int = 0
    override_reason: str = ""
    population_sha256: str = ""
    conclusion: DeviationConclusion | None = None
    conclusion_reason: str = ""
    created_by: str = ""
    created_at: dt.datetime = Field(default_factory=utcnow)
    # The method's inputs and records beyond seed and method (docs/sampling-method.md): the size the draw
    # was made with (0: the same as `size`), what the strata span, the day it was drawn, the strata with
    # their counts, the rows passed over as untestable, and replacements made after the draw.
    draw_size: int = 0
    strata_start: dt.date | None = None
    strata_end: dt.date | None = None
    selected_on: dt.date | None = None
    strata: list[Any] = _json_list()
    passed_over: list[Any] = _json_list()
    replaced: list[Any] = _json_list()
    #: rows of the period dated after `selected_on` when the draw was made (not eligible)
    after_selection: int = 0


class SampleItem(SQLModel, table=True):
    __table_args__ = (Index("ix_sampleitem_sample_position", "sample_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    sample_id: int = Field(foreign_key="sample.id")
    population_row_id: int | None = Field(default=None, foreign_key="populationrow.id")
    position: int = 0
    key: str = ""
    occurred_on: dt.date | None = None
    attributes: dict[str, Any] = _json_dict()
    result: SampleResult = Field(default=SampleResult.untested, index=True)
    note: str = ""
    evidence_id: int | None = Field(default=None, foreign_key="evidencefile.id")
    tested_by: str = ""
    tested_at: dt.datetime | None = None


# -- attribute testing: a control's test steps, the testing matrix's cells, the extract record, single tests ---
# A sample item's `result` stays the item's derived result, rewritten from its cells on every change
# (services.sampling.testing through domain.attributes.item_result), so whatever counts items reads one column.
class TestProcedure(SQLModel, table=True):
    """A control's test objective and where its steps came from (the attributes are `testattribute`)."""

    __test__ = False
    id: int | None = Field(default=None, primary_key=True)
    control_id: int = Field(foreign_key="control.id", unique=True)
    objective: str = ""
    source: str = ""  # manual | import | library:<id> | migrated
    updated_by: str = ""
    updated_at: dt.datetime = Field(default_factory=utcnow)


class TestAttribute(SQLModel, table=True):
    """One attribute tested for every sampled item of the control ("A — approved before deployment")."""

    __test__ = False
    __table_args__ = (UniqueConstraint("control_id", "letter", name="uq_testattribute_letter"),)

    id: int | None = Field(default=None, primary_key=True)
    control_id: int = Field(foreign_key="control.id", index=True)
    position: int = 0
    letter: str
    description: str = ""
    deviation: str = ""  # the report wording of a deviation
    rule: str = ""  # domain.expressions text; parsed, never evaluated as Python
    created_at: dt.datetime = Field(default_factory=utcnow)


class AttributeResult(SQLModel, table=True):
    """One cell of the testing matrix: an item's result for one attribute."""

    __table_args__ = (UniqueConstraint("item_id", "attribute_id", name="uq_attributeresult_cell"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="sampleitem.id")  # the unique cell index leads with it
    attribute_id: int = Field(foreign_key="testattribute.id", index=True)
    result: SampleResult = SampleResult.untested
    proposed: bool = False  # set by the attribute's rule; counts only once a person confirms it
    reason: str = ""  # what the rule found in the item's columns
    note: str = ""
    evidence_id: int | None = Field(default=None, foreign_key="evidencefile.id")
    seen_in_extract: bool = False
    tested_by: str = ""
    tested_at: dt.datetime | None = None


class PopulationExtract(SQLModel, table=True):
    """How the client produced a population (information produced by the entity): its source system,
    the query or parameters, and the reconciliation to the count the client stated
    (`population.expected_count`). Rules read the extract only once this is complete."""

    id: int | None = Field(default=None, primary_key=True)
    population_id: int = Field(foreign_key="population.id", unique=True)
    source_system: str = ""
    query: str = ""
    reconciliation_note: str = ""
    recorded_by: str = ""
    recorded_at: dt.datetime = Field(default_factory=utcnow)


class SingleTest(SQLModel, table=True):
    """A Type I walkthrough of one instance, or an automated control's test of one."""

    id: int | None = Field(default=None, primary_key=True)
    control_id: int = Field(foreign_key="control.id", unique=True)
    kind: str  # walkthrough | test_of_one (domain.attributes)
    instance: str = ""
    performed_on: dt.date | None = None
    description: str = ""
    configuration: str = ""
    itgc_refs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    itgc_basis: str = ""
    evidence_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    result: SampleResult = SampleResult.untested
    performed_by: str = ""
    updated_at: dt.datetime = Field(default_factory=utcnow)


class ControlException(SQLModel, table=True):
    """A specific instance where a control did not operate as described."""

    id: int | None = Field(default=None, primary_key=True)
    control_id: int = Field(foreign_key="control.id", index=True)
    source: ExceptionSource = ExceptionSource.manual
    sample_item_id: int | None = Field(default=None, foreign_key="sampleitem.id")
    #: For a sample deviation: the attribute the item deviated in (None for one found before attributes).
    attribute_id: int | None = Field(default=None, foreign_key="testattribute.id")
    difference_id: int | None = Field(default=None, foreign_key="reperformancedifference.id")
    instance: str = ""
    planned_control: str = ""
    deviation: str = ""
    exception_type: ExceptionType = ExceptionType.execution
    effectiveness: Effectiveness = Effectiveness.operating
    report_wording: str = ""
    #: The auditor rewrote the report wording by hand: it is shown as written (a visible override);
    #: otherwise the wording is computed from the current counts whenever it is shown.
    wording_edited: bool = False
    created_by: str = ""
    created_at: dt.datetime = Field(default_factory=utcnow)


class ManagementResponse(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    exception_id: int = Field(foreign_key="controlexception.id", unique=True)
    root_cause: str = ""
    corrective_action: str = ""
    compensating_controls: str = ""
    remediation_status: RemediationStatus = RemediationStatus.not_started
    remediation_date: dt.date | None = None
    responder: str = ""
    responded_on: dt.date | None = None


class EvidenceRequest(SQLModel, table=True):
    """One item of the PBC (provided-by-client) request list. `ref` is stable and never reused."""

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)
    description: str = ""
    owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    requested_on: dt.date | None = None
    # the day the request came in with the client's list when that list gave no request date (age counts
    # from it, shown as such — never passed off as a request date)
    imported_on: dt.date | None = None
    due_on: dt.date | None = Field(default=None, index=True)
    received_on: dt.date | None = None
    status: RequestStatus = Field(default=RequestStatus.open, index=True)
    priority: str = ""
    wave: RequestWave = RequestWave.general
    sample_id: int | None = Field(default=None, foreign_key="sample.id")
    #: Columns of the imported tracker no field takes, kept under their headers ({header: text}).
    extra_fields: dict[str, str] = _json_dict()
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class RequestControl(SQLModel, table=True):
    request_id: int = Field(foreign_key="evidencerequest.id", primary_key=True)
    control_id: int = Field(foreign_key="control.id", primary_key=True, index=True)


class FollowUp(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="evidencerequest.id", index=True)
    on: dt.date
    by: str = ""
    message: str = ""
    new_due_on: dt.date | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class RequestStatusChange(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="evidencerequest.id", index=True)
    from_status: RequestStatus | None = None
    to_status: RequestStatus
    reason: str = ""
    by: str = ""
    at: dt.datetime = Field(default_factory=utcnow)


class ReviewNote(SQLModel, table=True):
    __table_args__ = (Index("ix_reviewnote_target", "target_type", "target_id"),)

    id: int | None = Field(default=None, primary_key=True)
    target_type: ReviewTarget = ReviewTarget.control
    target_id: int
    author: str = ""
    text: str = ""
    status: NoteStatus = NoteStatus.open
    created_at: dt.datetime = Field(default_factory=utcnow)
    cleared_by: str = ""
    cleared_at: dt.datetime | None = None
    #: The preparer's answer (a note is cleared by its author only once it is answered).
    response: str = ""
    responded_by: str = ""
    responded_at: dt.datetime | None = None


class SignOff(SQLModel, table=True):
    """A preparer or reviewer sign-off bound to the digest of the control's workpaper content, signed by
    the signer's key.

    Never edited or removed: signing again appends a row (the latest per role counts). What it
    records is what a signature over it needs: control, role, digest (`content_hash`, computed
    under `scheme`), signer, time, and the journal head the signer saw; `statement` is the canonical
    signed statement (domain/statements.py), `signature` its SSHSIG, `fingerprint` the key's
    (recorded in `signerkey`)."""

    id: int | None = Field(default=None, primary_key=True)
    control_id: int = Field(foreign_key="control.id", index=True)
    role: SignOffRole
    signed_by: str = ""
    signed_at: dt.datetime = Field(default_factory=utcnow)
    content_hash: str = ""
    #: What the digest covers (domain.workpaper.HASH_SCHEME when signed; 1 = before this was recorded).
    scheme: int = HASH_SCHEME
    #: The reviewer is one of the control's preparers (allowed by the engagement setting).
    self_review: bool = False
    #: Blocking flags the signer confirmed signing over.
    confirmed_flags: list[str] = _json_list()
    #: Hash of the last journal entry before this sign-off, and how many entries there were.
    journal_head: str = ""
    journal_entries: int = 0
    fingerprint: str = ""
    statement: str = ""
    signature: str = ""


class SignerKey(SQLModel, table=True):
    """A public key that signed in this engagement, recorded (and so journaled) at its first use."""

    fingerprint: str = Field(primary_key=True)
    public_key: str  # `ssh-ed25519 AAAA… name`
    name: str = ""
    first_used_at: dt.datetime = Field(default_factory=utcnow)


class JournalEntry(SQLModel, table=True):
    """Hash-chained log of every change: `hash = sha256(prev_hash + canonical JSON of the entry)`."""

    # a row's version is its last journal entry (store/versions.py): found by this index, never a scan
    __table_args__ = (Index("ix_journalentry_entity", "entity", "entity_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow)
    actor: str = ""
    action: str = ""
    entity: str = ""
    entity_id: str = ""
    details: dict[str, Any] = _json_dict()
    prev_hash: str = ""
    hash: str = ""


class ControlHold(SQLModel, table=True):
    """A control checked out to an offline replica of a team engagement (docs/team.md): while the hold is
    open (`released_at` None) the server refuses every change to the control's work but the holder's
    check-in (store/holds.py). New rows of the replica take ids in [id_base, id_limit) of every table, a
    range the server reserved for it at check-out, so two replicas never make the same id."""

    __table_args__ = _NEVER_REUSE_IDS
    id: int | None = Field(default=None, primary_key=True)
    control_id: int = Field(foreign_key="control.id", index=True)
    holder: str = ""
    replica: str = Field(default="", index=True)  # the replica's id (hex), one per check-out
    checked_out_at: dt.datetime = Field(default_factory=utcnow)
    id_base: int = 0
    id_limit: int = 0
    released_at: dt.datetime | None = None
    released_by: str = ""
