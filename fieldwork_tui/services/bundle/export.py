"""The workpaper bundle: one .zip the manager opens on any machine and can verify byte for byte.

Layout: `index.html`, `workpapers/<ref>.html`, `interviews/<interview id>.html`, `evidence/…`, `workpapers.xlsx`, `section-iv.md`,
`oscal/assessment-plan.json`, `oscal/assessment-results.json`, `reperform/` (when samples were drawn:
the canonical populations, `samples.json` and the standard-library script `sample.py` that re-derives
every sample), `journal.jsonl`, `anchors.jsonl` (the engagement's signed journal heads), `manifest.json`
(SHA-256 and size of every other file, the journal head and the signer) and `manifest.sig` (the
exporter's SSH signature over the manifest bytes). The export itself is journaled and its signed
statement appended to the anchors record outside the engagement folder. Every member is hashed while it
is written and evidence is streamed from the vault in
chunks, so memory stays flat whatever the evidence size; an evidence file whose content no longer
matches its recorded hash stops the export. The zip is written to a private `.tmp-*` name beside the
target and renamed only when complete (`store/outputs.py`), so an interrupted export never leaves a
file at the final path, the next export sweeps what it left, and the bundle is 0600.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import tempfile
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fieldwork_tui.domain import signatures as sig
from fieldwork_tui.domain.signatures import principal_for
from fieldwork_tui.services.bundle import sampling
from fieldwork_tui.services.bundle.data import BundleData, ControlPaper
from fieldwork_tui.services.bundle.layout import (
    ANCHORS,
    FORMAT,
    INDEX,
    JOURNAL,
    MANIFEST,
    OSCAL,
    OSCAL_PLAN,
    SECTION_IV,
    SIGNATURE,
    WORKBOOK,
)
from fieldwork_tui.services.bundle.oscal import OscalBuilder
from fieldwork_tui.services.bundle.render import (
    canonical_json,
    environment,
    render_index,
    render_interview,
    render_workpaper,
    write_section_iv,
    write_workbook,
)
from fieldwork_tui.services.bundle.views import BundleExportResult
from fieldwork_tui.services.errors import FieldworkError, InvalidInput
from fieldwork_tui.services.findings import attestation
from fieldwork_tui.services.findings.signoffs import record_key
from fieldwork_tui.services.maintenance.check import CHUNK, evidence_path
from fieldwork_tui.services.signing import keys as signing
from fieldwork_tui.store import anchors as anchor_store
from fieldwork_tui.store import journal
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import utcnow
from fieldwork_tui.store.outputs import private_output
from fieldwork_tui.store.scratch import private_scratch

#: Work units a generated file counts for in the progress total (evidence counts its bytes).
_UNIT = 64 * 1024

Progress = Callable[[int, int, str], None]
Passphrase = Callable[[], bytes | None]


class ExportCancelled(FieldworkError):
    pass


class _Member:
    """A file being written into the zip: hashes and counts what passes through."""

    def __init__(self, raw, on_bytes: Callable[[int], None]) -> None:
        self._raw = raw
        self._on_bytes = on_bytes
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | str) -> int:
        if isinstance(data, str):
            data = data.encode("utf-8")
        self._raw.write(data)
        self.digest.update(data)
        self.size += len(data)
        self._on_bytes(len(data))
        return len(data)


class _TextMember(io.TextIOBase):
    def __init__(self, member: _Member) -> None:
        self._member = member

    def write(self, s: str) -> int:
        self._member.write(s)
        return len(s)


class _BundleWriter:
    def __init__(self, zf: zipfile.ZipFile, when: dt.datetime, total: int, progress: Progress | None,
                 cancelled: Callable[[], bool] | None) -> None:
        self.zf = zf
        self.when = when.astimezone(dt.UTC)
        self.total = max(total, 1)
        self.done = 0
        self.progress = progress
        self.cancelled = cancelled
        self.entries: list[dict] = []
        self._label = ""

    def _tick(self, n: int) -> None:
        self.done += n
        if self.progress:
            self.progress(min(self.done, self.total), self.total, self._label)

    @contextmanager
    def member(self, name: str, *, stored: bool = False, weight: int = _UNIT):
        if self.cancelled and self.cancelled():
            raise ExportCancelled("export cancelled; nothing was written at the target")
        self._label = name
        info = zipfile.ZipInfo(name, date_time=self.when.timetuple()[:6])
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with self.zf.open(info, "w", force_zip64=True) as raw:
            m = _Member(raw, (lambda n: self._tick(n)) if stored else (lambda n: None))
            yield m
        if not stored:
            self._tick(weight)
        self.entries.append({"path": name, "sha256": m.digest.hexdigest(), "size": m.size})

    def text(self, name: str, content: str) -> None:
        with self.member(name) as m:
            m.write(content)


def _check_target(target: Path) -> Path:
    target = Path(target).expanduser()
    if target.suffix.lower() != ".zip":
        raise InvalidInput(f"output {target}: a bundle is a .zip file (e.g. {target.with_suffix('.zip').name})")
    if target.is_dir():
        raise InvalidInput(f"output {target}: is a folder; give a file name ending in .zip")
    if not target.parent.is_dir():
        raise InvalidInput(f"output {target}: the folder {target.parent} does not exist")
    return target.resolve()


def export_bundle(handle: EngagementHandle, target: Path | str, progress: Progress | None = None,
                  cancelled: Callable[[], bool] | None = None, *, passphrase: Passphrase | None = None,
                  on_created: Callable[[str], None] | None = None) -> BundleExportResult:
    """Write the workpaper bundle of `handle` to `target` (a .zip), signed with the person's key (created
    on first use and announced through `on_created`). Raises FieldworkError with a one-line reason; on
    any failure the target is left as it was."""
    from fieldwork_tui.store.clock import today

    target = _check_target(Path(target))
    key = signing.ensure_key(handle.actor, on_created)
    private = signing.unlock(passphrase)  # before any work: a locked key fails fast
    with private_output(target) as tmp:
        with handle.read() as s, open(tmp, "wb") as fh:
            data = BundleData(s, lambda sha: _vault_file(handle, sha), actor=handle.actor)
            data.signer = {"name": key.name, "fingerprint": key.fingerprint, "principal": principal_for(key.name)}
            evidence = data.unique_evidence()
            total = sum(f.size for _m, f, _p in evidence) + _UNIT * (len(data.controls) + len(data.interviews) + 6)
            with zipfile.ZipFile(fh, "w", allowZip64=True) as zf:
                w = _BundleWriter(zf, data.generated_at, total, progress, cancelled)
                with private_scratch(handle.root):  # openpyxl spills sheets to temp files: keep them inside
                    _write_members(w, data, evidence, today(), target.parent, _section_iv_source(handle))
                eng = data.engagement
                with w.member(ANCHORS) as m:
                    for line in anchor_store.read_lines(handle.root.parent, eng.uid):
                        m.write(line + "\n")
                manifest = _manifest(data, w.entries, s, key)
                manifest_bytes = canonical_json(manifest).encode("utf-8")
                with w.member(MANIFEST) as m:
                    m.write(manifest_bytes)
                w.entries.pop()  # the manifest is not listed in itself
                with w.member(SIGNATURE) as m:
                    m.write(sig.sign(private, sig.NS_BUNDLE, manifest_bytes))
                w.entries.pop()
    digest = hashlib.sha256(manifest_bytes).hexdigest()
    _journal_export(handle, target, manifest, digest, key, private)
    return BundleExportResult(path=target, files=len(w.entries) + 2, size=target.stat().st_size,
                              evidence_files=len(evidence), controls=len(data.controls),
                              manifest=manifest["files"], manifest_sha256=digest, signer=key.name, fingerprint=key.fingerprint)


def _journal_export(handle: EngagementHandle, target: Path, manifest: dict, digest: str, key, private) -> None:
    """The export, journaled, and its signed statement anchored outside the engagement folder."""
    eng = handle.engagement()
    head = manifest["journal"]
    signed = attestation.sign_export(engagement_uid=eng.uid, engagement_name=eng.name, manifest_sha256=digest,
                                     head=(head["head"], head["entries"]), signed_at=utcnow(), actor=handle.actor,
                                     identity=attestation.Identity(private, key.name))
    with handle.session() as s:
        record_key(s, signed.public_key)
        journal.record(s, "export", "bundle", target.name, {
            "manifest_sha256": digest, "signer": key.name, "fingerprint": key.fingerprint,
            "journal_head": head["head"], "journal_entries": head["entries"],
            "statement": signed.statement, "signature": signed.signature})
    attestation.anchor(handle.root.parent, eng.uid, "export", signed, handle.slug)


def _section_iv_source(handle: EngagementHandle) -> Callable[[ControlPaper], Any]:
    """Each control's section IV row is worded by services.findings.conclusions: the bundle says what the app shows."""
    from fieldwork_tui.services.findings.conclusions import conclusion_view

    return lambda paper: conclusion_view(handle, paper.control.ref).row


