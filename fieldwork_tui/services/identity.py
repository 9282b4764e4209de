"""Who is signing: the one place the app answers it.

Every sign-off, note answer and note clearance asks `signer(handle)`. Until signing keys exist this
is the configured user (the handle's actor: `FIELDWORK_USER`, else the login name). With signing
keys, it becomes the identity of the key that signs (its name and fingerprint), so that an
environment variable cannot make a preparer someone else: replace the body of `signer`, nothing
else.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Signer:
    """The person signing: the name recorded on the sign-off, and the key's fingerprint ("" while
    sign-offs are not signed with keys)."""

    name: str
    fingerprint: str = ""


def signer(handle) -> Signer:
    """The person signing with this handle."""
    name = (handle.actor or "").strip()
    return Signer(name=name)
