"""Signing: the person's Ed25519 key (create, show, unlock) and the keys they trust.

The area's public API: the CLI and the TUI import from here (or from `views`), never from its modules.
"""


from fieldwork_tui.services.signing.keys import (
    PASSPHRASE_ENV,
    forget_unlocked,
    init_key,
    key_view,
    needs_passphrase,
    passphrase_from_env,
    trust_key,
    trusted_fingerprints,
    trusted_keys,
    unlock,
)
from fieldwork_tui.services.signing.views import KeyView, TrustedView

__all__ = [
    "PASSPHRASE_ENV",
    "KeyView",
    "TrustedView",
    "forget_unlocked",
    "init_key",
    "key_view",
    "needs_passphrase",
    "passphrase_from_env",
    "trust_key",
    "trusted_fingerprints",
    "trusted_keys",
    "unlock",
]
