"""The evidence vault: files copied into the engagement, content-addressed by SHA-256.

A file is read ONCE, in one sequential loop: each 1 MiB chunk is read into a reused buffer, hashed
(`hashlib`, OpenSSL's SHA-256) and written to the copy, then the copy is fsynced once. Measured on
the benchmark (`tests/perf/bench.py`), this matches `openssl dgst -sha256` followed by `cp` and an
fsync; the earlier three-thread pipeline (reader, hasher, writer) was slower than the same steps in
sequence, because handing chunks between threads cost more than the overlap saved. Memory stays
constant (one buffer).

The same pass can feed a parser: `Vault.intake(source)` is a readable binary stream whose bytes are
hashed and copied as they are read (the population import parses a CSV from it, so the file is read
once for its hash, its vault copy and its rows); `finish()` reads whatever the reader left, and
stores the copy.

The copy goes to a temporary name (`.tmp-*`) in the vault, is fsynced, then renamed to
`<vault>/<sha[:2]>/<sha>`; the folder is fsynced too. A crash leaves at most a `.tmp-*` file, which
opening the engagement removes. The same content stored twice is kept once. Blobs are read-only (0400).

A new blob's record is written by the caller after the blob is in place (the database and the folder
cannot change in one step), so before the rename a marker `<vault>/tmp/pending-<sha>` says the blob
is not yet known to be referenced. The next open of the engagement by a process alone with it
(`resolve_pending`) keeps each marked blob an evidence record references and removes the others:
a process killed between placing the file and committing its record (a large population import's
commit takes seconds) leaves nothing behind that `fieldwork check` would call a stray file. In the
normal course the marker goes at once: after each commit, the handle drops the markers of the blobs
this process placed that a record now references (`settle_placed`).

Only regular files are stored: the source is opened with O_NONBLOCK (so a FIFO without a writer
cannot hang the open) and checked with fstat, so FIFOs, sockets and devices are refused with a clear
message, as are unreadable or vanished files. Errors are `VaultError` (a one-line message naming
the file).
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import secrets
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fieldwork_tui.store.paths import fsync_dir

TMP_PREFIX = ".tmp-"
PENDING_PREFIX = "pending-"  # <vault>/tmp/pending-<sha>: a blob placed before its record was committed
_placed: dict[Path, set[str]] = {}  # vault folder → hashes this process marked pending and has not settled
_placed_lock = threading.Lock()
CHUNK = 1 << 20  # 1 MiB
#: Every WRITEBACK bytes written, the copy's pages so far are handed to the kernel's writeback
#: (`posix_fadvise(DONTNEED)` starts it without waiting), so the disk writes while the next chunks are
#: read and hashed and the one fsync at the end has little left to wait for. It also keeps the copy
#: from crowding the page cache. Measured in the benchmark: without it attach waits for the whole
#: file's writeback after hashing it, like `cp` followed by `sync`.
WRITEBACK = 16 << 20
_FADVISE = getattr(os, "posix_fadvise", None)

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
        if hasattr(os, "posix_fadvise"):
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
            except OSError:
                pass
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def _as_vault_error(source: Path, exc: BaseException) -> BaseException:
    """The one-line message for an OS error while copying (other exceptions pass unchanged)."""
    if isinstance(exc, VaultError) or not isinstance(exc, OSError):
        return exc
    if exc.errno == errno.ENOSPC:
        return VaultError(f"{source}: disk full while copying into the vault; nothing was stored")
    if exc.errno == errno.EISDIR:
        return VaultError(f"{source}: a folder, not a file that can be stored")
    return VaultError(f"{source}: {exc.strerror or exc} while copying; nothing was stored")


class Intake(io.RawIOBase):
    """A source file being stored: a readable binary stream whose every byte read is hashed and (unless
    `keep` is False, e.g. for a dry run) written to a temporary copy in the vault, in the reading thread.

    Use as a context manager: `finish()` reads the rest of the file, checks it did not change while it
    was read, and stores the copy (or, without `keep`, only hashes); leaving the block without
    `finish()`, or with an error, removes the temporary copy. Read errors are `VaultError`s naming the
    file; `cancel` (an Event) stops the copy at the next chunk with `Cancelled`."""

    def __init__(self, vault: Vault, source: Path | str, progress: Progress | None = None,
                 cancel: threading.Event | None = None, *, keep: bool = True) -> None:
        super().__init__()
        self.vault, self.source = vault, Path(source)
        self.progress, self.cancel, self.keep = progress, cancel, keep
        self.src_fd, self.result, self.tmp, self.dst_fd = -1, None, None, None
        self.src_fd, self.st = open_regular(self.source)
        self.size = self.st.st_size
        self.done = 0
        self.digest = hashlib.sha256()
        self.dst_fd: int | None = None
        self.flushed = 0  # bytes of the copy handed to writeback
        self.tmp: Path | None = None
        self.result: StoredBlob | None = None
        try:
            if keep:
                vault.root.mkdir(parents=True, exist_ok=True, mode=0o700)
                self.tmp = vault.root / f"{TMP_PREFIX}{secrets.token_hex(8)}"
                self.dst_fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                                      0o600)
        except BaseException as exc:
            self.release()
            raise _as_vault_error(self.source, exc) from None

    # -- io.RawIOBase ---------------------------------------------------------------------------------
    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._pull(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def _pull(self, size: int) -> bytes:
        """Read up to `size` bytes of the source, hash them and write them to the copy."""
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("cancelled; nothing was stored")
        try:
            chunk = os.read(self.src_fd, size)
            if chunk:
                self.digest.update(chunk)
                if self.dst_fd is not None:
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(self.dst_fd, view):]
                    if _FADVISE is not None and self.done + len(chunk) - self.flushed >= WRITEBACK:
                        _FADVISE(self.dst_fd, self.flushed, self.done + len(chunk) - self.flushed,
                                 os.POSIX_FADV_DONTNEED)
                        self.flushed = self.done + len(chunk)
        except BaseException as exc:
            raise _as_vault_error(self.source, exc) from None
        if chunk:
            self.done += len(chunk)
            if self.progress is not None:
                self.progress(self.done, max(self.size, self.done))
        return chunk

    # -- storing ------------------------------------------------------------------------------------------
    def drain(self) -> None:
        """Read (hash and copy) the rest of the file."""
        while self._pull(CHUNK):
            pass

    def finish(self) -> StoredBlob:
        """Read what is left, then store the copy; the StoredBlob (its path is None-free only with `keep`)."""
        if self.result is not None:
            return self.result
        try:
            self.drain()
            if self.dst_fd is not None:
                os.fsync(self.dst_fd)
                os.close(self.dst_fd)
                self.dst_fd = None
            after = os.fstat(self.src_fd)
            if self.done != self.st.st_size or after.st_size != self.done or after.st_mtime_ns != self.st.st_mtime_ns:
                raise VaultError(f"{self.source}: the file changed while it was being copied "
                                 f"({self.st.st_size} bytes, now {after.st_size}); try again when it is complete")
            sha = self.digest.hexdigest()
            final = self.vault.path_for(sha)
            if not self.keep:
                self.result = StoredBlob(sha, self.done, final, new=False)
            elif final.is_file():
                self._discard()
                self.result = StoredBlob(sha, self.done, final, new=False)
            else:
                final.parent.mkdir(exist_ok=True, mode=0o700)
                os.chmod(self.tmp, 0o400)
                self.vault.mark_pending(sha)
                os.replace(self.tmp, final)
                self.tmp = None
                fsync_dir(final.parent)
                self.result = StoredBlob(sha, self.done, final, new=True)
        except BaseException as exc:
            self._discard()
            raise _as_vault_error(self.source, exc) from None
        finally:
            self.release()
        if self.keep:
            self.result = self.vault._stored(self.result)
        return self.result

    def _discard(self) -> None:
        if self.dst_fd is not None:
            os.close(self.dst_fd)
            self.dst_fd = None
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
            self.tmp = None

    def close(self) -> None:
        """As a stream: closing it (a wrapper does when it is collected) leaves the copy to `finish` or
        to the end of the `with` block."""
        super().close()

    def release(self) -> None:
        """Remove the temporary copy unless it was stored, and close the source."""
        if self.result is None:
            self._discard()
        if self.src_fd >= 0:
            os.close(self.src_fd)
            self.src_fd = -1

    def __enter__(self) -> Intake:
        return self

    def __exit__(self, *_exc) -> None:
        self.release()
        self.close()

    def __del__(self) -> None:
        self.release()  # an intake dropped without its `with` block leaves neither a copy nor an open file
        super().__del__()


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

    def intake(self, source: Path | str, progress: Progress | None = None,
               cancel: threading.Event | None = None, *, keep: bool = True) -> Intake:
        """A stream over `source` that stores it as it is read (see `Intake`)."""
        return Intake(self, source, progress, cancel, keep=keep)

    def store(self, source: Path | str, progress: Progress | None = None,
              cancel: threading.Event | None = None) -> StoredBlob:
        """Copy `source` into the vault in one streaming pass; return its hash, size and vault path."""
        with self.intake(source, progress, cancel) as intake:
            return intake.finish()

    def _stored(self, blob: StoredBlob) -> StoredBlob:
        """Called once a blob is in the vault's folder (a server vault uploads it here)."""
        return blob

    def remove(self, sha256: str) -> None:
        """Remove a blob (only for blobs created by an operation that was then rolled back)."""
        path = self.path_for(sha256)
        if path.exists():
            os.chmod(path, 0o600)
            path.unlink()
        self._unmark(sha256)

    def _unmark(self, sha256: str) -> None:
        self.pending_marker(sha256).unlink(missing_ok=True)
        with _placed_lock:
            _placed.get(self.root, set()).discard(sha256.lower())

    # -- blobs placed before their record was committed ---------------------------------------------------
    def pending_marker(self, sha256: str) -> Path:
        return self.root / "tmp" / f"{PENDING_PREFIX}{Vault.path_for(self, sha256).name}"  # checks; never a download

    def mark_pending(self, sha256: str) -> None:
        """Say, durably, that the blob about to be placed may end up with no record (see the module)."""
        marker = self.pending_marker(sha256)
        marker.parent.mkdir(exist_ok=True, mode=0o700)
        os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600))
        fsync_dir(marker.parent)
        with _placed_lock:
            _placed.setdefault(self.root, set()).add(sha256.lower())

    def pending(self) -> list[str]:
        """The hashes of blobs placed since the last `resolve_pending` whose record may be missing."""
        folder = self.root / "tmp"
        if not folder.is_dir():
            return []
        return sorted(p.name[len(PENDING_PREFIX):] for p in folder.iterdir()
                      if p.name.startswith(PENDING_PREFIX) and len(p.name) == len(PENDING_PREFIX) + 64)

    def resolve_pending(self, referenced: Callable[[list[str]], set[str]]) -> list[str]:
        """Keep each pending blob whose hash `referenced` returns (a record was committed), remove the
        others (their operation never committed), and drop the markers; the hashes removed. Only for a
        process alone with the engagement: another one's import may not have committed yet."""
        shas = self.pending()
        if not shas:
            return []
        keep = referenced(shas)
        removed = []
        for sha in shas:
            if sha not in keep:
                if self.has(sha):
                    removed.append(sha)
                self.remove(sha)
            self._unmark(sha)
        return removed

    def settle_placed(self, referenced: Callable[[list[str]], set[str]]) -> None:
        """After a commit: drop the markers of the blobs this process placed that a record references
        now (the others wait for their record's commit, or for `resolve_pending`)."""
        with _placed_lock:
            shas = sorted(_placed.get(self.root, ()))
        if shas:
            for sha in referenced(shas) & set(shas):
                self._unmark(sha)

    def verify(self, sha256: str) -> bool:
        """Re-hash a stored blob; False when missing or altered."""
        path = self.path_for(sha256)
        try:
            fd, _st = open_regular(path)
        except VaultError:
            return False
        try:
            return file_digest(fd) == sha256.lower()
        finally:
            os.close(fd)


def file_digest(fd: int) -> str:
    """SHA-256 of an open file from its current offset, through one reused buffer."""
    digest, buffer = hashlib.sha256(), bytearray(CHUNK)
    view = memoryview(buffer)
    with io.FileIO(fd, closefd=False) as fh:
        while n := fh.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()


def placed_pending(root: Path) -> bool:
    """Whether this process placed blobs in the vault at `root` whose markers are not settled yet."""
    return bool(_placed.get(Path(root)))
