"""Who is signing: the one place the app answers it.

Every sign-off, note answer and note clearance asks `signer(handle)`. It is the identity of the
person's signing key (its name and fingerprint, `services/signing`), so an environment variable
(`FIELDWORK_USER`) cannot make a preparer someone else. A sign-off creates the key on first use;
a review note written or cleared before the person has a key is theirs under the configured user
name, which is also the name their key gets when it is created.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Signer:
    """The person signing: the name recorded on the sign-off, and the key's fingerprint ("" when the
    person has no key yet and nothing needs one)."""

    name: str
    fingerprint: str = ""


def signer(handle, *, identity: Any = None, on_created: Callable[[str], None] | None = None,
           create: bool = False) -> Signer:
    """The person acting with this handle: `identity` when one is given (a key and a name), else the
    person's own key (created now when `create`), else the configured user."""
    from fieldwork_tui.domain import signatures as sig
    from fieldwork_tui.services.signing import keys as signing

    if identity is None:  # one set on the handle for a whole build (the demo's people)
        identity = getattr(handle, "identity", None)
    if identity is not None:
        public = identity.public
        return Signer(public.comment, public.fingerprint)
    view = signing.ensure_key(handle.actor, on_created) if create else signing.key_view()
    if view is None:
        return Signer((handle.actor or "").strip())
    public = sig.parse_public_key(view.public_key)
    return Signer(public.comment, public.fingerprint)
