"""The statements a person signs: a sign-off on a control's workpaper, and an export of a bundle.

A statement is a small JSON object in one canonical byte form (keys sorted, no spaces, UTF-8); the
signature (an SSHSIG, `domain/signatures.py`) covers exactly those bytes. What each kind binds:

- sign-off (`fieldwork-signoff/1`): the engagement's id, the control (id and ref), the role, the
  SHA-256 of the control's workpaper state, the journal head the signer saw (hash and entry count),
  the signer's name and key fingerprint, and the time;
- export (`fieldwork-export/1`): the engagement's id and name, the SHA-256 of `manifest.json`, the
  journal head exported, the signer and the time.

The journal head is "the chain its author saw": the hash of the last entry before signing. It is
checked by membership (the head must still be somewhere in the chain), never by position, so a later
merge of team journals (issue 20) cannot invalidate a signature.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fieldwork_tui.domain import signatures as sig

#: The words the app, `status` and the bundle show for a signature.
VERIFIED = "signature verified"
FAILED = "signature does not verify"
NO_SIGNATURE = "no signature"

SIGNOFF = "fieldwork-signoff/1"
EXPORT = "fieldwork-export/1"
_NAMESPACE = {SIGNOFF: sig.NS_SIGNOFF, EXPORT: sig.NS_EXPORT}
_REQUIRED = {
    SIGNOFF: ("engagement", "control_id", "control", "role", "workpaper_sha256", "journal_head",
              "journal_entries", "signer", "fingerprint", "signed_at"),
    EXPORT: ("engagement", "manifest_sha256", "journal_head", "journal_entries", "signer", "fingerprint",
             "signed_at"),
}


def canonical(statement: dict[str, Any]) -> bytes:
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signoff_statement(*, engagement: str, control_id: int, control: str, role: str, workpaper_sha256: str,
                      journal_head: str, journal_entries: int, signer: str, fingerprint: str,
                      signed_at: str) -> dict[str, Any]:
    return {"type": SIGNOFF, "engagement": engagement, "control_id": int(control_id), "control": control,
            "role": role, "workpaper_sha256": workpaper_sha256, "journal_head": journal_head,
            "journal_entries": int(journal_entries), "signer": signer, "fingerprint": fingerprint,
            "signed_at": signed_at}


def export_statement(*, engagement: str, engagement_name: str, manifest_sha256: str, journal_head: str,
                     journal_entries: int, signer: str, fingerprint: str, signed_at: str) -> dict[str, Any]:
    return {"type": EXPORT, "engagement": engagement, "engagement_name": engagement_name,
            "manifest_sha256": manifest_sha256, "journal_head": journal_head,
            "journal_entries": int(journal_entries), "signer": signer, "fingerprint": fingerprint,
            "signed_at": signed_at}


def sign_statement(private, statement: dict[str, Any]) -> str:
    kind = statement.get("type")
    if kind not in _NAMESPACE:
        raise sig.SignatureError(f"unknown statement type {kind!r}")
    missing = [k for k in _REQUIRED[kind] if k not in statement]
    if missing:
        raise sig.SignatureError(f"statement lacks {', '.join(missing)}")
    if statement["fingerprint"] != sig.public_key_of(private).fingerprint:
        raise sig.SignatureError("the statement names another key than the one signing it")
    return sig.sign(private, _NAMESPACE[kind], canonical(statement))


@dataclass(frozen=True)
class Verdict:
    """What a signed statement proves. `valid` means the signature is good, made by the key the
    statement names, and the statement says what the record it stands for says (`expected`)."""

    valid: bool
    reason: str = ""
    fingerprint: str = ""
    key: sig.PublicKey | None = None

    @property
    def label(self) -> str:
        return VERIFIED if self.valid else FAILED


def parse_statement(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        raise sig.SignatureError("the signed statement is not valid JSON") from None
    if not isinstance(data, dict) or data.get("type") not in _NAMESPACE:
        raise sig.SignatureError("not a fieldwork signed statement")
    return data


def verify_statement(statement_text: str, armored: str, expected: dict[str, Any] | None = None,
                     key: sig.PublicKey | None = None) -> Verdict:
    """Verify the signature over the statement's exact bytes, that it is canonical, that the signing
    key is the one the statement names (and `key` when given: the key the engagement or trust list
    holds for that fingerprint), and that every field in `expected` equals the statement's."""
    try:
        statement = parse_statement(statement_text)
        if canonical(statement) != statement_text.encode("utf-8"):
            return Verdict(False, "the signed statement is not in canonical form")
        kind = statement["type"]
        missing = [k for k in _REQUIRED[kind] if k not in statement]
        if missing:
            return Verdict(False, f"the signed statement lacks {', '.join(missing)}")
        s = sig.verify(armored, _NAMESPACE[kind], canonical(statement))
    except sig.SignatureError as exc:
        return Verdict(False, str(exc))
    if s.fingerprint != statement["fingerprint"]:
        return Verdict(False, f"signed by {s.fingerprint}, but the statement names {statement['fingerprint']}",
                       s.fingerprint, s.key)
    if key is not None and key.raw != s.key.raw:
        return Verdict(False, f"signed by {s.fingerprint}, not by the recorded key {key.fingerprint}",
                       s.fingerprint, s.key)
    for field, value in (expected or {}).items():
        if statement.get(field) != value:
            return Verdict(False, f"the signed {field.replace('_', ' ')} is {str(statement.get(field))[:24]!r}, "
                                  f"the record says {str(value)[:24]!r}", s.fingerprint, s.key)
    return Verdict(True, "", s.fingerprint, s.key)
