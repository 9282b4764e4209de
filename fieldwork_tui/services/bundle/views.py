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

    def describe(self) -> str:
        return (f"{self.path}: {self.files} files ({self.controls} workpapers, {self.evidence_files} evidence files), "
                f"{self.size:,} bytes")


@dataclass
class BundleVerifyReport:
    path: Path
    checked: int = 0
    altered: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # manifest, journal, unsafe names

    @property
    def ok(self) -> bool:
        return not (self.altered or self.missing or self.extra or self.problems)

    def lines(self) -> list[str]:
        out = [f"altered: {p}" for p in self.altered]
        out += [f"missing: {p}" for p in self.missing]
        out += [f"extra: {p}" for p in self.extra]
        return out + self.problems

    def describe(self) -> str:
        if self.ok:
            return f"{self.path}: intact ({self.checked} files match the manifest; journal chain holds)"
        return f"{self.path}: NOT intact — " + "; ".join(self.lines())
