"""The person's signing key and trust list, in the user config dir (`paths.config_dir()`).

    <config>/keys/signing_key        the Ed25519 private key, PKCS#8 PEM, 0600, optionally
                                     passphrase-encrypted (AES-256 under a scrypt/PBKDF2-derived key)
    <config>/keys/signing_key.pub    `ssh-ed25519 AAAA… <name>` (the name is who signs)
    <config>/keys/allowed_signers    the trust list, OpenSSH allowed-signers format, so
                                     `ssh-keygen -Y verify -f allowed_signers …` reads it too

The folder is 0700. Non-interactive commands read a passphrase from the file named by
`FIELDWORK_PASSPHRASE_FILE`; the CLI asks on the terminal otherwise. An existing unencrypted OpenSSH
or PEM Ed25519 key can be imported (`keys init --from FILE`), so a firm can reuse its SSH keys.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fieldwork_tui.domain import signatures as sig
from fieldwork_tui.store import paths

KEY_NAME = "signing_key"
PUB_NAME = "signing_key.pub"
TRUST_NAME = "allowed_signers"
PASSPHRASE_ENV = "FIELDWORK_PASSPHRASE_FILE"

Passphrase = Callable[[], bytes | None]


class KeyFileError(Exception):
    """A key that cannot be created, read or trusted; the message is one line and names the file."""


@dataclass(frozen=True)
class KeyInfo:
    public: sig.PublicKey
    path: Path
    encrypted: bool

    @property
    def fingerprint(self) -> str:
        return self.public.fingerprint

    @property
    def name(self) -> str:
        return self.public.comment


def keys_dir() -> Path:
    return paths.config_dir() / "keys"


def key_file() -> Path:
    return keys_dir() / KEY_NAME


def pub_file() -> Path:
    return keys_dir() / PUB_NAME


def trust_file() -> Path:
    return keys_dir() / TRUST_NAME


def _write_private(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write `data` to `path` 0600 through a temp name: never a half-written or world-readable key."""
    paths.ensure_private_dir(paths.config_dir())
    paths.ensure_private_dir(path.parent)
    tmp = path.with_name(f".tmp-{path.name}")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        if not replace and path.exists():
            raise KeyFileError(f"{path}: already exists")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    paths.fsync_dir(path.parent)


def passphrase_from_env() -> bytes | None:
    """The passphrase in the file `FIELDWORK_PASSPHRASE_FILE` names (its first line), or None."""
    name = os.environ.get(PASSPHRASE_ENV)
    if not name:
        return None
    try:
        text = Path(name).expanduser().read_bytes()
    except OSError as exc:
        raise KeyFileError(f"{PASSPHRASE_ENV}={name}: cannot read the passphrase file ({exc.strerror})") from None
    return text.splitlines()[0] if text.strip() else None


def load_info() -> KeyInfo | None:
    """The person's public key (no passphrase needed), or None when there is no key yet."""
    if not key_file().exists():
        return None
    try:
        public = sig.parse_public_key(pub_file().read_text(encoding="utf-8"))
    except OSError as exc:
        raise KeyFileError(f"{pub_file()}: cannot read the public key ({exc.strerror}); "
                        "run `fieldwork keys init --force` to make a new key") from None
    except sig.SignatureError as exc:
        raise KeyFileError(f"{pub_file()}: {exc}") from None
    head = key_file().read_bytes()[:64]
    return KeyInfo(public, key_file(), b"ENCRYPTED" in head)


def create_key(name: str, passphrase: bytes | None = None, *, force: bool = False,
               source: Path | None = None, source_passphrase: bytes | None = None) -> KeyInfo:
    """Create (or, with `source`, import) the person's Ed25519 key. Refuses to replace one unless `force`."""
    if key_file().exists() and not force:
        raise KeyFileError(f"{key_file()}: a signing key exists already "
                        f"({load_info().fingerprint if load_info() else 'unreadable'}); --force replaces it")
    private = _import(source, source_passphrase) if source is not None else Ed25519PrivateKey.generate()
    enc = serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)
    public = sig.public_key_of(private, name)
    _write_private(key_file(), pem, replace=True)
    _write_private(pub_file(), (public.openssh() + "\n").encode("utf-8"), replace=True)
    return KeyInfo(public, key_file(), bool(passphrase))


