"""One snapshot per findings screen state a user sees: the exceptions register and tab, the exception,
response and conclusion forms, the Review tab and its note dialog (fixed size, blink and clock frozen)."""

from __future__ import annotations

from ..support import open_control_tab, open_review_keys
from .test_signing import forge_signoff, keys

SIZE = (130, 40)


def _at(ref: str, tab: str = "exceptions"):
    async def run_before(pilot) -> None:
        await open_control_tab(pilot, ref, tab)

    return run_before


def test_register(snap_compare, demo_app):
    assert snap_compare(demo_app, press=["5"], terminal_size=SIZE)


def test_exceptions_tab_with_section_iv(snap_compare, demo_app):
    assert snap_compare(demo_app, run_before=_at("CM-01"), terminal_size=SIZE)


def test_exception_form(snap_compare, demo_app):
    assert snap_compare(demo_app, run_before=_at("CM-01"), press=["enter"], terminal_size=SIZE)


def test_response_form(snap_compare, demo_app):
    assert snap_compare(demo_app, press=["5", "r"], terminal_size=SIZE)


def test_conclude_dialog(snap_compare, demo_app):
    assert snap_compare(demo_app, run_before=_at("AC-02"), press=["k"], terminal_size=SIZE)


def test_review_tab_with_stale_signoff(snap_compare, frozen, demo_app):
    assert snap_compare(demo_app, press=open_review_keys("AC-03"), terminal_size=SIZE)


def test_review_tab_reviewed_with_cleared_note(snap_compare, frozen, demo_app):
    assert snap_compare(demo_app, press=open_review_keys("AC-01"), terminal_size=SIZE)


def test_review_note_dialog(snap_compare, frozen, demo_app):
    assert snap_compare(demo_app, press=[*open_review_keys("AC-01"), "n", "C", "h", "e", "c", "k"],
                        terminal_size=SIZE)


def test_review_tab_with_a_forged_signoff(snap_compare, frozen, demo_app):
    forge_signoff(frozen)
    assert snap_compare(demo_app, press=open_review_keys("AC-01"), terminal_size=SIZE)


def test_passphrase_dialog(snap_compare, frozen, demo_app, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    fixed = tmp_path / "fixed.pem"  # a fixed key, so the fingerprint in the snapshot is too
    fixed.write_bytes(Ed25519PrivateKey.from_private_bytes(bytes(range(32))).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    keys.create_key("elena", passphrase=b"pw", source=fixed)
    assert snap_compare(demo_app, press=[*open_review_keys("AC-05"), "p", "x", "y"], terminal_size=SIZE)
