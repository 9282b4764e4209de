"""Ed25519 signatures in OpenSSH's formats, so a manager can check them with stock `ssh-keygen`.

fieldwork-tui signs with `cryptography`'s Ed25519 and writes what OpenSSH writes:
- a public key is the one-line `ssh-ed25519 AAAA… comment` form, and its fingerprint is
  `SHA256:<base64 of the SHA-256 of the key blob, unpadded>` — exactly what `ssh-keygen -l` prints;
- a signature is an armored SSHSIG (`-----BEGIN SSH SIGNATURE-----`, PROTOCOL.sshsig), bound to a
  namespace (`fieldwork-signoff`, `fieldwork-export`, `fieldwork-bundle`) so a sign-off signature can
  never be replayed as a bundle signature; `ssh-keygen -Y verify -n fieldwork-bundle …` accepts it;
- the trust list is an OpenSSH "allowed signers" file (`principal namespaces="…" ssh-ed25519 AAAA…`).

Everything here is computation on bytes; reading and writing key files is `services/keys.py`'s.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_TYPE = "ssh-ed25519"
MAGIC = b"SSHSIG"
HASH_ALG = "sha512"
NS_SIGNOFF = "fieldwork-signoff"
NS_EXPORT = "fieldwork-export"
NS_BUNDLE = "fieldwork-bundle"  # manifest.sig: the signature over a bundle's manifest.json bytes
NAMESPACES = (NS_SIGNOFF, NS_EXPORT, NS_BUNDLE)
BEGIN = "-----BEGIN SSH SIGNATURE-----"
END = "-----END SSH SIGNATURE-----"


class SignatureError(ValueError):
    """A signature, key or trust-list line that cannot be read or does not verify (message is one line)."""


# -- wire encoding (RFC 4251 strings) --------------------------------------------------------------


def _string(data: bytes | str) -> bytes:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return struct.pack(">I", len(data)) + data


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise SignatureError("truncated signature data")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def uint32(self) -> int:
        return struct.unpack(">I", self.take(4))[0]

    def string(self) -> bytes:
        return self.take(self.uint32())

    def done(self) -> bool:
        return self.pos == len(self.data)


# -- public keys -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key: its 32 raw bytes and a free-text comment (usually the person's name)."""

    raw: bytes
    comment: str = ""

    @property
    def blob(self) -> bytes:
        return _string(KEY_TYPE) + _string(self.raw)

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.blob)

    def openssh(self) -> str:
        """`ssh-ed25519 AAAA… comment` (the comment stripped of anything that would break the line)."""
        text = f"{KEY_TYPE} {base64.b64encode(self.blob).decode('ascii')}"
        comment = _one_line(self.comment)
        return f"{text} {comment}" if comment else text

    def verifier(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.raw)


def fingerprint_of(blob: bytes) -> str:
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


def _one_line(text: str) -> str:
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text or "").split())


def _key_from_blob(blob: bytes, comment: str = "") -> PublicKey:
    r = _Reader(blob)
    kind = r.string()
    if kind != KEY_TYPE.encode():
        raise SignatureError(f"key type {kind.decode('utf-8', 'replace')!r}: only ssh-ed25519 keys are supported")
    raw = r.string()
    if len(raw) != 32 or not r.done():
        raise SignatureError("malformed ssh-ed25519 key")
    return PublicKey(raw, comment)


def parse_public_key(line: str) -> PublicKey:
    """Read `ssh-ed25519 AAAA… [comment]` (one line of a .pub file)."""
    parts = (line or "").strip().split(None, 2)
    if len(parts) < 2 or parts[0] != KEY_TYPE:
        raise SignatureError("not an ssh-ed25519 public key (expected 'ssh-ed25519 AAAA… name')")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except ValueError:
        raise SignatureError("the public key's base64 is damaged") from None
    return _key_from_blob(blob, parts[2].strip() if len(parts) > 2 else "")


def public_key_of(private: Ed25519PrivateKey, comment: str = "") -> PublicKey:
    from cryptography.hazmat.primitives import serialization

    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return PublicKey(raw, comment)


FINGERPRINT = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}$")


def is_fingerprint(text: str) -> bool:
    return bool(FINGERPRINT.match((text or "").strip()))


# -- SSHSIG ------------------------------------------------------------------------------------------


def _signed_data(namespace: str, message: bytes) -> bytes:
    digest = hashlib.sha512(message).digest()
    return MAGIC + _string(namespace) + _string(b"") + _string(HASH_ALG) + _string(digest)


