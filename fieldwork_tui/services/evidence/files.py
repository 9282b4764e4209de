"""Inspection evidence: files attached to a control, kept in the engagement's vault.

`attach` copies every file into the vault first (streaming, constant memory, progress reported),
then records them all in ONE transaction: either every file is recorded or none is, and blobs
created for a failed attach are removed again. The same content attached twice is stored once and
recorded once (the existing record is linked to the control).

Linking a file to a control (`EvidenceControl`) means "inspected for this control"; the source
lists of a re-performance are stored with `store_file` and are NOT linked that way.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import os
import secrets
import shutil
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sqlmodel import Session, select

from fieldwork_tui.domain.evidence_rules import MetadataConflict, metadata_conflicts, space_problem
from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.errors import FieldworkError, InvalidInput, NotFound
from fieldwork_tui.services.evidence.views import AttachedFile, EvidenceEdit, EvidenceView
from fieldwork_tui.services.findings.content import controls_using_evidence
from fieldwork_tui.services.lookup import find_person
from fieldwork_tui.services.records import record
from fieldwork_tui.services.requests.triage import find_request
from fieldwork_tui.store import paths
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import Control, EvidenceControl, EvidenceFile
from fieldwork_tui.store.vault import TMP_PREFIX, StoredBlob, Vault, VaultError

#: progress(bytes_done, bytes_total, current file name) — from the storing thread.
AttachProgress = Callable[[int, int, str], None]


def vault(handle: EngagementHandle) -> Vault:
    return handle.vault()


def media_type(name: str) -> str:
    guessed, _enc = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def collect_files(paths: Iterable[Path | str]) -> list[Path]:
    """The files to attach: each file named, and every file inside each folder named (sorted,
    hidden files skipped). Anything that is not a regular file is an error naming it.

    Paths are used exactly as given — a name may end in a space, be all spaces or hold quotes; the
    shell has done its quoting. (Only the app's paste field takes off what a terminal paste adds:
    `tui/pasted_path.py`.)"""
    out: list[Path] = []
    for raw in paths:
        if str(raw) == "":
            raise InvalidInput("attach: an empty path names no file")
        p = Path(raw)
        try:
            st = p.stat()
        except FileNotFoundError:
            raise InvalidInput(f"{p}: file not found") from None
        except PermissionError:
            raise InvalidInput(f"{p}: permission denied") from None
        if stat.S_ISDIR(st.st_mode):
            found = []
            for folder, dirs, files in os.walk(p, onerror=_walk_error):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found += [Path(folder) / f for f in sorted(files) if not f.startswith(".")]
            for f in found:
                _check_regular(f)
            if not found:
                raise InvalidInput(f"{p}: the folder has no files to attach")
            out += found
        else:
            _check_regular(p, st)
            out.append(p)
    if not out:
        raise InvalidInput("attach: name at least one file or folder")
    return list(dict.fromkeys(out))


def _walk_error(exc: OSError) -> None:
    raise InvalidInput(f"{exc.filename}: cannot read the folder ({exc.strerror})")


def _check_regular(p: Path, st: os.stat_result | None = None) -> None:
    try:
        st = st or p.stat()
    except FileNotFoundError:
        raise InvalidInput(f"{p}: file not found (moved or deleted?)") from None
    except OSError as exc:
        raise InvalidInput(f"{p}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else (
            "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else
            "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
        raise InvalidInput(f"{p}: {kind}, not a file that can be attached")


def parse_as_of(value: str | dt.date | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    from fieldwork_tui.domain.dates import DateParseError, parse_date

    try:
        return parse_date(value)
    except DateParseError as exc:
        raise InvalidInput(f"as of: {exc}") from None


def free_bytes(path: Path) -> int:
    """Free space (bytes) available to this user on the file system holding `path`."""
    return shutil.disk_usage(path).free


def check_free_space(handle: EngagementHandle, sizes: Iterable[int], names: Sequence[str] = ()) -> None:
    """Refuse, with the numbers, a copy the vault's file system has no room for (naming the files).
    Files count at their apparent size (`st_size`): the vault writes every byte, so a sparse file
    takes its full size."""
    needed = sum(sizes)
    problem = space_problem(needed, free_bytes(vault(handle).root))
    if problem:
        what = "" if not names else f"{names[0]}: " if len(names) == 1 else f"{names[0]} and {len(names) - 1} more: "
        raise FieldworkError(what + problem)


def store_blobs(handle: EngagementHandle, files: list[Path], progress: AttachProgress | None = None,
                cancel: threading.Event | None = None) -> list[StoredBlob]:
    """Copy files into the vault (after checking there is room); on any error remove the blobs this
    call created, then raise."""
    v = vault(handle)
    sizes = [f.stat().st_size for f in files]
    total = sum(sizes)
    check_free_space(handle, sizes, [f.name for f in files])
    done_before = 0
    blobs: list[StoredBlob] = []
    try:
        for f, size in zip(files, sizes, strict=True):
            def on_chunk(done: int, _total: int, name: str = f.name, base: int = done_before) -> None:
                if progress is not None:
                    progress(base + done, max(total, base + done), name)

            blobs.append(v.store(f, on_chunk, cancel))
            done_before += size
            if progress is not None:
                progress(done_before, total, f.name)
    except VaultError as exc:
        for b in blobs:
            if b.new:
                v.remove(b.sha256)
        raise FieldworkError(str(exc)) from None
    except BaseException:
        for b in blobs:
            if b.new:
                v.remove(b.sha256)
        raise
    return blobs


def _request_id(s: Session, ref: str | None) -> int | None:
    if not ref:
        return None
    return find_request(s, ref).id


def _person_id(s: Session, name: str | None) -> int | None:
    if not name or not name.strip():
        return None
    person = find_person(s, name)
    if person is None:
        raise NotFound(f"received from: no person named {name.strip()!r}")
    return person.id


class MetadataConflictError(InvalidInput):
    """The file is already in the vault with another as-of date or description: the values belong
    to the document, so the caller decides (update the record, or keep what is stored)."""

    def __init__(self, evidence_id: int, name: str, conflicts: list[MetadataConflict], used_by: list[str]) -> None:
        used = f" (used by {', '.join(used_by)})" if used_by else ""
        super().__init__(f"{name} is already in the vault as evidence #{evidence_id}{used}: "
                         + "; ".join(c.describe() for c in conflicts))
        self.evidence_id, self.name, self.conflicts, self.used_by = evidence_id, name, conflicts, used_by

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.conflicts)


def control_refs_using(s: Session, evidence_id: int) -> list[str]:
    """Refs of the controls whose workpaper shows the evidence file (their sign-offs follow it)."""
    ids = controls_using_evidence(s, evidence_id)
    if not ids:
        return []
    return sorted(s.exec(select(Control.ref).where(Control.id.in_(ids))).all())


def record_file(s: Session, blob: StoredBlob, source: Path, actor: str, *, as_of: dt.date | None = None,
                description: str = "", request_id: int | None = None,
                received_from_id: int | None = None, conflicts: str = "keep",
                update: Iterable[str] = ()) -> tuple[EvidenceFile, bool]:
    """The EvidenceFile row for a stored blob: the existing one for the same content, else a new one.

    For existing content, a value given where none is stored fills it in. A *different* as-of date or
    description is a conflict: with `conflicts="raise"` it raises MetadataConflictError unless the
    field is named in `update` (then the stored value is replaced); with "keep" the stored value
    stays (working files whose description is only a default, e.g. a request's)."""
    existing = s.exec(select(EvidenceFile).where(EvidenceFile.sha256 == blob.sha256).order_by(EvidenceFile.id)).first()
    if existing is not None:
        update = set(update)
        found = metadata_conflicts(existing.as_of, existing.description, as_of=as_of, description=description)
        if conflicts == "raise" and any(c.field not in update for c in found):
            raise MetadataConflictError(existing.id, existing.original_name,
                                        [c for c in found if c.field not in update],
                                        control_refs_using(s, existing.id))
        for c in found:
            if c.field in update:
                setattr(existing, c.field, as_of if c.field == "as_of" else description.strip())
        changed = any(c.field in update for c in found)
        for attr, value in (("as_of", as_of), ("description", description), ("request_id", request_id),
                            ("received_from_id", received_from_id)):
            if value and not getattr(existing, attr):
                setattr(existing, attr, value)
                changed = True
        if changed:
            s.add(existing)
        return existing, True
    ev = EvidenceFile(sha256=blob.sha256, size=blob.size, original_name=source.name,
                      original_path=str(source.resolve()), media_type=media_type(source.name), as_of=as_of,
                      description=description, request_id=request_id, received_from_id=received_from_id,
                      added_by=actor)
    s.add(ev)
    s.flush()
    return ev, False


def attach(handle: EngagementHandle, control_ref: str, paths: Iterable[Path | str], *, request: str | None = None,
           as_of: str | dt.date | None = None, description: str = "", received_from: str | None = None,
           progress: AttachProgress | None = None, cancel: threading.Event | None = None,
           update: Iterable[str] = ()) -> list[AttachedFile]:
    """Attach files (and folders' files) to a control as inspection evidence.

    A file already in the vault keeps its as-of date and description (they belong to the document):
    giving different ones raises MetadataConflictError — nothing is attached — unless the field is
    named in `update` ("as_of", "description"), which changes the record for every control using it."""
    update = tuple(update)
    as_of_date = parse_as_of(as_of)
    with handle.read() as s:  # fail fast on a wrong control or request before copying gigabytes
        find_control(s, control_ref)
        _request_id(s, request)
        _person_id(s, received_from)
    files = collect_files(paths)
    blobs = store_blobs(handle, files, progress, cancel)
    out: list[AttachedFile] = []
    try:
        with handle.session() as s:
            control = find_control(s, control_ref)
            req_id = _request_id(s, request)
            person_id = _person_id(s, received_from)
            for blob, source in zip(blobs, files, strict=True):
                stored = s.exec(select(EvidenceFile).where(EvidenceFile.sha256 == blob.sha256)
                                .order_by(EvidenceFile.id)).first()
                updated = tuple(c.field for c in metadata_conflicts(
                    stored.as_of, stored.description, as_of=as_of_date, description=description)
                    if c.field in update) if stored is not None else ()
                others = tuple(r for r in control_refs_using(s, stored.id) if r != control.ref) if updated else ()
                ev, existed = record_file(s, blob, source, handle.actor, as_of=as_of_date, description=description,
                                          request_id=req_id, received_from_id=person_id, conflicts="raise",
                                          update=update)
                linked = s.get(EvidenceControl, (ev.id, control.id)) is not None
                if not linked:
                    s.add(EvidenceControl(evidence_id=ev.id, control_id=control.id))
                out.append(AttachedFile(record(ev), already_in_vault=existed or not blob.new, already_linked=linked,
                                        updated=updated, also_used_by=others))
    except BaseException:
        v = vault(handle)
        for b in blobs:
            if b.new:
                v.remove(b.sha256)
        raise
    return out


def store_file(handle: EngagementHandle, source: Path | str, *, description: str = "",
               as_of: dt.date | None = None, progress: AttachProgress | None = None) -> EvidenceFile:
    """Keep a file in the vault with its EvidenceFile record, linked to no control (re-performance
    source lists and other working files)."""
    source = Path(source)
    files = collect_files([source])
    blobs = store_blobs(handle, files, progress)
    with handle.session() as s:
        ev, _existed = record_file(s, blobs[0], files[0], handle.actor, as_of=as_of, description=description)
    return ev


def unlink(handle: EngagementHandle, control_ref: str, evidence_id: int) -> None:
    """Remove a file from a control's inspection evidence (the vault copy stays: it is evidence)."""
    with handle.session() as s:
        control = find_control(s, control_ref)
        link = s.get(EvidenceControl, (evidence_id, control.id))
        if link is None:
            raise NotFound(f"evidence #{evidence_id} is not attached to {control.ref}")
        s.delete(link)


_UNSET = object()
MAX_DESCRIPTION = 2000


def _evidence_view(s: Session, ev: EvidenceFile, version: int = 0) -> EvidenceView:
    return EvidenceView(ev.id, ev.sha256, ev.original_name, ev.size, ev.as_of, ev.description,
                        tuple(control_refs_using(s, ev.id)), version)


def find_evidence(s: Session, text: str | int) -> EvidenceFile:
    """An evidence record by its id (`12` or `#12`, as `status --json` and the Inspection tab show it)
    or by an unambiguous prefix of its SHA-256 (at least 4 hex digits)."""
    raw = str(text).strip()
    if not raw:
        raise InvalidInput("evidence: give its id (#12) or a prefix of its SHA-256")
    digits = raw.removeprefix("#")
    by_id = s.get(EvidenceFile, int(digits)) if digits.isdigit() and len(digits) < 18 else None
    if raw.startswith("#") or (by_id is not None and len(digits) < 6):
        if by_id is None:
            raise NotFound(f"evidence {raw}: no evidence record has that id")
        return by_id
    prefix = raw.lower()
    if len(prefix) < 4 or any(ch not in "0123456789abcdef" for ch in prefix):
        if by_id is not None:
            return by_id
        raise NotFound(f"evidence {raw!r}: not an evidence id, and not a SHA-256 prefix of 4+ hex digits")
    matches = s.exec(select(EvidenceFile).where(EvidenceFile.sha256.startswith(prefix))
                     .order_by(EvidenceFile.id).limit(6)).all()
    if not matches:
        if by_id is not None:
            return by_id
        raise NotFound(f"evidence {raw}: no evidence record has that id or hash prefix")
    if len(matches) > 1:
        listed = ", ".join(f"#{m.id} {m.original_name}" for m in matches[:5])
        raise InvalidInput(f"evidence {raw}: the prefix matches several records ({listed}); give more of the hash or the id")
    return matches[0]


def evidence_details(handle: EngagementHandle, evidence: str | int) -> EvidenceView:
    """The record as it is now, with its version (a form editing it hands that back)."""
    from fieldwork_tui.store import versions

    with handle.read() as s:
        ev = find_evidence(s, evidence)
        version = versions.version_of(s, "evidencefile", ev.id).version
        return _evidence_view(s, ev, version)


def edit_evidence(handle: EngagementHandle, evidence: str | int, *, as_of=_UNSET,
                  description: str | None = None, expected_version: int | None = None) -> EvidenceEdit:
    """Change an evidence file's as-of date (None or "" clears it) and/or description, journaled.
    They belong to the document: every control whose workpaper uses the file changes with them,
    and their current sign-offs go stale (listed in the result). `expected_version` (the `version` of
    `evidence_details`, or services/team `evidence_version`): refused if someone changed it since."""
    from fieldwork_tui.services.findings.signoffs import standings
    from fieldwork_tui.store import versions

    if as_of is _UNSET and description is None:
        raise InvalidInput("evidence edit: give --as-of DATE and/or --description TEXT")
    new_as_of = _UNSET if as_of is _UNSET else (None if as_of in (None, "") or str(as_of).strip().lower() in (
        "none", "-") else parse_as_of(as_of))
    if description is not None:
        description = description.strip()
        if len(description) > MAX_DESCRIPTION:
            raise InvalidInput(f"description: at most {MAX_DESCRIPTION} characters (got {len(description)})")
    with handle.session() as s:
        ev = find_evidence(s, evidence)
        versions.expect(s, "evidencefile", ev.id, expected_version, f"evidence #{ev.id} ({ev.original_name})")
        ids = controls_using_evidence(s, ev.id)
        before = {cid: standings(s, cid).get(cid) for cid in ids}
        changes: dict[str, tuple[str, str]] = {}
        if new_as_of is not _UNSET and new_as_of != ev.as_of:
            changes["as_of"] = (ev.as_of.isoformat() if ev.as_of else "", new_as_of.isoformat() if new_as_of else "")
            ev.as_of = new_as_of
        if description is not None and description != ev.description:
            changes["description"] = (ev.description, description)
            ev.description = description
        staled: list[str] = []
        if changes:
            s.add(ev)
            s.flush()
            refs = dict(s.exec(select(Control.id, Control.ref).where(Control.id.in_(ids))).all()) if ids else {}
            for cid in ids:
                was, now = before.get(cid), standings(s, cid).get(cid)
                if was is None or now is None:
                    continue
                if was.preparer_current and not now.preparer_current:
                    staled.append(f"{refs[cid]} preparer")
                if was.reviewer_current and not now.reviewer_current:
                    staled.append(f"{refs[cid]} reviewer")
        s.flush()
        return EvidenceEdit(_evidence_view(s, ev, versions.version_of(s, "evidencefile", ev.id).version), changes,
                            tuple(sorted(staled)))


def list_files(handle: EngagementHandle, control_ref: str | None = None) -> list[EvidenceFile]:
    """Files inspected for a control (or every file in the vault when no control is given)."""
    with handle.read() as s:
        q = select(EvidenceFile)
        if control_ref:
            control = find_control(s, control_ref)
            q = q.join(EvidenceControl, EvidenceControl.evidence_id == EvidenceFile.id).where(
                EvidenceControl.control_id == control.id)
        return list(s.exec(q.order_by(EvidenceFile.added_at, EvidenceFile.id)))


def get_file(handle: EngagementHandle, evidence_id: int) -> EvidenceFile:
    with handle.read() as s:
        ev = s.get(EvidenceFile, evidence_id)
        if ev is None:
            raise NotFound(f"evidence #{evidence_id} not found")
        return ev


def stored_path(handle: EngagementHandle, evidence_id: int) -> Path:
    ev = get_file(handle, evidence_id)
    path = vault(handle).path_for(ev.sha256)
    if not path.is_file():
        raise NotFound(f"evidence #{evidence_id} ({ev.original_name}): missing from the vault ({path})")
    return path


def viewing_copy(handle: EngagementHandle, evidence_id: int) -> Path:
    """A read-only COPY of the stored file under its original name (viewers need the extension), in
    `<engagement>/viewing/`. Never a link to the vault blob: a viewer that saves in place (after
    lifting the read-only bit) would otherwise change the only copy of the evidence. Made afresh on
    every view, so an edited earlier copy is never shown as the evidence."""
    ev = get_file(handle, evidence_id)
    blob = stored_path(handle, evidence_id)
    folder = paths.ensure_private_dir(handle.root / "viewing" / ev.sha256[:16])
    name = Path(ev.original_name).name or ev.sha256
    if name in (".", ".."):
        name = ev.sha256
    target = folder / name
    tmp = folder / f"{TMP_PREFIX}{secrets.token_hex(4)}-{ev.sha256[:8]}"
    try:
        shutil.copyfile(blob, tmp)
        os.chmod(tmp, 0o400)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def system_opener() -> list[str] | None:
    if sys.platform == "darwin":
        return ["open"]
    if sys.platform.startswith("win"):
        return None
    found = shutil.which("xdg-open")
    return [found] if found else None


def open_with_viewer(handle: EngagementHandle, evidence_id: int) -> Path:
    """Open the stored file with the system viewer (xdg-open / open), without waiting for it."""
    path = viewing_copy(handle, evidence_id)
    if sys.platform.startswith("win"):
        os.startfile(path)  # type: ignore[attr-defined]  # noqa: S606
        return path
    opener = system_opener()
    if opener is None:
        raise FieldworkError(f"no system viewer found (xdg-open); the file is at {path}")
    subprocess.Popen([*opener, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
    return path
