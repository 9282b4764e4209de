"""Preparer and reviewer sign-offs bound to a hash of the control's workpaper state.

The workpaper state is everything a reviewer signs for: the control's description and
conclusion, its inquiry statements, observations, evidence links, re-performances, samples and
item results, exceptions and responses. Any later change alters the hash and makes the sign-off
stale ("modified since review") until signed again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlmodel import Session, select

from fieldwork_tui.domain import signatures as sig
from fieldwork_tui.domain.vocab import ControlStatus, Phase, SignOffRole
from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.errors import FieldworkError, InvalidInput
from fieldwork_tui.services.findings import attestation
from fieldwork_tui.services.findings.views import SignOffView
from fieldwork_tui.services.signing import keys as signing
from fieldwork_tui.store import journal
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.journal import _jsonable
from fieldwork_tui.store.models import (
    Control,
    ControlException,
    Engagement,
    EvidenceControl,
    EvidenceFile,
    InquiryStatement,
    ManagementResponse,
    Observation,
    Reperformance,
    Sample,
    SampleItem,
    SignerKey,
    SignOff,
    StatementControl,
    utcnow,
)

Passphrase = Callable[[], bytes | None]

#: Control columns that are workflow, not content: changing them does not stale a sign-off.
_WORKFLOW_COLUMNS = {"status", "updated_at", "created_at"}


def _row(obj: Any, skip: set[str] = frozenset()) -> dict[str, Any]:
    return {k: _jsonable(v) for k, v in obj.model_dump().items() if k not in skip}


def _only(query, column, only: int | None):
    return query if only is None else query.where(column == only)


def workpaper_states(session: Session, only: int | None = None) -> dict[int, dict[str, Any]]:
    """The signed-for state of every control (or of the control `only`), in a handful of queries."""
    state: dict[int, dict[str, Any]] = {}
    controls = session.exec(_only(select(Control), Control.id, only)).all()
    parts: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for st, cid in session.exec(
        select(InquiryStatement, StatementControl.control_id).join(
            StatementControl, StatementControl.statement_id == InquiryStatement.id
        ).where(True if only is None else StatementControl.control_id == only)
    ):
        parts[cid]["statements"].append(_row(st, {"updated_at", "position"}))
    for ob in session.exec(_only(select(Observation), Observation.control_id, only)).all():
        parts[ob.control_id]["observations"].append(_row(ob))
    for cid, eid, sha in session.exec(
        select(EvidenceControl.control_id, EvidenceFile.id, EvidenceFile.sha256).join(
            EvidenceFile, EvidenceFile.id == EvidenceControl.evidence_id
        ).where(True if only is None else EvidenceControl.control_id == only)
    ):
        parts[cid]["evidence"].append([eid, sha])
    for rp in session.exec(_only(select(Reperformance), Reperformance.control_id, only)).all():
        parts[rp.control_id]["reperformances"].append(_row(rp))
    sample_control: dict[int, int] = {}
    for sm in session.exec(_only(select(Sample), Sample.control_id, only)).all():
        sample_control[sm.id] = sm.control_id
        parts[sm.control_id]["samples"].append(_row(sm))
    for it in session.exec(select(SampleItem).where(SampleItem.result != "untested")
                          .where(True if only is None else SampleItem.sample_id.in_(list(sample_control)))).all():
        cid = sample_control.get(it.sample_id)
        if cid is not None:
            parts[cid]["items"].append([it.id, _jsonable(it.result), it.note, it.evidence_id])
    responses = {r.exception_id: r for r in session.exec(select(ManagementResponse)).all()}
    for ex in session.exec(_only(select(ControlException), ControlException.control_id, only)).all():
        r = responses.get(ex.id)
        parts[ex.control_id]["exceptions"].append([_row(ex), _row(r) if r else None])
    for c in controls:
        state[c.id] = {"control": _row(c, _WORKFLOW_COLUMNS), **{k: sorted(v, key=str) for k, v in parts[c.id].items()}}
    return state


def state_hash(state: dict[str, Any]) -> str:
    blob = json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def workpaper_hashes(session: Session, only: int | None = None) -> dict[int, str]:
    return {cid: state_hash(st) for cid, st in workpaper_states(session, only).items()}


def recorded_keys(session: Session) -> dict[str, sig.PublicKey]:
    """{fingerprint: public key} of every key that signed in this engagement (table `signerkey`)."""
    out: dict[str, sig.PublicKey] = {}
    for fp, line in session.exec(select(SignerKey.fingerprint, SignerKey.public_key)):
        try:
            key = sig.parse_public_key(line)
        except sig.SignatureError:
            continue  # a damaged key verifies nothing: its sign-offs fail
        if key.fingerprint == fp:
            out[fp] = key
    return out


def signature_states(session: Session) -> dict[int, attestation.SignatureState]:
    """{sign-off id: whether its signature holds}, for every sign-off."""
    keys = recorded_keys(session)
    trusted = _trusted()
    return {so.id: attestation.verify_signoff(so, keys, trusted) for so in session.exec(select(SignOff)).all()}


def _trusted() -> dict[str, str]:
    try:
        return signing.trusted_fingerprints()
    except FieldworkError:
        return {}  # an unreadable trust list: signatures still verify, none is marked trusted


def latest_signoffs(session: Session, *, include_failed: bool = False) -> dict[tuple[int, SignOffRole], SignOff]:
    """The latest sign-off per control and role whose signature holds. A sign-off whose signature
    does not verify (or that has none) counts as absent; `include_failed` returns the latest row
    whatever its signature, for showing it."""
    states = None if include_failed else signature_states(session)
    out: dict[tuple[int, SignOffRole], SignOff] = {}
    for so in session.exec(select(SignOff).order_by(SignOff.id)).all():
        if states is not None and not states[so.id].holds:
            continue
        out[(so.control_id, SignOffRole(so.role))] = so
    return out


def signoff_states(session: Session, only: int | None = None) -> dict[int, tuple[bool, bool]]:
    """{control_id: (preparer signed, any sign-off stale)}, for every control or for `only`."""
    latest = latest_signoffs(session)
    if only is not None:
        latest = {k: v for k, v in latest.items() if k[0] == only}
    if not latest:
        return {}
    hashes = workpaper_hashes(session, only)
    out: dict[int, tuple[bool, bool]] = {}
    for (cid, role), so in latest.items():
        signed, stale = out.get(cid, (False, False))
        if role is SignOffRole.preparer:
            signed = True
        if so.content_hash != hashes.get(cid):
            stale = True
        out[cid] = (signed, stale)
    return out


# -- signing ---------------------------------------------------------------------------------------


def sign(handle: EngagementHandle, ref: str, role: SignOffRole | str, *, passphrase: Passphrase | None = None,
         on_created: Callable[[str], None] | None = None, identity: attestation.Identity | None = None,
         signed_at: dt.datetime | None = None) -> SignOff:
    """Sign the control's workpaper as preparer or reviewer, bound to the hash of its current state and
    signed with the signer's key (`identity`, else the person's own key, created on first use and
    announced through `on_created`).

    A sign-off is never removed or edited: signing again appends a new one (the latest counts), so
    the journal shows every sign-off ever given. The reviewer signs after the preparer, on the same
    state; the control's status follows (ready for review, reviewed). The signed statement is also
    appended to the engagement's anchors record, outside its folder.
    """
    try:
        role = SignOffRole(role)
    except ValueError:
        raise InvalidInput(f"role {role!r}: expected preparer or reviewer") from None
    with handle.session() as s:
        c = find_control(s, ref)
        current = state_hash(workpaper_states(s)[c.id])
        if role is SignOffRole.reviewer:
            prep = latest_signoffs(s).get((c.id, SignOffRole.preparer))
            if prep is None:
                raise InvalidInput(f"control {c.ref}: the preparer has not signed yet (or their signature does "
                                   "not verify); the reviewer signs after")
            if prep.content_hash != current:
                raise InvalidInput(f"control {c.ref}: modified since the preparer signed; the preparer signs again first")
        eng = s.exec(select(Engagement)).one()
        signed_at = signed_at or utcnow()  # the demo signs at a fixed time of its story
        signed = attestation.sign_signoff(
            engagement_uid=eng.uid, control_id=c.id, control_ref=c.ref, role=role.value, workpaper_sha256=current,
            head=journal.head(s), signed_at=signed_at, actor=handle.actor, passphrase=passphrase,
            on_created=on_created, identity=identity)
        record_key(s, signed.public_key)
        so = SignOff(control_id=c.id, role=role, signed_by=signed.signer, signed_at=signed_at, content_hash=current,
                     fingerprint=signed.fingerprint, statement=signed.statement, signature=signed.signature)
        s.add(so)
        new_status = ControlStatus.reviewed if role is SignOffRole.reviewer else ControlStatus.ready_for_review
        locked = eng.phase == Phase.final_report
        if c.status != new_status and not locked:  # once locked, a sign-off is an addition only
            c.status = new_status
            s.add(c)
    attestation.anchor(handle.root.parent, eng.uid, "signoff", signed, handle.slug)
    return so


def record_key(s: Session, public: sig.PublicKey) -> None:
    """Record (and so journal) a signer's public key in this engagement at its first use."""
    if s.get(SignerKey, public.fingerprint) is None:
        s.add(SignerKey(fingerprint=public.fingerprint, public_key=public.openssh(), name=public.comment))
        s.flush()