def _vault_file(handle: EngagementHandle, sha256: str) -> Path:
    try:
        return evidence_path(handle, sha256)
    except Exception as exc:  # noqa: BLE001 - e.g. a recorded hash that is not a SHA-256
        raise FieldworkError(f"evidence record with SHA-256 {sha256!r}: {exc}") from None


def _write_members(w: _BundleWriter, data: BundleData, evidence, today: dt.date, spool_dir: Path,
                   section_iv_row: Callable[[ControlPaper], Any]) -> None:
    for member, f, path in evidence:
        _copy_evidence(w, member, f, path)
    env = environment()
    oscal = OscalBuilder(data)
    oscal.add_evidence_resources()
    rows = []
    for i, summary in enumerate(data.controls):
        paper = data.paper(summary)
        paper.row = section_iv_row(paper)
        w.text(summary.member, render_workpaper(env, data, paper, i))
        data.sample_export.write_populations(w.member)
        oscal.add_control(paper)
        rows.append((paper.control, paper.row))
    for memo in data.interviews:
        w.text(memo.member, render_interview(env, data, memo))
    w.text(INDEX, render_index(env, data, today))
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, dir=spool_dir) as spool:
        write_workbook(spool, data, today)
        spool.seek(0)
        with w.member(WORKBOOK) as m:
            while chunk := spool.read(CHUNK):
                m.write(chunk)
    with w.member(SECTION_IV) as m:
        write_section_iv(_TextMember(m), data, rows)
    w.text(OSCAL_PLAN, canonical_json(oscal.plan()))
    w.text(OSCAL, canonical_json(oscal.document()))
    if data.sample_export.entries:
        w.text(sampling.SAMPLES, canonical_json(data.sample_export.document()))
        with w.member(sampling.SCRIPT) as m:
            m.write(sampling.script_source())
    with w.member(JOURNAL) as m:
        for entry in journal.iter_entries(data.s):
            m.write(journal.entry_line(entry) + "\n")


