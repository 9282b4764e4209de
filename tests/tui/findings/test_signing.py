"""Signing in the app: the first sign-off creates the key and says so, a passphrase-protected key is
unlocked once in a dialog, an export shows signer and fingerprint, a forged sign-off shows
"signature does not verify" and counts as absent."""

from __future__ import annotations

import sqlite3

import pytest
from textual.widgets import Input

from fieldwork_tui.services.bundle.verify import verify_bundle
from fieldwork_tui.services.controls.status import control_rows
from fieldwork_tui.services.findings.signoffs import control_signoffs
from fieldwork_tui.services.signing import keys as signing
from fieldwork_tui.store import keys
from fieldwork_tui.tui.dialogs.passphrase import PassphraseDialog

from ..support import open_review_keys, plain, settle


@pytest.fixture(autouse=True)
def _fresh_unlock_cache():
    signing.forget_unlocked()
    yield
    signing.forget_unlocked()


async def _open(pilot, ref):
    for key in open_review_keys(ref):
        await pilot.press(key)
    await settle(pilot)


async def test_first_signoff_creates_the_key_and_says_so(demo_app):
    assert keys.load_info() is None
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "AC-05")
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("y")  # AC-05 has blocking flags: the sign-off is confirmed over them
        await settle(pilot)
        info = keys.load_info()
        assert info is not None and info.name == "elena"
        assert any("created your signing key" in str(n.message) and info.fingerprint in str(n.message)
                   for n in demo_app._notifications)
        prep, _rev = control_signoffs(demo_app.handle, "AC-05")
        assert prep.holds and prep.fingerprint == info.fingerprint
        assert "signature verified" in plain(demo_app.screen.query_one("#signoffs"))


async def test_a_protected_key_is_unlocked_once_in_a_dialog(demo_app):
    keys.create_key("elena", passphrase=b"correct horse")
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "AC-05")
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(demo_app.screen, PassphraseDialog)
        dialog = demo_app.screen
        dialog.query_one("#passphrase", Input).value = "wrong"
        await pilot.press("enter")
        await settle(pilot)
        assert demo_app.screen is dialog and "wrong passphrase" in plain(dialog.query_one("#form-error"))
        assert not control_signoffs(demo_app.handle, "AC-05")[0].signed
        dialog.query_one("#passphrase", Input).value = "correct horse"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")  # confirmed over AC-05's blocking flags
        await settle(pilot)
        assert control_signoffs(demo_app.handle, "AC-05")[0].holds
        await _open(pilot, "CM-02")  # a second signing this session asks no more
        await pilot.press("p")
        await settle(pilot)
        assert not isinstance(demo_app.screen, PassphraseDialog)
        if type(demo_app.screen).__name__ == "ConfirmDialog":
            await pilot.press("y")
            await settle(pilot)
        assert control_signoffs(demo_app.handle, "CM-02")[0].holds


async def test_export_shows_signer_and_fingerprint(demo_app, tmp_path):
    out = tmp_path / "signed.zip"
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await pilot.press("e")
        await settle(pilot)
        demo_app.screen.query_one("#export-path", Input).value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        result = plain(demo_app.screen.query_one("#export-result"))
    fp = keys.load_info().fingerprint
    assert f"Signed by elena · key {fp}" in result and "manifest SHA-256 " in result
    report = verify_bundle(out)
    assert report.ok and report.signature.fingerprint == fp


def forge_signoff(home):
    from fieldwork_tui.services.demo import DEMO_SLUG

    conn = sqlite3.connect(home / DEMO_SLUG / "fieldwork.db")
    conn.execute("UPDATE signoff SET content_hash = '0000000000000000' || substr(content_hash, 17) "
                 "WHERE control_id = (SELECT id FROM control WHERE ref = 'AC-01')")
    conn.commit()
    conn.close()


async def test_a_forged_signoff_shows_and_counts_as_absent(demo_app, demo_home):
    forge_signoff(demo_home)
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "AC-01")
        text = plain(demo_app.screen.query_one("#signoffs"))
        assert text.count("signature does not verify") >= 2
    row = next(r for r in control_rows(demo_app.handle) if r.ref == "AC-01")
    assert "unsigned" in [f.value for f in row.flags]
