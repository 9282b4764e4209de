"""The evidence vault: files copied into the engagement, content-addressed by SHA-256.

A file is read ONCE: a reader thread reads chunks, a hasher thread hashes them and the calling
thread writes them, all three at the same time (file reads, `hashlib` and `os.write` release the
GIL), so storing a file costs about as long as the slowest of the three instead of a hash pass
followed by a copy pass. Memory stays constant: at most `DEPTH` chunks per queue are in flight.

The copy goes to a temporary name (`.tmp-*`) in the vault, is fsynced, then renamed to
`<vault>/<sha[:2]>/<sha>`; the folder is fsynced too. A crash leaves at most a `.tmp-*` file, which
opening the engagement removes. The same content stored twice is kept once. Blobs are read-only (0400).

Only regular files are stored: the source is opened with O_NONBLOCK (so a FIFO without a writer
cannot hang the open) and checked with fstat, so FIFOs, sockets and devices are refused with a clear
message, as are unreadable or vanished files. Errors are `VaultError` (a one-line message naming
the file).
"""

from __future__ import annotations

import errno
import hashlib
import os
import queue
import secrets
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fieldwork_tui.store.paths import fsync_dir

TMP_PREFIX = ".tmp-"
CHUNK = 1 << 20  # 1 MiB
DEPTH = 8  # chunks in flight per queue: memory stays under ~2 * DEPTH MiB

#: progress(bytes_done, bytes_total) — called from the storing thread after each chunk is written.
Progress = Callable[[int, int], None]


class VaultError(Exception):
    """A file could not be stored or read; the message is one line naming the file."""


class Cancelled(VaultError):
    pass


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    path: Path
    new: bool  # False when the same content was already in the vault


def _describe_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def open_regular(path: Path | str) -> tuple[int, os.stat_result]:
    """Open `path` for reading without ever blocking; refuse anything but a regular file."""
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise VaultError(f"{path}: file not found (moved or deleted?)") from None
    except PermissionError:
        raise VaultError(f"{path}: permission denied (cannot read the file)") from None
    except OSError as exc:
        if exc.errno in (errno.ENXIO, errno.EOPNOTSUPP):  # a socket, or a FIFO opened oddly
            raise VaultError(f"{path}: not a regular file") from None
        raise VaultError(f"{path}: cannot open ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise VaultError(f"{path}: {_describe_kind(st.st_mode)}, not a file that can be stored")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


class _Pipeline:
    """Reader thread → (hasher thread, calling-thread writer). Bounded queues, clean shutdown."""

    def __init__(self, src_fd: int, dst_fd: int, total: int, progress: Progress | None,
                 cancel: threading.Event | None) -> None:
        self.src_fd, self.dst_fd, self.total = src_fd, dst_fd, total
        self.progress, self.cancel = progress, cancel
        self.stop = threading.Event()
        self.hash_q: queue.Queue = queue.Queue(DEPTH)
        self.write_q: queue.Queue = queue.Queue(DEPTH)
        self.digest = hashlib.sha256()
        self.read_error: BaseException | None = None

    def _put(self, q: queue.Queue, item) -> bool:
        while not self.stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _get(self, q: queue.Queue):
        while not self.stop.is_set():
            try:
                return q.get(timeout=0.1)
            except queue.Empty:
                continue
        return None

    def _reader(self) -> None:
        try:
            while not self.stop.is_set():
                chunk = os.read(self.src_fd, CHUNK)
                if not (self._put(self.hash_q, chunk) and self._put(self.write_q, chunk)) or not chunk:
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the writer thread
            self.read_error = exc
            self._put(self.hash_q, b"")
            self._put(self.write_q, exc)

    def _hasher(self) -> None:
        update = self.digest.update
        while True:
            chunk = self._get(self.hash_q)
            if not chunk:
                return
            update(chunk)

    def run(self) -> tuple[str, int]:
        reader = threading.Thread(target=self._reader, name="vault-read", daemon=True)
        hasher = threading.Thread(target=self._hasher, name="vault-hash", daemon=True)
        reader.start()
        hasher.start()
        done = 0
        try:
            while True:
                if self.cancel is not None and self.cancel.is_set():
                    raise Cancelled("cancelled; nothing was stored")
                item = self._get(self.write_q)
                if isinstance(item, BaseException):
                    raise item
                if not item:
                    break
                view = memoryview(item)
                while view:
                    written = os.write(self.dst_fd, view)
                    view = view[written:]
                done += len(item)
                if self.progress is not None:
                    self.progress(done, max(self.total, done))
        except BaseException:
            self.stop.set()
            raise
        finally:
            reader.join()
            hasher.join()
        return self.digest.hexdigest(), done


class Vault:
    """Content-addressed store in one engagement folder (`<engagement>/vault`)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        sha = sha256.lower()
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise VaultError(f"{sha256!r}: not a SHA-256 hex digest")
        return self.root / sha[:2] / sha

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def store(self, source: Path | str, progress: Progress | None = None,
              cancel: threading.Event | None = None) -> StoredBlob:
        """Copy `source` into the vault in one streaming pass; return its hash, size and vault path."""
        source = Path(source)
        src_fd, st = open_regular(source)
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = self.root / f"{TMP_PREFIX}{secrets.token_hex(8)}"
            dst_fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
            try:
                try:
                    sha, size = _Pipeline(src_fd, dst_fd, st.st_size, progress, cancel).run()
                    os.fsync(dst_fd)
                finally:
                    os.close(dst_fd)
                after = os.fstat(src_fd)
                if size != st.st_size or after.st_size != size or after.st_mtime_ns != st.st_mtime_ns:
                    raise VaultError(f"{source}: the file changed while it was being copied "
                                     f"({st.st_size} bytes, now {after.st_size}); try again when it is complete")
                final = self.path_for(sha)
                if final.is_file():
                    tmp.unlink()
                    return StoredBlob(sha, size, final, new=False)
                final.parent.mkdir(exist_ok=True, mode=0o700)
                os.chmod(tmp, 0o400)
                os.replace(tmp, final)
                fsync_dir(final.parent)
                return StoredBlob(sha, size, final, new=True)
            except BaseException as exc:
                tmp.unlink(missing_ok=True)
                if isinstance(exc, VaultError):
                    raise
                if isinstance(exc, OSError):
                    if exc.errno == errno.ENOSPC:
                        raise VaultError(f"{source}: disk full while copying into the vault; nothing was stored") from None
                    if exc.errno == errno.EISDIR:
                        raise VaultError(f"{source}: a folder, not a file that can be stored") from None
                    raise VaultError(f"{source}: {exc.strerror or exc} while copying; nothing was stored") from None
                raise
        finally:
            os.close(src_fd)

    def remove(self, sha256: str) -> None:
        """Remove a blob (only for blobs created by an operation that was then rolled back)."""
        path = self.path_for(sha256)
        if path.exists():
            os.chmod(path, 0o600)
            path.unlink()

    def verify(self, sha256: str) -> bool:
        """Re-hash a stored blob; False when missing or altered."""
        path = self.path_for(sha256)
        try:
            fd, _st = open_regular(path)
        except VaultError:
            return False
        digest = hashlib.sha256()
        try:
            while chunk := os.read(fd, CHUNK):
                digest.update(chunk)
        finally:
            os.close(fd)
        return digest.hexdigest() == sha256.lower()
