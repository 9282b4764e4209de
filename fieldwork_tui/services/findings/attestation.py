"""Signed sign-offs and exports: signing statements with the person's key, checking them, anchoring them.

One place answers "does this sign-off's signature hold?" (`verify_signoff`), used by the Review tab,
`status`, the bundle and `fieldwork check`; one place signs (`sign_signoff`, `sign_export`) and
appends the anchor outside the engagement folder (`anchor`). The statement formats are
`domain/statements.py`'s; the anchors record is `store/anchors.py`'s.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fieldwork_tui.domain import anchors as anchor_rules
from fieldwork_tui.domain import signatures as sig
from fieldwork_tui.domain import statements
from fieldwork_tui.domain.replay import normalise
from fieldwork_tui.services.errors import FieldworkError
from fieldwork_tui.services.signing import keys as signing
from fieldwork_tui.store import anchors as anchor_store

Passphrase = Callable[[], bytes | None]

#: What a sign-off's signature state reads as (the words the app, `status` and the bundle show).
VERIFIED, FAILED, NO_SIGNATURE = statements.VERIFIED, statements.FAILED, statements.NO_SIGNATURE


def when(value: dt.datetime) -> str:
    """The signed form of a time: as the database keeps it (naive UTC, ISO 8601)."""
    return normalise("datetime", value)


@dataclass(frozen=True)
class Signed:
    fingerprint: str
    signer: str
    statement: str
    signature: str
    public_key: sig.PublicKey


@dataclass(frozen=True)
class Identity:
    """Someone other than the person's own key file signing (the demo's reviewer): a key and a name."""

    private: Any
    name: str

    @property
    def public(self) -> sig.PublicKey:
        return sig.public_key_of(self.private, self.name)


def _sign(statement_for: Callable[[str, str], dict[str, Any]], passphrase: Passphrase | None,
          on_created: Callable[[str], None] | None, actor: str, identity: Identity | None = None) -> Signed:
    if identity is None:
        view = signing.ensure_key(actor, on_created)
        private, public = signing.unlock(passphrase), sig.parse_public_key(view.public_key)
    else:
        private, public = identity.private, identity.public
    st = statement_for(public.comment, public.fingerprint)
    try:
        armored = statements.sign_statement(private, st)
    except sig.SignatureError as exc:
        raise FieldworkError(f"signing failed: {exc}") from None
    return Signed(public.fingerprint, public.comment, statements.canonical(st).decode("utf-8"), armored, public)


def sign_signoff(*, engagement_uid: str, control_id: int, control_ref: str, role: str, workpaper_sha256: str,
                 head: tuple[str, int], signed_at: dt.datetime, actor: str, passphrase: Passphrase | None = None,
                 on_created: Callable[[str], None] | None = None, identity: Identity | None = None) -> Signed:
    return _sign(lambda name, fp: statements.signoff_statement(
        engagement=engagement_uid, control_id=control_id, control=control_ref, role=role,
        workpaper_sha256=workpaper_sha256, journal_head=head[0], journal_entries=head[1], signer=name,
        fingerprint=fp, signed_at=when(signed_at)), passphrase, on_created, actor, identity)


def sign_export(*, engagement_uid: str, engagement_name: str, manifest_sha256: str, head: tuple[str, int],
                signed_at: dt.datetime, actor: str, passphrase: Passphrase | None = None,
                on_created: Callable[[str], None] | None = None, identity: Identity | None = None) -> Signed:
    return _sign(lambda name, fp: statements.export_statement(
        engagement=engagement_uid, engagement_name=engagement_name, manifest_sha256=manifest_sha256,
        journal_head=head[0], journal_entries=head[1], signer=name, fingerprint=fp,
        signed_at=when(signed_at)), passphrase, on_created, actor, identity)


def anchor(home, engagement_uid: str, kind: str, signed: Signed, folder: str = "") -> None:
    """Append the signed statement to the engagement's anchors record (outside its folder)."""
    try:
        anchor_store.append(home, engagement_uid,
                            anchor_rules.anchor_line(kind, signed.statement, signed.signature, folder))
    except OSError as exc:
        raise FieldworkError(f"anchors record {anchor_store.anchors_file(home, engagement_uid)}: cannot append "
                             f"({exc.strerror}); the signature is in the engagement, re-run `fieldwork check`") from None


# -- verifying sign-offs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureState:
    label: str  # VERIFIED, FAILED or NO_SIGNATURE
    reason: str = ""
    fingerprint: str = ""
    trusted: bool = False

    @property
    def holds(self) -> bool:
        return self.label == VERIFIED


def expected_fields(so) -> dict[str, Any]:
    role = getattr(so.role, "value", so.role)
    out = {"control_id": so.control_id, "role": role, "workpaper_sha256": so.content_hash,
           "signer": so.signed_by, "fingerprint": so.fingerprint, "signed_at": when(so.signed_at)}
    if getattr(so, "journal_head", None):
        out["journal_head"] = so.journal_head
    return out


@functools.lru_cache(maxsize=4096)
def _verdict(statement: str, signature: str, expected: tuple, key_raw: bytes | None) -> statements.Verdict:
    key = sig.PublicKey(key_raw) if key_raw else None
    return statements.verify_statement(statement, signature, dict(expected), key)


def verify_signoff(so, recorded_keys: dict[str, sig.PublicKey], trusted: dict[str, str] | None = None) -> SignatureState:
    """Whether a sign-off row's signature holds: made by the key the engagement recorded for its
    fingerprint, over a statement that says what the row says. `trusted` adds the trust verdict."""
    if not getattr(so, "signature", "") or not getattr(so, "statement", ""):
        return SignatureState(NO_SIGNATURE, "the sign-off carries no signature (recorded before signing keys, "
                                            "or added outside the app)")
    key = recorded_keys.get(so.fingerprint or "")
    if key is None:
        return SignatureState(FAILED, f"signed by {so.fingerprint or 'an unnamed key'}, a key this engagement "
                                      "never recorded", so.fingerprint or "")
    v = _verdict(so.statement, so.signature, tuple(sorted(expected_fields(so).items())), key.raw)
    if not v.valid:
        return SignatureState(FAILED, v.reason, so.fingerprint)
    return SignatureState(VERIFIED, "", so.fingerprint, trusted is not None and so.fingerprint in trusted)
