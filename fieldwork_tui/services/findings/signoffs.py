"""Preparer and reviewer sign-offs under the firm's rules, bound to the digest of the control's
workpaper content.

The rules are `domain.signoff.decide_signoff` (reviewer after the preparer on the same content, no
self-review unless the engagement allows it, no review over open notes, blocking flags confirmed by
name); what the digest covers is `domain.workpaper` (gathered by `services.findings.content`).
Who signs is `services.identity.signer` (the person's signing key); every sign-off is signed with
that key (`attestation`) and a signature that does not verify counts as absent. A sign-off is never edited or removed: signing again
appends one, and the latest per role counts; any later change to the content makes it stale
("modified since review") until signed again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlmodel import Session, select

from fieldwork_tui.domain import flags as flag_table
from fieldwork_tui.domain import signatures as sig
from fieldwork_tui.domain.signoff import SignOffFacts, decide_signoff
from fieldwork_tui.domain.vocab import NoteStatus, ReviewTarget, SignOffRole
from fieldwork_tui.domain.workpaper import HASH_SCHEME
from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.errors import FieldworkError, InvalidInput
from fieldwork_tui.services.findings import attestation
from fieldwork_tui.services.findings.content import content_digests
from fieldwork_tui.services.findings.views import SignOffResult, SignOffView
from fieldwork_tui.services.identity import signer
from fieldwork_tui.services.signing import keys as signing
from fieldwork_tui.store import journal
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import ControlException, Engagement, ReviewNote, SignerKey, SignOff, utcnow

Passphrase = Callable[[], bytes | None]


class ConfirmationNeeded(InvalidInput):
    """The sign-off stands over blocking flags the signer has not confirmed: ask, then sign again
    with `confirm_flags` naming them."""

    def __init__(self, message: str, ref: str, role: SignOffRole, flags: tuple[str, ...]) -> None:
        super().__init__(message)
        self.ref, self.role, self.flags = ref, role, flags


# -- what the sign-offs of a control say now ------------------------------------------------------


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


def _signoff_rows(session: Session, only: int | None = None) -> list[SignOff]:
    q = select(SignOff).order_by(SignOff.id)
    if only is not None:
        q = q.where(SignOff.control_id == only)
    return list(session.exec(q).all())


def signature_states(session: Session, only: int | None = None) -> dict[int, attestation.SignatureState]:
    """{sign-off id: whether its signature holds}, for every sign-off (or those of the control `only`)."""
    keys = recorded_keys(session)
    trusted = _trusted()
    return {so.id: attestation.verify_signoff(so, keys, trusted) for so in _signoff_rows(session, only)}


def _trusted() -> dict[str, str]:
    try:
        return signing.trusted_fingerprints()
    except FieldworkError:
        return {}  # an unreadable trust list: signatures still verify, none is marked trusted


def latest_signoffs(session: Session, only: int | None = None, *,
                    include_failed: bool = False) -> dict[tuple[int, SignOffRole], SignOff]:
    """The latest sign-off per control and role whose signature holds (of every control, or of the
    control `only`). A sign-off whose signature does not verify (or that has none) counts as absent;
    `include_failed` returns the latest row whatever its signature, for showing it."""
    states = None if include_failed else signature_states(session, only)
    out: dict[tuple[int, SignOffRole], SignOff] = {}
    for so in _signoff_rows(session, only):
        if states is not None and not states[so.id].holds:
            continue
        out[(so.control_id, SignOffRole(so.role))] = so
    return out


def _current(so: SignOff | None, digest: str | None) -> bool:
    return so is not None and so.scheme == HASH_SCHEME and so.content_hash == digest


@dataclass(frozen=True)
class Standing:
    """Where a control's sign-offs stand against its current content."""

    preparer_signed: bool = False
    preparer_current: bool = False
    reviewer_signed: bool = False
    reviewer_current: bool = False

    @property
    def stale(self) -> bool:
        """A latest sign-off no longer matches the content (the `signoff_stale` flag)."""
        return (self.preparer_signed and not self.preparer_current) or (self.reviewer_signed and not self.reviewer_current)


def standings(session: Session, only: int | None = None) -> dict[int, Standing]:
    """{control id: Standing} for the controls with any sign-off (all, or the control `only`)."""
    latest = latest_signoffs(session, only)
    if not latest:
        return {}
    digests = content_digests(session, only)
    out: dict[int, Standing] = {}
    for cid in {k[0] for k in latest}:
        prep, rev = latest.get((cid, SignOffRole.preparer)), latest.get((cid, SignOffRole.reviewer))
        out[cid] = Standing(prep is not None, _current(prep, digests.get(cid)),
                            rev is not None, _current(rev, digests.get(cid)))
    return out


# -- views ----------------------------------------------------------------------------------------


def _view(role: SignOffRole, so: SignOff | None, digest: str | None,
          states: dict[int, attestation.SignatureState]) -> SignOffView:
    if so is None:
        return SignOffView(role)
    st = states[so.id]
    return SignOffView(role, so.signed_by, so.signed_at, so.content_hash, stale=not _current(so, digest),
                       outdated=so.scheme != HASH_SCHEME, self_review=so.self_review,
                       confirmed_flags=tuple(so.confirmed_flags or ()), fingerprint=so.fingerprint,
                       signature=st.label, signature_reason=st.reason, trusted=st.trusted)


def signoff_views(session: Session, control_id: int) -> list[SignOffView]:
    """Preparer and reviewer, in that order, with their standing against the current content and
    whether their signature verifies (the latest sign-off of each role, whatever its signature)."""
    latest = latest_signoffs(session, control_id, include_failed=True)
    digest = content_digests(session, control_id).get(control_id) if latest else None
    states = signature_states(session, control_id) if latest else {}
    return [_view(role, latest.get((control_id, role)), digest, states) for role in SignOffRole]


