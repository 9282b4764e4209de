"""SSH-format Ed25519 keys and SSHSIG signatures (domain/signatures.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fieldwork_tui.domain import signatures as sig


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def test_public_key_round_trips_through_the_openssh_line(key):
    pub = sig.public_key_of(key, "Elena Park")
    line = pub.openssh()
    assert line.startswith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5") and line.endswith(" Elena Park")
    again = sig.parse_public_key(line)
    assert again.raw == pub.raw and again.comment == "Elena Park"
    assert sig.is_fingerprint(pub.fingerprint)


def test_comment_with_control_characters_stays_on_one_line(key):
    line = sig.public_key_of(key, "evil\nname\x1b[2J").openssh()
    assert "\n" not in line and "\x1b" not in line


def test_signature_verifies_and_names_its_key(key):
    armored = sig.sign(key, sig.NS_BUNDLE, b"manifest bytes")
    s = sig.verify(armored, sig.NS_BUNDLE, b"manifest bytes")
    assert s.fingerprint == sig.public_key_of(key).fingerprint


def test_changed_message_wrong_namespace_and_other_key_fail(key):
    armored = sig.sign(key, sig.NS_BUNDLE, b"manifest bytes")
    with pytest.raises(sig.SignatureError, match="does not verify"):
        sig.verify(armored, sig.NS_BUNDLE, b"manifest bytez")
    with pytest.raises(sig.SignatureError, match="made for"):
        sig.verify(armored, sig.NS_SIGNOFF, b"manifest bytes")
    # the key inside the signature swapped for another: the signature no longer verifies
    other = sig.public_key_of(Ed25519PrivateKey.generate())
    parsed = sig.parse_signature(armored)
    import base64
    body = "".join(armored.strip().splitlines()[1:-1])
    blob = base64.b64decode(body).replace(parsed.key.blob, other.blob)
    forged = sig.BEGIN + "\n" + base64.b64encode(blob).decode() + "\n" + sig.END
    with pytest.raises(sig.SignatureError, match="does not verify"):
        sig.verify(forged, sig.NS_BUNDLE, b"manifest bytes")


@pytest.mark.parametrize("text", ["", "hello", sig.BEGIN + "\n!!!\n" + sig.END,
                                  sig.BEGIN + "\nU1NIU0lH\n" + sig.END])
def test_garbage_is_a_signature_error(text):
    with pytest.raises(sig.SignatureError):
        sig.parse_signature(text)


def test_allowed_signers_round_trip(key):
    pub = sig.public_key_of(key, "Elena Park")
    line = sig.allowed_signers_line("Elena Park", pub)
    assert line.startswith('Elena-Park namespaces="fieldwork-signoff,fieldwork-export,fieldwork-bundle" ssh-ed25519 ')
    text = "# team keys\n\n" + line + "\nbob ssh-rsa AAAAB3Nza comment\n"
    (entry,) = sig.parse_allowed_signers(text)
    assert entry.principal == "Elena-Park" and entry.fingerprint == pub.fingerprint


def test_damaged_allowed_signers_line_is_named():
    with pytest.raises(sig.SignatureError, match="line 2"):
        sig.parse_allowed_signers("# x\nalice ssh-ed25519 !!!notbase64\n")


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="OpenSSH's ssh-keygen is not installed")
def test_openssh_verifies_our_signature_and_prints_the_same_fingerprint(key, tmp_path: Path):
    pub = sig.public_key_of(key, "elena")
    (tmp_path / "key.pub").write_text(pub.openssh() + "\n")
    out = subprocess.run(["ssh-keygen", "-l", "-f", str(tmp_path / "key.pub")], capture_output=True, text=True,
                         check=True).stdout
    assert pub.fingerprint in out
    (tmp_path / "allowed").write_text(sig.allowed_signers_line("elena", pub) + "\n")
    (tmp_path / "manifest.json").write_bytes(b'{"files":[]}')
    (tmp_path / "manifest.sig").write_text(sig.sign(key, sig.NS_BUNDLE, b'{"files":[]}'))
    run = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(tmp_path / "allowed"), "-I", "elena",
                          "-n", sig.NS_BUNDLE, "-s", str(tmp_path / "manifest.sig")],
                         input=b'{"files":[]}', capture_output=True)
    assert run.returncode == 0, run.stderr
    bad = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(tmp_path / "allowed"), "-I", "elena",
                          "-n", sig.NS_BUNDLE, "-s", str(tmp_path / "manifest.sig")],
                         input=b'{"files":[1]}', capture_output=True)
    assert bad.returncode != 0
