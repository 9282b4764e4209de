"""What the signing area returns to the UI: the person's key and the keys they trust."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class KeyView:
    name: str
    fingerprint: str
    public_key: str  # the `ssh-ed25519 AAAA… name` line
    path: Path
    encrypted: bool
    created: bool = False  # made just now

    def describe(self) -> str:
        lock = "passphrase-protected" if self.encrypted else "no passphrase"
        return f"{self.name}: {self.fingerprint} ({lock}; {self.path})"


@dataclass(frozen=True)
class TrustedView:
    principal: str
    fingerprint: str
    added: bool
