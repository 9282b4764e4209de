"""Backup and restore of a whole engagement, so a laptop's engagement can be carried safely.

A backup is one ZIP archive: `fieldwork.db` (a consistent copy taken with SQLite's online backup
API, so it is safe while another process writes), every file of the evidence vault and any other
file of the engagement folder, and `manifest.json` with the SHA-256 and size of each. The archive is
written to a temporary name beside the target, flushed to disk and renamed, so a crash never
leaves a half-written file at the name the auditor asked for.

Restore checks the archive before it moves anything into place: every member must be a plain
relative path listed in the manifest, and every hash must match while the files are unpacked into
a temporary folder. Only then does that folder take the engagement's name (refusing to replace an
existing engagement unless forced).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import struct
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from fieldwork_tui.domain.vocab import Phase
from fieldwork_tui.services.errors import FieldworkError, InvalidInput
from fieldwork_tui.services.maintenance.views import MANIFEST, BackupResult, RestoreResult
from fieldwork_tui.store import journal, paths
from fieldwork_tui.store.db import backup_database, integrity_problem
from fieldwork_tui.store.handle import LOCK_NAME, TMP_PREFIX, EngagementHandle, open_handle
from fieldwork_tui.store.outputs import private_output
from fieldwork_tui.store.paths import fsync_dir
from fieldwork_tui.store.peek import peek

FORMAT = "fieldwork-backup"
FORMAT_VERSION = 1
CHUNK = 1 << 20
FREE_MARGIN = 64 << 20  # what a restore leaves free on the disk, at least
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _is_db_family(name: str) -> bool:
    return name == paths.DB_NAME or name.startswith(paths.DB_NAME + "-") or name.startswith(paths.DB_NAME + ".")


def _engagement_files(root: Path) -> list[tuple[str, Path]]:
    """(archive name, path) of every regular file of the engagement other than the live database,
    its WAL files, pre-migration copies and temporary files. Symlinks are never followed: a link in
    the folder must not carry a file from elsewhere on the laptop into the archive."""
    out: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        rel_dir = here.relative_to(root)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(TMP_PREFIX)
                             and not (rel_dir == Path(paths.VAULT_NAME) and d == "tmp"))
        for name in sorted(filenames):
            if name.startswith(TMP_PREFIX) or (rel_dir == Path(".") and _is_db_family(name)):
                continue
            p = here / name
            if not stat.S_ISREG(p.lstat().st_mode):
                continue
            out.append(((rel_dir / name).as_posix(), p))
    return out


def _copy_into(zf: zipfile.ZipFile, arcname: str, src: Path, *, compress: bool) -> tuple[int, str]:
    """Stream `src` into the archive, hashing on the way (one pass, constant memory)."""
    info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = (stat.S_IFREG | 0o600) << 16
    digest = hashlib.sha256()
    size = 0
    with open(src, "rb") as fh, zf.open(info, "w", force_zip64=True) as out:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def backup_engagement(handle: EngagementHandle, output: Path | str) -> BackupResult:
    """Write a verified backup archive of the engagement to `output` (replaced atomically)."""
    if handle.engine.dialect.name != "sqlite":
        raise InvalidInput(f"{handle.slug}: a team engagement is backed up on its server (pg_dump, or the "
                           "server's own backups; docs/team.md); `fieldwork export` writes its bundle")
    output = Path(output).expanduser().absolute()
    root = handle.root.absolute()
    if output.is_dir():
        raise InvalidInput(f"{output}: is a folder; give the backup file name, e.g. {output / (handle.slug + '.zip')}")
    if not output.parent.is_dir():
        raise InvalidInput(f"{output.parent}: folder not found")
    if output.is_relative_to(root):
        raise InvalidInput(f"{output}: write the backup outside the engagement folder {root}")
    token = uuid.uuid4().hex[:12]
    db_copy = root / f"{TMP_PREFIX}backup-{token}.db"  # cleaned on the next open if we crash
    files: list[dict] = []
    total = 0
    try:
        try:
            backup_database(handle.db_path, db_copy)
        except sqlite3.DatabaseError as exc:
            problem = str(exc)
        else:
            problem = integrity_problem(db_copy)
        if problem:
            raise InvalidInput(f"{handle.db_path}: the database is corrupt ({problem}); no backup was written — "
                               "restore the engagement from an earlier backup (fieldwork restore)")
        eng = handle.engagement()
        with private_output(output) as tmp, open(tmp, "wb") as raw:
            with zipfile.ZipFile(raw, "w", allowZip64=True) as zf:
                entries = [(paths.DB_NAME, db_copy)] + _engagement_files(root)
                for arcname, src in entries:
                    size, sha = _copy_into(zf, arcname, src, compress=arcname == paths.DB_NAME)
                    files.append({"path": arcname, "size": size, "sha256": sha})
                    total += size
                manifest = {
                    "format": FORMAT, "format_version": FORMAT_VERSION,
                    "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "engagement": {"name": eng.name, "slug": handle.slug, "phase": eng.phase.value, "uid": eng.uid},
                    "files": files,
                }
                info = zipfile.ZipInfo(MANIFEST, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = (stat.S_IFREG | 0o600) << 16
                zf.writestr(info, json.dumps(manifest, indent=2, ensure_ascii=False), zipfile.ZIP_DEFLATED)
    finally:
        for suffix in ("", ".tmp", "-wal", "-shm"):
            db_copy.with_name(db_copy.name + suffix).unlink(missing_ok=True)
    return BackupResult(path=output, files=len(files), bytes=total)


# --- restore -----------------------------------------------------------------------------------


def _safe_member(name: str, archive: Path) -> PurePosixPath:
    """A member name that stays inside the engagement folder, or InvalidInput."""
    p = PurePosixPath(name)
    if (not name or _CONTROL.search(name) or "\\" in name or p.is_absolute() or ".." in p.parts
            or any(part in ("", ".") for part in name.split("/")) or re.match(r"^[A-Za-z]:", name)):
        raise InvalidInput(f"{archive}: unsafe file name {name!r} in the backup; nothing was restored")
    return p


def _damaged(archive: Path, detail: str) -> InvalidInput:
    return InvalidInput(f"{archive}: damaged backup, nothing restored ({detail})")


# What reading a damaged archive raises: zipfile's own errors, and what its parsing of a bad header,
# length or "version needed" field turns into (NotImplementedError, struct/EOF/zlib/Unicode errors).
_ARCHIVE_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, zlib.error,
                   ValueError, OSError, KeyError, IndexError, OverflowError, struct.error, RuntimeError)


def read_manifest(archive: Path) -> tuple[zipfile.ZipFile, dict, dict[str, dict]]:
    """Open the archive and check its manifest against its members (names and sizes; hashes later)."""
    try:
        zf = zipfile.ZipFile(archive)
    except FileNotFoundError:
        raise InvalidInput(f"{archive}: file not found") from None
    except IsADirectoryError:
        raise InvalidInput(f"{archive}: is a folder, not a backup file") from None
    except _ARCHIVE_ERRORS as exc:
        raise _damaged(archive, f"unreadable archive: {exc.__class__.__name__}: {exc}") from None
    try:
        try:
            manifest = json.loads(zf.read(MANIFEST).decode("utf-8"))
        except KeyError:
            raise _damaged(archive, f"not a fieldwork backup: no {MANIFEST}") from None
        except _ARCHIVE_ERRORS as exc:
            raise _damaged(archive, f"{MANIFEST} is unreadable: {exc.__class__.__name__}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise _damaged(archive, "not a fieldwork backup: unknown format")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise InvalidInput(f"{archive}: backup format {manifest.get('format_version')!r} is newer than this "
                               "fieldwork-tui; upgrade it to restore")
        listed: dict[str, dict] = {}
        for entry in manifest.get("files") or []:
            if (not isinstance(entry, dict) or not isinstance(entry.get("path"), str)
                    or not isinstance(entry.get("sha256"), str) or type(entry.get("size")) is not int
                    or entry["size"] < 0):
                raise _damaged(archive, f"{MANIFEST} has a malformed file entry")
            _safe_member(entry["path"], archive)
            listed[entry["path"]] = entry
        infos = [i for i in zf.infolist() if i.filename != MANIFEST]
        members = [i.filename for i in infos]
        for name in members:
            _safe_member(name, archive)
        if paths.DB_NAME not in listed:
            raise _damaged(archive, f"the backup holds no {paths.DB_NAME}")
        extra = sorted(set(members) - set(listed))
        missing = sorted(set(listed) - set(members))
        if extra or len(members) != len(set(members)):
            raise _damaged(archive, f"file {(extra or members)[0]!r} is not in the backup's manifest")
        if missing:
            raise _damaged(archive, f"file {missing[0]!r} listed in the manifest is missing")
        for info in infos:  # the archive may not expand a member beyond what the manifest declares
            if info.file_size != listed[info.filename]["size"]:
                raise _damaged(archive, f"{info.filename} unpacks to {info.file_size} bytes, the manifest "
                                        f"declares {listed[info.filename]['size']}")
        return zf, manifest, listed
    except BaseException:
        zf.close()
        raise


def _check_free_space(home_path: Path, listed: dict[str, dict], archive: Path) -> None:
    need = sum(e["size"] for e in listed.values())
    free = shutil.disk_usage(home_path).free
    if need + FREE_MARGIN > free:
        raise InvalidInput(f"{archive}: restoring needs {need:,} bytes but {home_path} has {free:,} free "
                           f"(keeping {FREE_MARGIN:,} spare); nothing restored")


def _extract_verified(zf: zipfile.ZipFile, listed: dict[str, dict], dest: Path, archive: Path) -> None:
    for name, entry in listed.items():
        target = dest.joinpath(*PurePosixPath(name).parts)
        folder = target.parent
        paths.ensure_private_dir(folder)
        digest = hashlib.sha256()
        size = 0
        fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as out:
            try:
                src = zf.open(name)
            except _ARCHIVE_ERRORS as exc:  # reading the archive
                raise _damaged(archive, f"{name}: {exc.__class__.__name__}: {exc}") from None
            with src:
                while True:
                    try:
                        chunk = src.read(CHUNK)
                    except _ARCHIVE_ERRORS as exc:
                        raise _damaged(archive, f"{name}: {exc.__class__.__name__}: {exc}") from None
                    if not chunk:
                        break
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                    if size > entry["size"]:
                        break
            out.flush()
            os.fsync(out.fileno())
        if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
            raise _damaged(archive, f"{name} does not match its SHA-256 in the manifest: altered or damaged")


def restore_engagement(home: Path | str | None, archive: Path | str, *, as_name: str | None = None,
                       force: bool = False, replace: str | None = None) -> RestoreResult:
    """Restore a backup under the fieldwork home; everything is verified before it is moved into place.

    `force` replaces an existing engagement only when it is the same engagement (same id) and not
    locked in the final-report phase; replacing a locked or a different engagement needs `replace`
    naming it. The replaced folder is kept under `<home>/.replaced/`."""
    archive = Path(archive).expanduser()
    home_path = paths.ensure_private_dir(paths.resolve_home(home))
    recover_interrupted_restores(home_path)
    zf, manifest, listed = read_manifest(archive)
    with zf:
        eng = manifest.get("engagement") or {}
        slug = paths.slugify(as_name) if as_name else paths.slugify(str(eng.get("slug") or eng.get("name") or ""))
        final = home_path / slug
        exists = final.exists() or final.is_symlink()
        if replace is not None and paths.slugify(replace) != slug:
            raise InvalidInput(f"--replace names {replace!r}, but this backup restores to {slug!r}; "
                               "nothing restored")
        if exists and not (force or replace):
            raise InvalidInput(f"engagement {slug!r} already exists in {home_path}; restore with --as NEW_NAME, "
                               "or --force to replace it")
        _check_free_space(home_path, listed, archive)
        staging = home_path / f"{TMP_PREFIX}restore-{uuid.uuid4().hex[:12]}"
        paths.ensure_private_dir(staging)
        kept = None
        try:
            _extract_verified(zf, listed, staging, archive)
            try:
                handle = open_handle(staging)  # refuses a corrupt or newer database; migrates an older one
            except FieldworkError as exc:
                reason = str(exc).replace(str(staging / paths.DB_NAME) + ": ", "")
                raise InvalidInput(f"{archive}: the database in the backup cannot be opened: {reason}") from None
            try:
                incoming = handle.engagement().uid
                if exists and replace is None:
                    _refuse_unsafe_replace(final, incoming, slug)
                with handle.session() as s:
                    journal.record(s, "restore", "engagement", "", {
                        "archive": archive.name, "created_at": manifest.get("created_at"),
                        "from_slug": eng.get("slug"), "as": slug, "replaced": exists})
            finally:
                handle.close()
            for p in staging.rglob("*"):
                os.chmod(p, 0o700 if p.is_dir() else 0o600)
            with _nobody_using(final, exists):
                kept = _move_into_place(staging, final, exists)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return RestoreResult(slug=slug, root=final, files=len(listed), replaced=exists, kept=kept)


def _identity(root: Path) -> tuple[str, str] | None:
    """(engagement id, phase) of an engagement folder, read without opening it for writing; None when
    it cannot be read."""
    db = root / paths.DB_NAME
    if not db.is_file():
        return None
    try:
        with peek(db) as conn:  # leaves no side file
            row = conn.execute("SELECT uid, phase FROM engagement").fetchone()
    except sqlite3.Error:
        return None
    return (str(row[0]), str(row[1])) if row else None


def _refuse_unsafe_replace(final: Path, incoming_uid: str, slug: str) -> None:
    current = _identity(final)
    if current is None:
        why = "cannot be read (is it a fieldwork engagement?)"
    elif current[0] != incoming_uid:
        why = "a different engagement than the one in this backup (another engagement id)"
    elif current[1] == Phase.final_report.name or current[1] == Phase.final_report.value:
        why = "locked in the final-report phase"
    else:
        return
    raise InvalidInput(f"engagement {slug!r} is {why}; --force replaces only an earlier state of the same "
                       f"engagement — to replace it anyway, add --replace {slug}; nothing restored")


@contextmanager
def _nobody_using(final: Path, exists: bool) -> Iterator[None]:
    """Hold the replaced engagement's lock exclusively: a process that has it open (the app, an
    attach) would go on writing into the folder being swapped out, and lose every later change."""
    lock = final / LOCK_NAME
    if not exists or not final.is_dir():
        yield
        return
    try:
        import fcntl
    except ImportError:  # no sharing check off POSIX
        yield
        return
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise InvalidInput(f"engagement {final.name!r} is open in another fieldwork process (the app?); "
                               "close it, then restore again") from None
        yield
    finally:
        os.close(fd)


def recover_interrupted_restores(home_path: Path) -> None:
    """Undo what a restore killed half-way left in the home: a staging folder is deleted; an engagement
    moved aside to be replaced goes back to its name if the new one never took it, and is kept under
    `.replaced/` if it did."""
    if not home_path.is_dir():
        return
    for p in sorted(home_path.iterdir()):
        if not p.is_dir() or p.is_symlink():
            continue
        if p.name.startswith(f"{TMP_PREFIX}restore-"):
            shutil.rmtree(p, ignore_errors=True)
        elif m := re.fullmatch(rf"{re.escape(TMP_PREFIX)}replaced-(.+)-[0-9a-f]{{8}}", p.name):
            original = home_path / m.group(1)
            if original.exists():
                _keep_replaced(p, m.group(1))
            else:
                os.rename(p, original)


KEPT_DIR = ".replaced"


def _keep_replaced(aside: Path, slug: str) -> Path:
    """Move a replaced engagement folder to `<home>/.replaced/<slug>-<UTC time>` (never listed as an
    engagement; the auditor deletes it when sure)."""
    kept_root = paths.ensure_private_dir(aside.parent / KEPT_DIR)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = kept_root / f"{slug}-{stamp}"
    n = 1
    while target.exists():
        n += 1
        target = kept_root / f"{slug}-{stamp}-{n}"
    os.rename(aside, target)
    fsync_dir(kept_root)
    return target


def _move_into_place(staging: Path, final: Path, exists: bool) -> Path | None:
    """Swap the verified folder in; the replaced engagement is kept (returned) once the new one is in place."""
    if not exists:
        os.rename(staging, final)
        fsync_dir(final.parent)
        return None
    aside = final.with_name(f"{TMP_PREFIX}replaced-{final.name}-{uuid.uuid4().hex[:8]}")
    os.rename(final, aside)
    try:
        os.rename(staging, final)
    except BaseException:
        os.rename(aside, final)
        raise
    fsync_dir(final.parent)
    return _keep_replaced(aside, final.name)
