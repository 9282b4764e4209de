"""The evidence vault of an engagement on a PostgreSQL server: blobs content-addressed in the engagement's
own database (`fw_blob`, `fw_blob_chunk`: store/postgres.py), so a team needs one server and nothing else.

It is a `Vault` (store/vault.py) whose folder is the handle's private working copy: storing a file first
streams it into that folder as the local vault does (one pass: read, hash, write), then streams the copy
into the server one 1 MiB chunk per row, re-hashing as it goes; asking for a file (`path_for`) that is not
in the working copy streams it down from the server into a temporary file, checks its SHA-256 and only then
renames it into place. Memory stays constant both ways. Blobs on the server are never changed or removed
(their triggers refuse it): content-addressing makes a stored blob final.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from fieldwork_tui.store import postgres
from fieldwork_tui.store.paths import fsync_dir
from fieldwork_tui.store.vault import TMP_PREFIX, StoredBlob, Vault, VaultError


def upload(conn, path: Path, sha256: str) -> int:
    """Stream the file at `path` into the blob store as `sha256` (nothing when the server holds it); the
    bytes sent. Refuses a file whose content does not hash to `sha256`."""
    if conn.execute(text(f"SELECT 1 FROM {postgres.BLOB_TABLE} WHERE sha256 = :s"), {"s": sha256}).first():
        return 0
    digest, size, n = hashlib.sha256(), 0, 0
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise VaultError(f"{path}: cannot read the evidence file ({exc.strerror})") from None
    with fh:
        while chunk := fh.read(postgres.BLOB_CHUNK):
            digest.update(chunk)
            conn.execute(text(f"INSERT INTO {postgres.CHUNK_TABLE} (sha256, n, data) VALUES (:s, :n, :d)"),
                         {"s": sha256, "n": n, "d": chunk})
            size += len(chunk)
            n += 1
    if digest.hexdigest() != sha256:
        raise VaultError(f"{path}: the file no longer matches its SHA-256 {sha256[:12]}…; nothing was uploaded")
    conn.execute(text(f"INSERT INTO {postgres.BLOB_TABLE} (sha256, size, chunks) VALUES (:s, :z, :n)"),
                 {"s": sha256, "z": size, "n": n})
    return size


def chunks(conn, sha256: str):
    """The blob's chunks in order, fetched a few at a time (a server-side cursor)."""
    result = conn.execute(text(f"SELECT data FROM {postgres.CHUNK_TABLE} WHERE sha256 = :s ORDER BY n"),
                          {"s": sha256}, execution_options={"stream_results": True, "max_row_buffer": 4})
    for (data,) in result:
        yield bytes(data)


def server_digest(conn, sha256: str) -> str | None:
    """The SHA-256 of the blob as the server stores it (None when the server does not hold it)."""
    row = conn.execute(text(f"SELECT size FROM {postgres.BLOB_TABLE} WHERE sha256 = :s"), {"s": sha256}).first()
    if row is None:
        return None
    digest = hashlib.sha256()
    for chunk in chunks(conn, sha256):
        digest.update(chunk)
    return digest.hexdigest()


class ServerVault(Vault):
    def __init__(self, root: Path | str, engine: Engine, upload_engine: Engine | None = None) -> None:
        """`upload_engine`: an engine without the engagement's write lock (the handle's read engine)."""
        super().__init__(root)
        self.engine = engine
        self.upload_engine = upload_engine

    def _stored(self, blob: StoredBlob) -> StoredBlob:
        """Every blob stored in the working copy (by `store` or an `intake`) goes up to the server too.

        A blob is content-addressed and never changes, so its upload takes a lock of its own, not the
        engagement's write lock: an intake finishes inside the import's write transaction (the one-pass
        population import), and an upload waiting for that transaction's lock would wait for ever."""
        engine = self.upload_engine or self.engine
        with engine.begin() as conn:
            if self.upload_engine is not None:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({postgres.BLOB_LOCK_KEY})")
            sent = upload(conn, blob.path, blob.sha256)
        return StoredBlob(blob.sha256, blob.size, blob.path, new=blob.new or bool(sent))

    def mark_pending(self, sha256: str) -> None:
        """Nothing: the folder is a working copy of the server's blobs, not the engagement's vault."""

    def path_for(self, sha256: str) -> Path:
        path = super().path_for(sha256)
        if not path.is_file():
            self._download(sha256.lower(), path)
        return path

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def remove(self, sha256: str) -> None:
        path = super().path_for(sha256)  # the working copy only: the server's blob is final
        if path.exists():
            os.chmod(path, 0o600)
            path.unlink()

    def _download(self, sha: str, path: Path) -> None:
        # a read: never through the write engine, whose every transaction takes the write lock (a
        # download inside an import's write transaction would wait for that transaction for ever)
        with (self.upload_engine or self.engine).connect() as conn:
            if not conn.execute(text(f"SELECT 1 FROM {postgres.BLOB_TABLE} WHERE sha256 = :s"), {"s": sha}).first():
                return
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.parent / f"{TMP_PREFIX}{secrets.token_hex(8)}"
            digest = hashlib.sha256()
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
                try:
                    for chunk in chunks(conn, sha):
                        digest.update(chunk)
                        os.write(fd, chunk)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                if digest.hexdigest() != sha:
                    raise VaultError(f"evidence file {sha[:12]}…: the server's copy does not match its SHA-256 "
                                     "(fieldwork check)")
                os.chmod(tmp, 0o400)
                os.replace(tmp, path)
                fsync_dir(path.parent)
            finally:
                tmp.unlink(missing_ok=True)
