"""Key files and the anchors record on disk (store/keys.py, store/anchors.py): 0600, passphrases, trust."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fieldwork_tui.domain import signatures as sig
from fieldwork_tui.store import anchors, keys


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_key_files_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        info = keys.create_key("Elena Park")
    finally:
        os.umask(old)
    assert _mode(keys.key_file()) == 0o600 and _mode(keys.pub_file()) == 0o600
    assert _mode(keys.keys_dir()) == 0o700
    assert keys.load_info().fingerprint == info.fingerprint and info.name == "Elena Park"
    assert sig.public_key_of(keys.load_private()).raw == info.public.raw


def test_an_existing_key_is_not_replaced_without_force():
    first = keys.create_key("a")
    with pytest.raises(keys.KeyFileError, match="exists already"):
        keys.create_key("b")
    assert keys.create_key("b", force=True).fingerprint != first.fingerprint


def test_passphrase_protected_key_reads_its_passphrase_from_the_env_file(tmp_path, monkeypatch):
    keys.create_key("Elena", passphrase=b"correct horse")
    assert b"correct horse" not in keys.key_file().read_bytes() and keys.load_info().encrypted
    with pytest.raises(keys.KeyFileError, match="FIELDWORK_PASSPHRASE_FILE"):
        keys.load_private()
    secret = tmp_path / "pass"
    secret.write_text("wrong\n")
    monkeypatch.setenv(keys.PASSPHRASE_ENV, str(secret))
    with pytest.raises(keys.KeyFileError, match="wrong passphrase"):
        keys.load_private()
    secret.write_text("correct horse\n")
    assert keys.load_private() is not None
    monkeypatch.delenv(keys.PASSPHRASE_ENV)
    assert keys.load_private(lambda: b"correct horse") is not None


def test_an_openssh_key_can_be_imported(tmp_path):
    private = Ed25519PrivateKey.generate()
    src = tmp_path / "id_ed25519"
    src.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                          serialization.NoEncryption()))
    info = keys.create_key("Elena", source=src)
    assert info.fingerprint == sig.public_key_of(private).fingerprint


def test_trust_list_adds_once_and_counts_the_own_key():
    own = keys.create_key("me")
    other = sig.public_key_of(Ed25519PrivateKey.generate(), "Bob Lee")
    entry, added = keys.trust(other)
    assert added and entry.principal == "Bob-Lee"
    assert keys.trust(other)[1] is False
    assert set(keys.trusted_fingerprints()) == {own.fingerprint, other.fingerprint}
    assert _mode(keys.trust_file()) == 0o600


def test_anchors_file_appends_lines_privately(tmp_path):
    home = tmp_path / "home"
    anchors.append(home, "abc123", '{"a":1}')
    anchors.append(home, "abc123", '{"a":2}')
    assert anchors.read_lines(home, "abc123") == ['{"a":1}', '{"a":2}']
    assert _mode(anchors.anchors_file(home, "abc123")) == 0o600
    assert anchors.read_lines(home, "other") == []
    with pytest.raises(ValueError):
        anchors.anchors_file(home, "../escape")
