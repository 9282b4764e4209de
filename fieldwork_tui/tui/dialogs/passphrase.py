"""Dialog: the passphrase of the signing key, asked once per session when a sign-off or an export
needs the key and no passphrase file is set. The key is unlocked in the form's worker: a wrong
passphrase is said in the form, which stays open. Returns True once unlocked, None when cancelled."""

from __future__ import annotations

from fieldwork_tui.services import signing
from fieldwork_tui.services.errors import FieldworkError, InvalidInput
from fieldwork_tui.tui.kit.forms import FieldError, FormDialog, text_field


class PassphraseDialog(FormDialog[bool | None]):
    TITLE_TEXT = "Unlock your signing key"
    SAVE_LABEL = "Unlock"
    WIDTH = 76

    def __init__(self, fingerprint: str, why: str, save) -> None:
        super().__init__(subtitle=f"{why}: your signing key {fingerprint} is passphrase-protected.", save=save)
        self.fingerprint = fingerprint

    def fields(self):
        yield from text_field("Passphrase", "passphrase", password=True, placeholder="passphrase")

    def values(self) -> str:
        value = str(self.value("passphrase") or "")  # as typed: a passphrase's spaces are part of it
        if not value:
            raise FieldError("passphrase", "passphrase: type the passphrase of your signing key")
        return value


def unlock_then(screen, why: str, proceed) -> None:
    """Run `proceed()` once the signing key can sign: at once when it needs no passphrase (or one is
    set in FIELDWORK_PASSPHRASE_FILE, or it was unlocked earlier this session), else after asking."""
    try:
        needed = signing.needs_passphrase()
        view = signing.key_view()
    except FieldworkError as exc:
        screen.notify(str(exc), title="Signing key", severity="error")
        return
    if not needed or view is None:
        proceed()
        return

    def unlock(passphrase: str) -> bool:
        try:
            signing.unlock(lambda: passphrase.encode("utf-8"))
        except FieldworkError as exc:
            raise InvalidInput(f"passphrase: {exc}") from None
        return True

    def done(unlocked: bool | None) -> None:
        if unlocked:
            proceed()
        else:
            screen.notify("Not signed: the signing key stays locked.", severity="warning")

    screen.app.push_screen(PassphraseDialog(view.fingerprint, why, unlock), done)
