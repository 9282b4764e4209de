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
import shutil
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlmodel import Session, select

from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.errors import FieldworkError, InvalidInput, NotFound
from fieldwork_tui.services.evidence.views import AttachedFile
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import EvidenceControl, EvidenceFile, EvidenceRequest, Person
from fieldwork_tui.store.vault import StoredBlob, Vault, VaultError

#: progress(bytes_done, bytes_total, current file name) — from the storing thread.
AttachProgress = Callable[[int, int, str], None]


def vault(handle: EngagementHandle) -> Vault:
    return Vault(handle.vault_path)


def media_type(name: str) -> str:
    guessed, _enc = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def collect_files(paths: Iterable[Path | str]) -> list[Path]:
    """The files to attach: each file named, and every file inside each folder named (sorted,
    hidden files skipped). Anything that is not a regular file is an error naming it."""
    out: list[Path] = []
    for raw in paths:
        p = Path(os.path.expanduser(str(raw).strip().strip("'\"")))
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


def store_blobs(handle: EngagementHandle, files: list[Path], progress: AttachProgress | None = None,
                cancel: threading.Event | None = None) -> list[StoredBlob]:
    """Copy files into the vault; on any error remove the blobs this call created, then raise."""
    v = vault(handle)
    sizes = [f.stat().st_size for f in files]
    total = sum(sizes)
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
    req = s.exec(select(EvidenceRequest).where(EvidenceRequest.ref == ref.strip())).first()
    if req is None:
        raise NotFound(f"request {ref!r} not found")
    return req.id


def _person_id(s: Session, name: str | None) -> int | None:
    if not name or not name.strip():
        return None
    person = s.exec(select(Person).where(Person.name == name.strip())).first()
    if person is None:
        raise NotFound(f"received from: no person named {name.strip()!r}")
    return person.id


def record_file(s: Session, blob: StoredBlob, source: Path, actor: str, *, as_of: dt.date | None = None,
                description: str = "", request_id: int | None = None,
                received_from_id: int | None = None) -> tuple[EvidenceFile, bool]:
    """The EvidenceFile row for a stored blob: the existing one for the same content, else a new one."""
    existing = s.exec(select(EvidenceFile).where(EvidenceFile.sha256 == blob.sha256).order_by(EvidenceFile.id)).first()
    if existing is not None:
        changed = False
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
           progress: AttachProgress | None = None, cancel: threading.Event | None = None) -> list[AttachedFile]:
    """Attach files (and folders' files) to a control as inspection evidence."""
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
                ev, existed = record_file(s, blob, source, handle.actor, as_of=as_of_date, description=description,
                                          request_id=req_id, received_from_id=person_id)
                linked = s.get(EvidenceControl, (ev.id, control.id)) is not None
                if not linked:
                    s.add(EvidenceControl(evidence_id=ev.id, control_id=control.id))
                out.append(AttachedFile(ev, already_in_vault=existed or not blob.new, already_linked=linked))
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


def set_as_of(handle: EngagementHandle, evidence_id: int, as_of: str | dt.date | None) -> EvidenceFile:
    value = parse_as_of(as_of) if as_of not in ("", None) else None
    with handle.session() as s:
        ev = s.get(EvidenceFile, evidence_id)
        if ev is None:
            raise NotFound(f"evidence #{evidence_id} not found")
        ev.as_of = value
        s.add(ev)
    return ev


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
    """A read-only view of the stored file under its original name (viewers need the extension):
    a hard link to the blob where possible, else a copy, in `<engagement>/viewing/`."""
    ev = get_file(handle, evidence_id)
    blob = stored_path(handle, evidence_id)
    folder = handle.root / "viewing" / ev.sha256[:16]
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = Path(ev.original_name).name or ev.sha256
    target = folder / name
    if not target.exists():
        try:
            os.link(blob, target)
        except OSError:
            tmp = folder / f".tmp-{name}"
            shutil.copyfile(blob, tmp)
            os.chmod(tmp, 0o400)
            os.replace(tmp, target)
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
