"""`fieldwork verify`: prove a workpaper bundle is byte for byte what its signer exported.

`manifest.sig` must be a valid signature over `manifest.json` by the pinned key (`--key`) or a key in
the verifier's trust list; an unsigned bundle or an unknown signer fails, said plainly. Every file is
rehashed (streamed, constant memory) against the manifest; files listed but absent are missing, files
present but not listed are extra; each evidence file is cross-checked against every other place the
bundle names its hash (its member name, the workpapers citing it, the journal's record of it); the
journal's hash chain is re-computed from `journal.jsonl` and must end at the head the manifest
recorded and contain every head anchored in `anchors.jsonl`. Works on the .zip itself or on the
folder it was extracted into.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from fieldwork_tui.domain import anchors as anchor_rules
from fieldwork_tui.domain import bundle_crosscheck as crosscheck
from fieldwork_tui.domain import journal_chain as journal
from fieldwork_tui.domain import replicas
from fieldwork_tui.domain.bundle_names import is_safe_member
from fieldwork_tui.services.bundle.layout import ANCHORS, FORMAT, JOURNAL, MANIFEST, SIGNATURE
from fieldwork_tui.services.bundle.signature import Pin, check_signature, parse_pin
from fieldwork_tui.services.bundle.views import BundleVerifyReport
from fieldwork_tui.services.errors import FieldworkError, NotFound
from fieldwork_tui.services.signing import keys as signing

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
    if src.zip is not None:
        info = src.zip.getinfo(name)
        if info.compress_type == zipfile.ZIP_STORED and not info.flag_bits & 0x1:
            return _hash_stored(src, info, on_bytes)
    digest, size = hashlib.sha256(), 0
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    try:
        with src.open(name) as fh:
            while n := fh.readinto(buffer):
                digest.update(view[:n])
                size += n
                on_bytes(n)
    except (zipfile.BadZipFile, zlib.error, EOFError):
        return None
    return digest.hexdigest(), size


def _hash_stored(src: _Source, info: zipfile.ZipInfo, on_bytes: Callable[[int], None]) -> tuple[str, int] | None:
    """A stored (uncompressed) member hashed straight from the zip file: one read per chunk into one
    buffer, without zipfile's per-read CRC-32 (the SHA-256 compared with the manifest is the stronger
    check; a member whose local header or length does not add up counts as damaged)."""
    fh = src.zip.fp
    fh.seek(info.header_offset)
    header = fh.read(zipfile.sizeFileHeader)
    if len(header) != zipfile.sizeFileHeader or header[:4] != zipfile.stringFileHeader:
        return None
    fields = struct.unpack(zipfile.structFileHeader, header)
    fh.seek(fields[zipfile._FH_FILENAME_LENGTH] + fields[zipfile._FH_EXTRA_FIELD_LENGTH], 1)
    digest, left = hashlib.sha256(), info.compress_size
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    while left:
        n = fh.readinto(view[: min(CHUNK, left)])
        if not n:
            return None  # the zip ends inside the member
        digest.update(view[:n])
        left -= n
        on_bytes(n)
    return digest.hexdigest(), info.compress_size


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


def _check_journal(src: _Source, manifest: dict, report: BundleVerifyReport, hashes: set[str],
                   evidence: list[dict]) -> None:
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
                if isinstance(entry, dict):
                    hashes.update(replicas.head_hashes(entry))  # an offline replica's heads too
                    if entry.get("entity") == "evidencefile":
                        evidence.append(entry)
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


def _read(src: _Source, name: str) -> bytes | None:
    if name not in src.names:
        return None
    try:
        with src.open(name) as fh:
            return fh.read(16 * 1024 * 1024)
    except (zipfile.BadZipFile, zlib.error, OSError):
        return None


def _check_signature(src: _Source, manifest: dict, report: BundleVerifyReport, pin: Pin | None) -> None:
    raw_manifest = _read(src, MANIFEST) or b""
    sig_bytes = _read(src, SIGNATURE)
    signer = manifest.get("signer") if isinstance(manifest.get("signer"), dict) else {}
    try:
        trusted = signing.trusted_fingerprints()
    except FieldworkError as exc:
        report.problems.append(str(exc))
        trusted = {}
    text = sig_bytes.decode("utf-8", "replace") if sig_bytes is not None else None
    report.signature = check_signature(raw_manifest, text, str(signer.get("name", "")), pin, trusted)
    if report.signature.ok and signer.get("fingerprint") not in (None, report.signature.fingerprint):
        report.problems.append(f"{MANIFEST}: names the signer {signer.get('fingerprint')}, but "
                               f"{report.signature.fingerprint} signed it")


def _cross_check(src: _Source, actual: dict[str, str], report: BundleVerifyReport, evidence_entries: list[dict]) -> None:
    refs = []
    for name in src.names:
        if name.startswith("workpapers/") and name.endswith(".html"):
            raw = _read(src, name)
            if raw is not None:
                refs += [(name, m, h) for m, h in crosscheck.page_references(name, raw.decode("utf-8", "replace"))]
    journal_hashes = crosscheck.journal_evidence_hashes(evidence_entries) if JOURNAL in src.names else None
    report.problems += crosscheck.cross_check(actual, refs, journal_hashes)


def _check_anchors(src: _Source, report: BundleVerifyReport, hashes: set[str]) -> None:
    raw = _read(src, ANCHORS)
    if raw is None:
        return
    parsed, problems = anchor_rules.parse_anchors(raw.decode("utf-8", "replace").splitlines(), ANCHORS)
    report.problems += problems
    report.anchors = len(parsed)
    for a in parsed:
        report.problems += anchor_rules.judge([a], hashes, engagement=a.engagement, trusted=lambda _fp: True,
                                              where=ANCHORS)


def verify_bundle(path: Path | str, progress: Callable[[int, int, str], None] | None = None,
                  key: str | None = None) -> BundleVerifyReport:
    """Verify a bundle; `key` pins the signer (a fingerprint or a public key file)."""
    pin = parse_pin(key)
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

        _check_signature(src, manifest, report, pin)
        actual: dict[str, str] = {}
        for name, entry in sorted(listed.items()):
            if name not in present:
                report.missing.append(name)
                continue
            result = _hash(src, name, tick)
            report.checked += 1
            if result is not None and name.startswith(crosscheck.EVIDENCE_DIR):
                actual[name] = result[0]
            if result is None or result[0] != entry["sha256"].lower():
                report.altered.append(name)
        report.extra = sorted(n for n in present - set(listed) if n not in (MANIFEST, SIGNATURE))
        hashes: set[str] = set()
        evidence_entries: list[dict] = []
        _check_journal(src, manifest, report, hashes, evidence_entries)
        _cross_check(src, actual, report, evidence_entries)
        _check_anchors(src, report, hashes)
    finally:
        src.close()
    return report
