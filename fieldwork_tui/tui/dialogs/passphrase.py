"""Dialog: the passphrase of the signing key, asked once per session when a sign-off or an export
needs the key and no passphrase file is set. Returns the passphrase, or None when cancelled."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class PassphraseDialog(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="passphrase.cancel", tooltip="Close without signing")]

    def __init__(self, fingerprint: str, why: str) -> None:
        super().__init__(classes="dialog")
        self.fingerprint, self.why = fingerprint, why

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Unlock your signing key", classes="section-title")
            yield Label(f"{self.why}: your signing key is passphrase-protected.", classes="field-label")
            yield Label(f"key {self.fingerprint}", classes="muted")
            yield Input(password=True, placeholder="passphrase", id="passphrase")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Unlock", variant="primary", id="unlock")

    @on(Input.Submitted)
    @on(Button.Pressed, "#unlock")
    def _unlock(self) -> None:
        self.dismiss(self.query_one("#passphrase", Input).value or None)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def unlock_then(screen, why: str, proceed) -> None:
    """Run `proceed()` once the signing key can sign: at once when it needs no passphrase (or one is
    set in FIELDWORK_PASSPHRASE_FILE, or it was unlocked earlier this session), else after asking."""
    from fieldwork_tui.services import signing
    from fieldwork_tui.services.errors import FieldworkError

    try:
        needed = signing.needs_passphrase()
        view = signing.key_view()
    except FieldworkError as exc:
        screen.notify(str(exc), title="Signing key", severity="error")
        return
    if not needed or view is None:
        proceed()
        return

    def done(passphrase: str | None) -> None:
        if not passphrase:
            screen.notify("Not signed: the signing key stays locked.", severity="warning")
            return
        try:
            signing.unlock(lambda: passphrase.encode("utf-8"))
        except FieldworkError as exc:
            screen.notify(str(exc), title="Signing key", severity="error")
            return
        proceed()

    screen.app.push_screen(PassphraseDialog(view.fingerprint, why), done)
