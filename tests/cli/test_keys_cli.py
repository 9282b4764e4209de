"""`fieldwork keys init|show|trust` (CliRunner)."""

from __future__ import annotations

import stat

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

import fieldwork_tui.cli.keys  # noqa: F401 - registers the keys commands
from fieldwork_tui.cli import app
from fieldwork_tui.domain import signatures as sig
from fieldwork_tui.store import keys

runner = CliRunner()


def test_init_show_and_the_files_are_private():
    r = runner.invoke(app, ["keys", "init", "--name", "Elena Park"])
    assert r.exit_code == 0, r.output
    fp = keys.load_info().fingerprint
    assert fp in r.output and "Elena Park" in r.output
    assert stat.S_IMODE(keys.key_file().stat().st_mode) == 0o600
    r = runner.invoke(app, ["keys", "show"])
    assert r.exit_code == 0 and fp in r.output and "ssh-ed25519 " in r.output and "trusted keys: 0" in r.output
    again = runner.invoke(app, ["keys", "init"])
    assert again.exit_code == 1 and "exists already" in again.output and keys.load_info().fingerprint == fp


def test_show_without_a_key_says_what_to_do_and_still_lists_the_trusted_keys(tmp_path):
    """A manager who only verifies has no key of their own: `keys show` still lists whom they trust."""
    r = runner.invoke(app, ["keys", "show"])
    assert r.exit_code == 0 and "fieldwork keys init" in r.output and "trusted keys: 0" in r.output
    pub = sig.public_key_of(Ed25519PrivateKey.generate(), "Elena Park")
    (tmp_path / "elena.pub").write_text(pub.openssh() + "\n")
    assert runner.invoke(app, ["keys", "trust", str(tmp_path / "elena.pub")]).exit_code == 0
    r = runner.invoke(app, ["keys", "show"])
    assert r.exit_code == 0 and "trusted keys: 1" in r.output and pub.fingerprint in r.output
    assert not keys.key_file().exists()


def test_passphrase_from_the_env_file(tmp_path, monkeypatch):
    secret = tmp_path / "pass"
    secret.write_text("s3cret\n")
    monkeypatch.setenv(keys.PASSPHRASE_ENV, str(secret))
    r = runner.invoke(app, ["keys", "init", "--passphrase"])
    assert r.exit_code == 0 and "passphrase-protected" in r.output
    assert keys.load_private() is not None


def test_passphrase_without_terminal_or_file_is_refused():
    r = runner.invoke(app, ["keys", "init", "--passphrase"])
    assert r.exit_code == 1 and keys.PASSPHRASE_ENV in r.output and not keys.key_file().exists()


def test_trust_a_colleague(tmp_path):
    pub = sig.public_key_of(Ed25519PrivateKey.generate(), "Bob Lee")
    f = tmp_path / "bob.pub"
    f.write_text(pub.openssh() + "\n")
    r = runner.invoke(app, ["keys", "trust", str(f)])
    assert r.exit_code == 0 and "now trusted: Bob-Lee " + pub.fingerprint in r.output
    assert "already trusted" in runner.invoke(app, ["keys", "trust", str(f)]).output
    bad = tmp_path / "bad.pub"
    bad.write_text("ssh-rsa AAAA\n")
    r = runner.invoke(app, ["keys", "trust", str(bad)])
    assert r.exit_code == 1 and "bad.pub" in r.output and len(r.output.strip().splitlines()) == 1