def control_signoffs(handle: EngagementHandle, ref: str) -> list[SignOffView]:
    with handle.read() as s:
        return signoff_views(s, find_control(s, ref).id)


def all_signoff_views(session: Session) -> dict[int, list[SignOffView]]:
    """Sign-off views of every control (one pass over the workpaper content), whatever their signature."""
    latest = latest_signoffs(session, include_failed=True)
    digests = content_digests(session)
    states = signature_states(session) if latest else {}
    return {cid: [_view(role, latest.get((cid, role)), d, states) for role in SignOffRole]
            for cid, d in digests.items()}


# -- signing --------------------------------------------------------------------------------------


def open_note_ids(session: Session, control_id: int) -> tuple[int, ...]:
    """Open review notes on the control or on one of its exceptions."""
    exceptions = select(ControlException.id).where(ControlException.control_id == control_id)
    q = select(ReviewNote.id).where(ReviewNote.status == NoteStatus.open).where(
        ((ReviewNote.target_type == ReviewTarget.control) & (ReviewNote.target_id == control_id))
        | ((ReviewNote.target_type == ReviewTarget.exception) & ReviewNote.target_id.in_(exceptions)))
    return tuple(session.exec(q).all())


def blocking_flags(session: Session, control_id: int) -> tuple[str, ...]:
    """The control's flags that block a defensible conclusion, in vocabulary order."""
    from fieldwork_tui.services.controls.facts import control_flags_of

    return tuple(f.value for f in flag_table.blocking(control_flags_of(session, control_id)))


def sign(handle: EngagementHandle, ref: str, role: SignOffRole | str, *,
         confirm_flags: Iterable[str] = (), passphrase: Passphrase | None = None,
         on_created: Callable[[str], None] | None = None, identity: attestation.Identity | None = None,
         signed_at: dt.datetime | None = None) -> SignOffResult:
    """Sign control `ref` as preparer or reviewer, bound to the digest of its current content and
    signed with the signer's key (`identity`, else the person's own key, created on first use and
    announced through `on_created`).

    Refused (InvalidInput, one line) when a rule forbids it; `ConfirmationNeeded` when only a
    confirmation of blocking flags is missing — sign again with `confirm_flags` naming them. The
    signed statement is also appended to the engagement's anchors record, outside its folder."""
    try:
        role = SignOffRole(role)
    except ValueError:
        raise InvalidInput(f"role {role!r}: expected preparer or reviewer") from None
    # who signs, without making a key yet: the key is made (and announced) only once every rule and
    # confirmation allows the sign-off, so a refused or unconfirmed attempt leaves nothing behind
    who = signer(handle, identity=identity)
    if not who.name:
        raise InvalidInput("sign: no signer is configured (set FIELDWORK_USER or `fieldwork keys init`)")
    with handle.session() as s:
        c = find_control(s, ref)
        current = content_digests(s, c.id)[c.id]
        mine = s.exec(select(SignOff).where(SignOff.control_id == c.id).order_by(SignOff.id)).all()
        preps = [so for so in mine if SignOffRole(so.role) is SignOffRole.preparer]
        holding = latest_signoffs(s, c.id).get((c.id, SignOffRole.preparer))
        eng = s.exec(select(Engagement)).one()
        decision = decide_signoff(SignOffFacts(
            ref=c.ref, role=role, signer=who.name, current_hash=current,
            preparer_hash=(holding.content_hash if holding.scheme == HASH_SCHEME else "outdated") if holding else "",
            preparers=frozenset(so.signed_by for so in preps),
            open_notes=open_note_ids(s, c.id), blocking_flags=blocking_flags(s, c.id),
            confirmed_flags=frozenset(confirm_flags), allow_self_review=eng.allow_self_review))
        if not decision.allowed:
            if decision.needs_confirmation:
                raise ConfirmationNeeded(decision.reason, c.ref, role, decision.unconfirmed)
            raise InvalidInput(decision.reason)
        head, entries = journal.head(s)
        signed_at = signed_at or utcnow()  # the demo signs at a fixed time of its story
        signed = attestation.sign_signoff(
            engagement_uid=eng.uid, control_id=c.id, control_ref=c.ref, role=role.value, workpaper_sha256=current,
            head=(head, entries), signed_at=signed_at, actor=handle.actor, passphrase=passphrase,
            on_created=on_created, identity=identity)
        record_key(s, signed.public_key)
        so = SignOff(control_id=c.id, role=role, signed_by=signed.signer, signed_at=signed_at, content_hash=current,
                     scheme=HASH_SCHEME, self_review=decision.self_review, confirmed_flags=list(decision.confirmed),
                     journal_head=head, journal_entries=entries, fingerprint=signed.fingerprint,
                     statement=signed.statement, signature=signed.signature)
        s.add(so)
        s.flush()
        result = SignOffResult(c.ref, role, so.signed_by, so.signed_at, current, so.self_review,
                               tuple(so.confirmed_flags), head, entries, so.fingerprint)
    attestation.anchor(handle.root.parent, eng.uid, "signoff", signed, handle.slug)
    return result


def record_key(s: Session, public: sig.PublicKey) -> None:
    """Record (and so journal) a signer's public key in this engagement at its first use."""
    if s.get(SignerKey, public.fingerprint) is None:
        s.add(SignerKey(fingerprint=public.fingerprint, public_key=public.openssh(), name=public.comment))
        s.flush()