def sign(private: Ed25519PrivateKey, namespace: str, message: bytes) -> str:
    """An armored SSHSIG signature of `message` in `namespace`."""
    if namespace not in NAMESPACES:
        raise SignatureError(f"unknown signature namespace {namespace!r}")
    pub = public_key_of(private)
    raw_sig = private.sign(_signed_data(namespace, message))
    blob = (MAGIC + struct.pack(">I", 1) + _string(pub.blob) + _string(namespace) + _string(b"")
            + _string(HASH_ALG) + _string(_string(KEY_TYPE) + _string(raw_sig)))
    b64 = base64.b64encode(blob).decode("ascii")
    lines = [b64[i : i + 70] for i in range(0, len(b64), 70)]
    return "\n".join([BEGIN, *lines, END]) + "\n"


@dataclass(frozen=True)
class Signature:
    """A parsed SSHSIG: who signed (their public key), in which namespace, and the raw signature."""

    key: PublicKey
    namespace: str
    raw: bytes

    @property
    def fingerprint(self) -> str:
        return self.key.fingerprint


def parse_signature(armored: str) -> Signature:
    text = (armored or "").strip()
    if not (text.startswith(BEGIN) and text.endswith(END)):
        raise SignatureError("not an SSH signature (no BEGIN/END SSH SIGNATURE lines)")
    body = "".join(text[len(BEGIN) : -len(END)].split())
    try:
        blob = base64.b64decode(body, validate=True)
    except ValueError:
        raise SignatureError("the signature's base64 is damaged") from None
    r = _Reader(blob)
    if r.take(6) != MAGIC or r.uint32() != 1:
        raise SignatureError("not an SSHSIG version 1 signature")
    key = _key_from_blob(r.string())
    namespace = r.string().decode("utf-8", "replace")
    r.string()  # reserved
    if r.string() != HASH_ALG.encode():
        raise SignatureError("unsupported signature hash (expected sha512)")
    inner = _Reader(r.string())
    if inner.string() != KEY_TYPE.encode():
        raise SignatureError("only ssh-ed25519 signatures are supported")
    raw = inner.string()
    if len(raw) != 64 or not inner.done() or not r.done():
        raise SignatureError("malformed ssh-ed25519 signature")
    return Signature(key, namespace, raw)


def verify(armored: str, namespace: str, message: bytes) -> Signature:
    """The parsed signature when it is a valid signature of `message` in `namespace` by the key it
    names; SignatureError otherwise. Whether that key is trusted is the caller's question."""
    sig = parse_signature(armored)
    if sig.namespace != namespace:
        raise SignatureError(f"signature made for {sig.namespace!r}, not {namespace!r}")
    try:
        sig.key.verifier().verify(sig.raw, _signed_data(namespace, message))
    except InvalidSignature:
        raise SignatureError("signature does not verify (the signed content was changed, or another key signed)") \
            from None
    return sig


# -- the trust list (OpenSSH allowed_signers) --------------------------------------------------------


@dataclass(frozen=True)
class TrustedKey:
    principal: str
    key: PublicKey

    @property
    def fingerprint(self) -> str:
        return self.key.fingerprint


_PRINCIPAL_SAFE = re.compile(r"[^A-Za-z0-9@._+-]+")


def principal_for(name: str) -> str:
    """A principal name `ssh-keygen -Y verify -I` accepts: no spaces, commas or quotes."""
    return _PRINCIPAL_SAFE.sub("-", _one_line(name)).strip("-") or "auditor"


def allowed_signers_line(principal: str, key: PublicKey) -> str:
    ns = ",".join(NAMESPACES)
    return f'{principal_for(principal)} namespaces="{ns}" {key.openssh()}'


def parse_allowed_signers(text: str) -> list[TrustedKey]:
    """The ssh-ed25519 entries of an allowed-signers file; other key types and comments are skipped."""
    out: list[TrustedKey] = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        tokens = _split_options(line)
        try:
            idx = tokens.index(KEY_TYPE)
        except ValueError:
            continue
        if idx == 0 or idx + 1 >= len(tokens):
            raise SignatureError(f"trust list line {n}: expected 'principal [options] ssh-ed25519 AAAA…'")
        comment = " ".join(tokens[idx + 2 :])
        try:
            key = parse_public_key(f"{KEY_TYPE} {tokens[idx + 1]} {comment}")
        except SignatureError as exc:
            raise SignatureError(f"trust list line {n}: {exc}") from None
        out.append(TrustedKey(tokens[0], key))
    return out


def _split_options(line: str) -> list[str]:
    """Split on spaces outside double quotes (options such as namespaces="a,b" hold no spaces anyway)."""
    out, cur, quoted = [], [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        if ch.isspace() and not quoted:
            if cur:
                out.append("".join(cur))
                cur = []
            continue
        cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out
