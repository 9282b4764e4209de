"""Signing and verifying sign-off statements with the person's key (services/findings/attestation.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from fieldwork_tui.domain import signatures as sig
from fieldwork_tui.services.findings import attestation
from fieldwork_tui.services.signing import keys as signing


@dataclass(frozen=True)
class Row:  # the fields of a sign-off row that the signature covers
    control_id: int
    role: str
    content_hash: str
    signed_by: str
    signed_at: dt.datetime
    fingerprint: str = ""
    statement: str = ""
    signature: str = ""
    journal_head: str = ""


def _signed_row(messages=None) -> tuple[Row, dict]:
    at = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
    s = attestation.sign_signoff(engagement_uid="u1", control_id=3, control_ref="AC-01", role="preparer",
                                 workpaper_sha256="a" * 64, head=("b" * 64, 40), signed_at=at, actor="elena",
                                 on_created=(messages.append if messages is not None else None))
    row = Row(3, "preparer", "a" * 64, s.signer, at.replace(tzinfo=None), s.fingerprint, s.statement, s.signature,
              "b" * 64)
    return row, {s.fingerprint: s.public_key}


def test_first_signing_creates_the_key_and_says_so():
    messages: list[str] = []
    row, keys = _signed_row(messages)
    assert len(messages) == 1 and "created your signing key" in messages[0] and row.fingerprint in messages[0]
    state = attestation.verify_signoff(row, keys, signing.trusted_fingerprints())
    assert state.holds and state.label == "signature verified" and state.trusted


def test_a_recomputed_content_hash_makes_the_signature_fail():
    row, keys = _signed_row()
    state = attestation.verify_signoff(replace(row, content_hash="c" * 64), keys)
    assert not state.holds and state.label == "signature does not verify" and "workpaper" in state.reason


def test_unsigned_rows_and_unknown_keys_do_not_hold():
    row, keys = _signed_row()
    assert attestation.verify_signoff(replace(row, signature=""), keys).label == "no signature"
    assert not attestation.verify_signoff(row, {}).holds
    other = sig.PublicKey(b"\x01" * 32)
    assert not attestation.verify_signoff(row, {row.fingerprint: other}).holds


def test_another_signer_name_on_the_row_fails():
    row, keys = _signed_row()
    assert not attestation.verify_signoff(replace(row, signed_by="mallory"), keys).holds
