"""One snapshot per findings screen state a user sees: the exceptions register and tab, the exception,
response and conclusion forms, the Review tab (stale, reviewed, a note answered) and its dialogs (note,
answer, the confirmation over blocking flags, the review settings) (fixed size, blink and clock frozen)."""

from __future__ import annotations

from ..support import open_control_tab, open_review_keys, settle
from .test_signing import keys

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


def test_review_tab_with_answered_note(snap_compare, frozen, demo_app):
    assert snap_compare(demo_app, press=open_review_keys("CM-01"), terminal_size=SIZE)


def test_review_note_dialog(snap_compare, frozen, demo_app):
    assert snap_compare(demo_app, press=[*open_review_keys("AC-01"), "n", "C", "h", "e", "c", "k"],
                        terminal_size=SIZE)


def keys_then_settle(*keys):
    """A snapshot's run_before: press `keys`, then wait for the workers they start (no sleeping)."""
    async def run_before(pilot):
        for key in keys:
            await pilot.press(key)
        await settle(pilot)

    return run_before


def test_sign_over_blocking_flags_confirmation(snap_compare, frozen, demo_app):
    from fieldwork_tui.services.signing.keys import ensure_key

    ensure_key("elena")  # the key exists: no "created your signing key" notice naming a temporary folder
    assert snap_compare(demo_app, run_before=keys_then_settle(*open_review_keys("AC-05"), "p"),
                        terminal_size=SIZE)


def test_answer_note_dialog(snap_compare, frozen, demo_app):
    async def run_before(pilot):
        await keys_then_settle(*open_review_keys("CM-01"))(pilot)
        pilot.app.screen.query_one("#notes").focus()
        await pilot.press("a")
        await settle(pilot)

    assert snap_compare(demo_app, run_before=run_before, terminal_size=SIZE)


def test_review_settings_dialog(snap_compare, frozen, demo_app):
    assert snap_compare(demo_app, press=[*open_review_keys("AC-05"), "S"], terminal_size=SIZE)
def test_passphrase_dialog(snap_compare, frozen, demo_app, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    fixed = tmp_path / "fixed.pem"  # a fixed key, so the fingerprint in the snapshot is too
    fixed.write_bytes(Ed25519PrivateKey.from_private_bytes(bytes(range(32))).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    keys.create_key("elena", passphrase=b"pw", source=fixed)
    assert snap_compare(demo_app, press=[*open_review_keys("AC-05"), "p", "x", "y"], terminal_size=SIZE)
