"""Run the real app in a pseudo-terminal and read exactly the bytes a terminal would receive.

Pilot tests see widgets; only a pty shows what reaches the terminal (escape sequences included).
`PtyApp` starts `python -m fieldwork_tui ...` on a pty of a fixed size, collects everything it writes,
lets a test wait for text to appear (by reading, never by sleeping) and type keys.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time

KEYS = {"enter": b"\r", "escape": b"\x1b", "down": b"\x1b[B", "up": b"\x1b[A", "ctrl+q": b"\x11",
        "tab": b"\t", "ctrl+p": b"\x10"}


class PtyApp:
    def __init__(self, args: list[str], env: dict[str, str], *, cols: int = 120, rows: int = 40) -> None:
        self.output = bytearray()
        pid, fd = pty.fork()
        if pid == 0:  # the child: the app on the pty
            os.execvpe(sys.executable, [sys.executable, "-m", "fieldwork_tui", *args], env)
        self.pid, self.fd = pid, fd
        self.status: int | None = None
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # the child closed the pty
            return False
        if not chunk:
            return False
        self.output.extend(chunk)
        return True

    def wait_for(self, text: str | bytes, timeout: float = 60.0, start: int = 0) -> int:
        """Read until `text` has been written (from byte `start`); return where it ends."""
        needle = text.encode() if isinstance(text, str) else text
        deadline = time.monotonic() + timeout
        while True:
            at = self.output.find(needle, start)
            if at >= 0:
                return at + len(needle)
            left = deadline - time.monotonic()
            if left <= 0 or (not self._read(min(left, 1.0)) and not self.alive()):
                tail = bytes(self.output[-2000:])
                raise AssertionError(f"{needle!r} never appeared; last output: {tail!r}")

    def press(self, *keys: str) -> None:
        for key in keys:
            os.write(self.fd, KEYS.get(key, key.encode()))

    def alive(self) -> bool:
        if self.status is not None:
            return False
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            self.status = -1
            return False
        if pid == 0:
            return True
        self.status = status
        return False

    def close(self) -> None:
        """Quit the app (ctrl+q) and collect what it wrote on the way out."""
        try:
            self.press("ctrl+q")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and self.alive():
                self._read(0.5)
        finally:
            if self.alive():
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                self.status = -9
            os.close(self.fd)
