"""`fieldwork verify`: prove a workpaper bundle is byte for byte what was exported.

Every file is rehashed (streamed, constant memory) against `manifest.json`; files listed but absent
are missing, files present but not listed are extra; the journal's hash chain is re-computed from
`journal.jsonl` and must end at the head the manifest recorded. Works on the .zip itself or on the
folder it was extracted into.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from fieldwork_tui.domain.bundle_names import is_safe_member
from fieldwork_tui.services.bundle.export import FORMAT, JOURNAL, MANIFEST
from fieldwork_tui.services.bundle.views import BundleVerifyReport
from fieldwork_tui.services.errors import FieldworkError, NotFound
from fieldwork_tui.store import journal

CHUNK = 1024 * 1024


class _Source:
    """The files of a bundle, from a zip or an extracted folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        if path.is_dir():
            self.names = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
        else:
            try:
                self.zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise FieldworkError(f"{path}: not a readable bundle (.zip): {exc}") from None
            self.names = [i.filename for i in self.zip.infolist() if not i.is_dir()]

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        if self.zip is not None:
            with self.zip.open(name) as fh:
                yield fh
        else:
            with open(self.path / name, "rb") as fh:
                yield fh

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _hash(src: _Source, name: str, on_bytes: Callable[[int], None]) -> tuple[str, int] | None:
    """(sha256, size), or None when the zip itself reports the member damaged (CRC, deflate)."""
    digest, size = hashlib.sha256(), 0
    try:
        with src.open(name) as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                on_bytes(len(chunk))
    except (zipfile.BadZipFile, zlib.error, EOFError):
        return None
    return digest.hexdigest(), size


def _read_manifest(src: _Source, report: BundleVerifyReport) -> dict | None:
    if MANIFEST not in src.names:
        report.problems.append(f"{MANIFEST}: missing — the bundle cannot be verified")
        return None
    try:
        with src.open(MANIFEST) as fh:
            manifest = json.load(fh)
        files = manifest["files"]
        if manifest.get("format") != FORMAT or not isinstance(files, list):
            raise ValueError("not a fieldwork bundle manifest")
        for entry in files:
            if not (isinstance(entry.get("path"), str) and isinstance(entry.get("sha256"), str)):
                raise ValueError("a file entry lacks path or sha256")
    except (ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile, zlib.error) as exc:
        report.problems.append(f"{MANIFEST}: unreadable ({exc})")
        return None
    return manifest


def _check_journal(src: _Source, manifest: dict, report: BundleVerifyReport) -> None:
    if JOURNAL not in src.names:
        return  # already reported missing through the manifest
    seen = {"head": journal.GENESIS, "count": 0}

    def entries():
        with src.open(JOURNAL) as fh:
            for n, raw in enumerate(fh, start=1):
                try:
                    entry = json.loads(raw)
                except ValueError:
                    report.problems.append(f"{JOURNAL}: line {n} is not valid JSON")
                    return
                seen["head"], seen["count"] = (entry.get("hash", "") if isinstance(entry, dict) else ""), n
                yield entry

    try:
        for problem in journal.verify_chain(entries()):
            report.problems.append(f"{JOURNAL}: {problem}")
    except (KeyError, TypeError, AttributeError, zipfile.BadZipFile, zlib.error) as exc:
        report.problems.append(f"{JOURNAL}: unreadable ({exc.__class__.__name__}: {exc})")
        return
    expected = manifest.get("journal") or {}
    head, count = seen["head"], seen["count"]
    if expected and (expected.get("head") != head or expected.get("entries") != count):
        report.problems.append(f"{JOURNAL}: ends at entry {count} ({str(head)[:12]}…), but the manifest recorded "
                               f"{expected.get('entries')} entries ending at {str(expected.get('head'))[:12]}…")


def verify_bundle(path: Path | str, progress: Callable[[int, int, str], None] | None = None) -> BundleVerifyReport:
    path = Path(path).expanduser()
    if not path.exists():
        raise NotFound(f"{path}: no such bundle")
    src = _Source(path)
    report = BundleVerifyReport(path=path)
    try:
        for name in src.names:
            if not is_safe_member(name):
                report.problems.append(f"unsafe file name in the bundle: {name!r}")
        manifest = _read_manifest(src, report)
        if manifest is None:
            return report
        listed = {e["path"]: e for e in manifest["files"]}
        present = set(src.names)
        total = sum(int(e.get("size") or 0) for e in listed.values()) or 1
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(min(done, total), total, "verify")

        for name, entry in sorted(listed.items()):
            if name not in present:
                report.missing.append(name)
                continue
            result = _hash(src, name, tick)
            report.checked += 1
            if result is None or result[0] != entry["sha256"].lower():
                report.altered.append(name)
        report.extra = sorted(n for n in present - set(listed) if n != MANIFEST)
        _check_journal(src, manifest, report)
    finally:
        src.close()
    return report
