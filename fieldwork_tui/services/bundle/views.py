"""The plain data the bundle area returns to the CLI and the TUI."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class BundleExportResult:
    path: Path
    files: int
    size: int
    evidence_files: int
    controls: int
    manifest: list[dict] = field(default_factory=list)
    manifest_sha256: str = ""
    signer: str = ""
    fingerprint: str = ""

    def describe(self) -> str:
        return (f"{self.path}: {self.files} files ({self.controls} workpapers, {self.evidence_files} evidence files), "
                f"{self.size:,} bytes")

    def signature_line(self) -> str:
        return (f"manifest SHA-256 {self.manifest_sha256}; signed by {self.signer} {self.fingerprint} "
                "(read this fingerprint out to the manager)")


@dataclass(frozen=True)
class BundleSignature:
    """What `manifest.sig` proves. state: verified, unsigned, invalid, untrusted, wrong_key."""

    state: str
    signer: str = ""
    fingerprint: str = ""
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.state == "verified"

    def describe(self) -> str:
        who = f"{self.signer} ({self.fingerprint})" if self.signer else self.fingerprint
        return {
            "verified": f"signed by {who}",
            "unsigned": "NOT signed: the bundle has no manifest.sig — anyone could have written it",
            "invalid": f"signature does NOT verify ({self.reason})",
            "untrusted": f"signed by an unknown key {who}: not in your trust list (compare the fingerprint with "
                         "the exporter, then `fieldwork keys trust THEIR.pub`, or pin it with --key)",
            "wrong_key": f"signed by {who}, NOT by the key you pinned ({self.reason})",
        }[self.state]


@dataclass
class BundleVerifyReport:
    path: Path
    checked: int = 0
    altered: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # manifest, journal, cross-checks, unsafe names
    signature: BundleSignature = field(default_factory=lambda: BundleSignature("unsigned"))
    anchors: int = 0

    @property
    def ok(self) -> bool:
        return self.signature.ok and not (self.altered or self.missing or self.extra or self.problems)

    def lines(self) -> list[str]:
        out = [] if self.signature.ok else [self.signature.describe()]
        out += [f"altered: {p}" for p in self.altered]
        out += [f"missing: {p}" for p in self.missing]
        out += [f"extra: {p}" for p in self.extra]
        return out + self.problems

    def describe(self) -> str:
        if self.ok:
            return (f"{self.path}: intact and {self.signature.describe()} ({self.checked} files match the manifest "
                    "and every place naming their hashes; journal chain holds)")
        return f"{self.path}: NOT verified — " + "; ".join(self.lines())