def _import(source: Path, passphrase: bytes | None) -> Ed25519PrivateKey:
    try:
        data = Path(source).expanduser().read_bytes()
    except OSError as exc:
        raise KeyFileError(f"{source}: cannot read ({exc.strerror})") from None
    try:
        if b"OPENSSH PRIVATE KEY" in data:
            key = serialization.load_ssh_private_key(data, passphrase)
        else:
            key = serialization.load_pem_private_key(data, passphrase)
    except Exception as exc:  # noqa: BLE001 - cryptography raises several types for a bad or locked key
        hint = " (an encrypted OpenSSH key: give an unencrypted copy)" if b"OPENSSH" in data else ""
        raise KeyFileError(f"{source}: not a readable private key{hint}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{source}: only Ed25519 keys can sign fieldwork work")
    return key


def load_private(passphrase: Passphrase | None = None) -> Ed25519PrivateKey:
    """The private key, decrypted with the passphrase from `FIELDWORK_PASSPHRASE_FILE` or `passphrase()`."""
    try:
        data = key_file().read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"{key_file()}: no signing key (fieldwork keys init)") from None
    except OSError as exc:
        raise KeyFileError(f"{key_file()}: cannot read the signing key ({exc.strerror})") from None
    secret: bytes | None = None
    if b"ENCRYPTED" in data[:64]:
        secret = passphrase_from_env()
        if secret is None and passphrase is not None:
            secret = passphrase()
        if not secret:
            raise KeyFileError(f"{key_file()}: the signing key is passphrase-protected; set {PASSPHRASE_ENV} to a "
                            "file holding the passphrase, or run the command on a terminal")
    try:
        key = serialization.load_pem_private_key(data, secret)
    except (ValueError, TypeError):
        raise KeyFileError(f"{key_file()}: wrong passphrase, or the key file is damaged") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{key_file()}: not an Ed25519 key")
    info = load_info()
    if info is not None and sig.public_key_of(key).raw != info.public.raw:
        raise KeyFileError(f"{pub_file()}: does not belong to {key_file()}; run `fieldwork keys init --force`")
    return key


# -- the trust list ----------------------------------------------------------------------------------


def trusted() -> list[sig.TrustedKey]:
    try:
        text = trust_file().read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"{trust_file()}: cannot read the trust list ({exc})") from None
    try:
        return sig.parse_allowed_signers(text)
    except sig.SignatureError as exc:
        raise KeyFileError(f"{trust_file()}: {exc}") from None


def trust(public: sig.PublicKey, principal: str = "") -> tuple[sig.TrustedKey, bool]:
    """Add a key to the trust list; (entry, added) — added is False when it was there already."""
    existing = trusted()
    for entry in existing:
        if entry.key.raw == public.raw:
            return entry, False
    line = sig.allowed_signers_line(principal or public.comment or "auditor", public)
    entry = sig.parse_allowed_signers(line)[0]
    body = trust_file().read_text(encoding="utf-8") if trust_file().exists() else \
        "# fieldwork-tui trust list (OpenSSH allowed_signers format): keys whose signatures you accept\n"
    if body and not body.endswith("\n"):
        body += "\n"
    _write_private(trust_file(), (body + line + "\n").encode("utf-8"), replace=True)
    return entry, True


def replace_trusted(principal: str, public: sig.PublicKey) -> sig.TrustedKey:
    """Trust `public` under `principal`, dropping any other key trusted under that principal (the
    demo's throwaway reviewer keys, replaced at every demo reset)."""
    line = sig.allowed_signers_line(principal, public)
    entry = sig.parse_allowed_signers(line)[0]
    body = trust_file().read_text(encoding="utf-8") if trust_file().exists() else \
        "# fieldwork-tui trust list (OpenSSH allowed_signers format): keys whose signatures you accept\n"
    kept = [ln for ln in body.splitlines() if not ln.split(None, 1)[:1] == [entry.principal]]
    _write_private(trust_file(), ("\n".join(kept + [line]) + "\n").encode("utf-8"), replace=True)
    return entry


def trusted_fingerprints() -> dict[str, str]:
    """{fingerprint: principal} of the trust list plus the person's own key."""
    out = {t.fingerprint: t.principal for t in trusted()}
    info = load_info()
    if info is not None:
        out.setdefault(info.fingerprint, info.name or "you")
    return out