def _views(latest: dict[tuple[int, SignOffRole], SignOff], control_id: int, current_hash: str | None,
           states: dict[int, attestation.SignatureState]) -> list[SignOffView]:
    out = []
    for role in SignOffRole:
        so = latest.get((control_id, role))
        if so is None:
            out.append(SignOffView(role))
            continue
        st = states[so.id]
        out.append(SignOffView(role, so.signed_by, so.signed_at, so.content_hash, so.content_hash != current_hash,
                               so.fingerprint, st.label, st.reason, st.trusted))
    return out


def signoff_views(session: Session, control_id: int) -> list[SignOffView]:
    """Preparer and reviewer, in that order, with their staleness against the current state and
    whether their signature verifies (the latest sign-off of each role, whatever its signature)."""
    current = state_hash(workpaper_states(session, control_id).get(control_id, {}))
    return _views(latest_signoffs(session, include_failed=True), control_id, current, signature_states(session))


def control_signoffs(handle: EngagementHandle, ref: str) -> list[SignOffView]:
    with handle.read() as s:
        c = find_control(s, ref)
        return signoff_views(s, c.id)


def all_signoff_views(session: Session) -> dict[int, list[SignOffView]]:
    """Sign-off views of every control (one pass over the workpaper states)."""
    latest = latest_signoffs(session, include_failed=True)
    states = signature_states(session)
    return {cid: _views(latest, cid, h, states) for cid, h in workpaper_hashes(session).items()}
