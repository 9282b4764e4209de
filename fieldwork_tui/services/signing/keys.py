"""The person's signing key as the app and the CLI use it: create, show, trust, unlock.

The key files are `store/keys.py`'s; this module returns plain views and one-line errors. A first
use without a key creates one (unencrypted, named after the acting user) and says so through
`on_created`, so the demo and a first sign-off need no set-up.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fieldwork_tui.domain import signatures as sig
from fieldwork_tui.services.errors import FieldworkError, InvalidInput, NotFound
from fieldwork_tui.services.signing.views import KeyView, TrustedView
from fieldwork_tui.store import keys

PASSPHRASE_ENV = keys.PASSPHRASE_ENV

Passphrase = Callable[[], bytes | None]


def _view(info: keys.KeyInfo, created: bool = False) -> KeyView:
    return KeyView(info.name, info.fingerprint, info.public.openssh(), info.path, info.encrypted, created)


def _wrap(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except keys.KeyFileError as exc:
        raise FieldworkError(str(exc)) from None


def key_view() -> KeyView | None:
    info = _wrap(keys.load_info)
    return _view(info) if info else None


def created_message(view: KeyView) -> str:
    return (f"created your signing key {view.fingerprint} for {view.name} in {view.path.parent} "
            "(no passphrase; `fieldwork keys init --force --passphrase` replaces it)")


def ensure_key(name: str, on_created: Callable[[str], None] | None = None) -> KeyView:
    """The person's key, created now (and announced) when there is none."""
    view = key_view()
    if view is not None:
        return view
    view = _view(_wrap(keys.create_key, name), created=True)
    if on_created:
        on_created(created_message(view))
    return view


def init_key(name: str, *, passphrase: bytes | None = None, force: bool = False,
             source: Path | None = None) -> KeyView:
    if not (name or "").strip():
        raise InvalidInput("name: a signing key needs the name of the person who signs")
    return _view(_wrap(keys.create_key, name.strip(), passphrase, force=force, source=source), created=True)


#: Keys unlocked in this process, by fingerprint: the app asks for a passphrase once per session.
_UNLOCKED: dict[str, object] = {}


def unlock(passphrase: Passphrase | None = None):
    """The private key (the passphrase from FIELDWORK_PASSPHRASE_FILE or `passphrase()` when needed)."""
    view = key_view()
    if view is not None and view.fingerprint in _UNLOCKED:
        return _UNLOCKED[view.fingerprint]
    private = _wrap(keys.load_private, passphrase)
    if view is not None:
        _UNLOCKED[view.fingerprint] = private
    return private


def passphrase_from_env() -> bytes | None:
    """The passphrase in the file FIELDWORK_PASSPHRASE_FILE names, or None."""
    return _wrap(keys.passphrase_from_env)


def needs_passphrase() -> bool:
    """Whether signing now would need a passphrase typed in (the app then asks for it first)."""
    view = key_view()
    if view is None or not view.encrypted or view.fingerprint in _UNLOCKED:
        return False
    return _wrap(keys.passphrase_from_env) is None


def forget_unlocked() -> None:
    _UNLOCKED.clear()


def read_public_key(path: Path | str) -> sig.PublicKey:
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"{path}: no such public key file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read ({exc})") from None
    line = next((ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), "")
    try:
        return sig.parse_public_key(line)
    except sig.SignatureError as exc:
        raise InvalidInput(f"{path}: {exc}") from None


def trust_key(path: Path | str, principal: str = "") -> TrustedView:
    entry, added = _wrap(keys.trust, read_public_key(path), principal)
    return TrustedView(entry.principal, entry.fingerprint, added)


def trust_demo_key(principal: str, public: sig.PublicKey) -> None:
    """Trust a demo person's throwaway key (its private half is discarded once the demo is signed)."""
    _wrap(keys.replace_trusted, principal, public)


def trusted_keys() -> list[TrustedView]:
    return [TrustedView(t.principal, t.fingerprint, False) for t in _wrap(keys.trusted)]


def trusted_fingerprints() -> dict[str, str]:
    """{fingerprint: principal} of the keys whose signatures this person accepts (their own included)."""
    return _wrap(keys.trusted_fingerprints)
