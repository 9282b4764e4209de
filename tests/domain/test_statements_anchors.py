"""Signed statements (sign-offs, exports) and the anchors record judged against a chain."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fieldwork_tui.domain import anchors, statements
from fieldwork_tui.domain import signatures as sig


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _signoff(key, **over):
    fp = sig.public_key_of(key).fingerprint
    st = statements.signoff_statement(engagement="uid1", control_id=3, control="AC-01", role="preparer",
                                      workpaper_sha256="a" * 64, journal_head="b" * 64, journal_entries=12,
                                      signer="Elena Park", fingerprint=fp, signed_at="2026-11-20T10:00:00")
    st.update(over)
    return st


def test_signed_statement_verifies_against_the_record(key):
    st = _signoff(key)
    text = statements.canonical(st).decode()
    armored = statements.sign_statement(key, st)
    v = statements.verify_statement(text, armored, {"workpaper_sha256": "a" * 64, "role": "preparer"})
    assert v.valid and v.label == "signature verified" and v.fingerprint == st["fingerprint"]


def test_a_recomputed_workpaper_hash_no_longer_matches_the_signature(key):
    st = _signoff(key)
    armored = statements.sign_statement(key, st)
    # the attacker edits the row and recomputes the hash: the record no longer says what was signed
    v = statements.verify_statement(statements.canonical(st).decode(), armored, {"workpaper_sha256": "c" * 64})
    assert not v.valid and "workpaper sha256" in v.reason and v.label == "signature does not verify"
    # ...and rewriting the statement to match breaks the signature
    forged = statements.canonical({**st, "workpaper_sha256": "c" * 64}).decode()
    v = statements.verify_statement(forged, armored, {"workpaper_sha256": "c" * 64})
    assert not v.valid and "does not verify" in v.reason


def test_statement_naming_another_key_or_recorded_key_mismatch(key):
    other = Ed25519PrivateKey.generate()
    st = _signoff(key)
    with pytest.raises(sig.SignatureError, match="another key"):
        statements.sign_statement(other, st)
    armored = statements.sign_statement(key, st)
    v = statements.verify_statement(statements.canonical(st).decode(), armored, key=sig.public_key_of(other))
    assert not v.valid and "not by the recorded key" in v.reason


def test_non_canonical_statement_is_refused(key):
    st = _signoff(key)
    armored = statements.sign_statement(key, st)
    pretty = json.dumps(st, indent=1)
    assert not statements.verify_statement(pretty, armored).valid


def _anchor(key, head: str, engagement: str = "uid1") -> str:
    st = _signoff(key, journal_head=head, engagement=engagement)
    return anchors.anchor_line("signoff", statements.canonical(st).decode(), statements.sign_statement(key, st))


def test_anchors_hold_while_the_chain_contains_their_heads(key):
    lines = [_anchor(key, "h1"), _anchor(key, "h2")]
    parsed, problems = anchors.parse_anchors(lines)
    assert len(parsed) == 2 and not problems
    fp = sig.public_key_of(key).fingerprint
    assert anchors.judge(parsed, {"h0", "h1", "h2", "h3"}, engagement="uid1", trusted=lambda f: f == fp) == []


def test_a_rewritten_chain_is_reported(key):
    parsed, _ = anchors.parse_anchors([_anchor(key, "h1"), _anchor(key, "other", engagement="uid2")])
    out = anchors.judge(parsed, {"x1", "x2"}, engagement="uid1", trusted=lambda f: True)
    assert len(out) == 1 and "no longer contains the head" in out[0] and "line 1" in out[0]


def test_untrusted_and_forged_anchors_are_reported(key):
    line = _anchor(key, "h1")
    parsed, _ = anchors.parse_anchors([line])
    assert "not in your trust list" in anchors.judge(parsed, {"h1"}, engagement="uid1", trusted=lambda f: False)[0]
    data = json.loads(line)
    data["statement"] = data["statement"].replace('"h1"', '"h9"')
    parsed, _ = anchors.parse_anchors([json.dumps(data)])
    assert "does not verify" in anchors.judge(parsed, {"h9"}, engagement="uid1", trusted=lambda f: True)[0]


def test_damaged_anchor_lines_are_problems_not_skipped():
    parsed, problems = anchors.parse_anchors(["{not json", '{"kind":"signoff","statement":"{}","signature":""}'])
    assert parsed == [] and len(problems) == 2 and "line 1" in problems[0]