def _copy_evidence(w: _BundleWriter, member: str, f, path: Path) -> None:
    label = f"vault file {f.sha256[:12]}… ({f.original_name})"
    if not path.is_file():
        raise FieldworkError(f"{label} is missing from the vault; run `fieldwork check` (no bundle written)")
    with open(path, "rb") as src, w.member(member, stored=True) as m:
        while chunk := src.read(CHUNK):
            m.write(chunk)
    if m.digest.hexdigest() != f.sha256:
        raise FieldworkError(f"{label} no longer matches its recorded SHA-256; run `fieldwork check` (no bundle written)")


def _manifest(data: BundleData, entries: list[dict], session, key) -> dict:
    eng = data.engagement
    head, count = journal.GENESIS, 0
    for entry in journal.iter_entries(session):
        head, count = entry["hash"], count + 1
    return {
        "format": FORMAT,
        "version": 1,
        "algorithm": "SHA-256",
        "generated_at": data.generated_at.isoformat(),
        "generated_by": data.actor,
        "engagement": {"name": eng.name, "slug": eng.slug, "service_organization": eng.service_organization,
                       "type": eng.type.value, "period_start": eng.period_start.isoformat(),
                       "period_end": eng.period_end.isoformat(), "phase": eng.phase.value},
        "journal": {"entries": count, "head": head},
        "signer": {"name": key.name, "fingerprint": key.fingerprint, "public_key": key.public_key},
        "signature": SIGNATURE,
        "files": sorted(entries, key=lambda e: e["path"]),
    }


