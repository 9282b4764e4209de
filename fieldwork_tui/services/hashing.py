"""SHA-256 on a helper thread, so hashing overlaps reading and writing instead of following it.

hashlib releases the GIL while it digests a large buffer, as do file reads/writes and zlib's CRC-32.
With one helper thread per export or verify, a bundle of gigabytes is hashed on one core while the
other reads, checksums and writes the zip: the whole job takes about as long as the slower of the
two, not their sum. Memory stays bounded (a few chunks in flight).
"""

from __future__ import annotations

import queue
import threading
from typing import Any

#: Chunks smaller than this are hashed inline: handing them over costs more than it saves.
INLINE_BELOW = 64 * 1024


class HashPipe:
    """One background thread feeding `digest.update(chunk)` for any number of digests, in order.

    `update(digest, chunk)` returns at once (blocking only while `depth` chunks are already queued);
    `wait()` returns when everything handed over so far has been hashed — call it before reading a
    digest. Use as a context manager so the thread always ends."""

    def __init__(self, depth: int = 8) -> None:
        self._queue: queue.Queue[tuple[Any, bytes] | None] = queue.Queue(depth)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self._error is None:
                    item[0].update(item[1])
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread by wait()
                self._error = exc
            finally:
                self._queue.task_done()

    def update(self, digest: Any, chunk: bytes) -> None:
        if len(chunk) < INLINE_BELOW and self._thread is None:
            digest.update(chunk)
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hash-pipe", daemon=True)
            self._thread.start()
        self._queue.put((digest, bytes(chunk)))

    def wait(self) -> None:
        if self._thread is not None:
            self._queue.join()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def __enter__(self) -> HashPipe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
