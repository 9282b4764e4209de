"""Whose manifest.sig counts (services/bundle/signature.py)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fieldwork_tui.domain import signatures as sig
from fieldwork_tui.services.bundle import signature as bs
from fieldwork_tui.services.errors import InvalidInput

KEY = Ed25519PrivateKey.generate()
FP = sig.public_key_of(KEY).fingerprint
MANIFEST = b'{"files":[]}'


def test_states():
    good = sig.sign(KEY, sig.NS_BUNDLE, MANIFEST)
    assert bs.check_signature(MANIFEST, good, "elena", None, {FP: "elena"}).ok
    assert bs.check_signature(MANIFEST, None, "", None, {}).state == "unsigned"
    assert bs.check_signature(MANIFEST, good, "elena", None, {}).state == "untrusted"
    assert bs.check_signature(MANIFEST + b" ", good, "elena", None, {FP: "e"}).state == "invalid"
    assert bs.check_signature(MANIFEST, good, "elena", bs.Pin(FP, FP), {}).ok
    other = sig.public_key_of(Ed25519PrivateKey.generate()).fingerprint
    assert bs.check_signature(MANIFEST, good, "elena", bs.Pin(other, other), {FP: "e"}).state == "wrong_key"
    # a sign-off signature cannot pass as a bundle signature
    assert bs.check_signature(MANIFEST, sig.sign(KEY, sig.NS_SIGNOFF, MANIFEST), "", None, {FP: "e"}).state == "invalid"


def test_pin_from_fingerprint_or_file(tmp_path):
    assert bs.parse_pin(FP).fingerprint == FP
    f = tmp_path / "k.pub"
    f.write_text(sig.public_key_of(KEY, "elena").openssh())
    assert bs.parse_pin(str(f)).fingerprint == FP
    with pytest.raises(InvalidInput):
        bs.parse_pin("SHA256:short")
