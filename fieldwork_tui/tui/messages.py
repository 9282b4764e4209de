"""Messages that travel up from widgets to screens ("messages up, method calls down")."""

from __future__ import annotations

from textual.message import Message


class DataChanged(Message):
    """Something in the engagement changed; screens showing derived data (flags, counts) refresh."""

    def __init__(self, what: str = "") -> None:
        super().__init__()
        self.what = what
