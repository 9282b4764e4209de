"""`manifest.sig`: the exporter's signature over a bundle's `manifest.json`, and its verification.

The signature is an SSHSIG in the `fieldwork-bundle` namespace over the exact manifest bytes, so
stock OpenSSH can check it too (`ssh-keygen -Y verify -n fieldwork-bundle`). Whose signature counts:
the key pinned with `--key FINGERPRINT|PUBFILE`, else the keys in the verifier's trust list (their own
included). An unsigned bundle, or one signed by a key neither pinned nor trusted, is said plainly and
does not pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fieldwork_tui.domain import signatures as sig
from fieldwork_tui.services.bundle.views import BundleSignature
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.signing import keys as signing

SIGNATURE = "manifest.sig"


@dataclass(frozen=True)
class Pin:
    fingerprint: str
    source: str  # what the user gave


def parse_pin(value: str | None) -> Pin | None:
    """`--key`: a fingerprint (SHA256:…) or a public key file."""
    if not value:
        return None
    text = value.strip()
    if sig.is_fingerprint(text):
        return Pin(text, text)
    if text.startswith("SHA256:"):
        raise InvalidInput(f"--key {text!r}: not a complete fingerprint (SHA256: and 43 characters)")
    return Pin(signing.read_public_key(Path(text)).fingerprint, text)


def check_signature(manifest: bytes, signature_text: str | None, signer_name: str, pin: Pin | None,
                    trusted: dict[str, str]) -> BundleSignature:
    if signature_text is None:
        return BundleSignature("unsigned")
    try:
        s = sig.verify(signature_text, sig.NS_BUNDLE, manifest)
    except sig.SignatureError as exc:
        return BundleSignature("invalid", reason=str(exc))
    name = trusted.get(s.fingerprint) or signer_name
    if pin is not None:
        if s.fingerprint != pin.fingerprint:
            return BundleSignature("wrong_key", name, s.fingerprint, f"pinned {pin.fingerprint}")
        return BundleSignature("verified", name, s.fingerprint)
    if s.fingerprint not in trusted:
        return BundleSignature("untrusted", signer_name, s.fingerprint)
    return BundleSignature("verified", name, s.fingerprint)
