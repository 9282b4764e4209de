"""What a terminal adds to a pasted or dropped path, taken off again — in the app's paste field only.

The command line uses paths exactly as given (the shell has already done its quoting). A path pasted
into the app, or a file dropped onto the terminal, arrives dressed: a trailing space or newline,
single quotes around it (GNOME Terminal, Konsole), backslash-escaped spaces (macOS Terminal, iTerm2),
a `file://` URI, a `~` the shell would have expanded. The text as typed wins whenever it names an
existing file (a file may really be called `'q'` or end in a space); otherwise the first cleaned
reading that exists is used, and the dialog shows which path it used.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit


def _unquote(text: str) -> str | None:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        try:
            parts = shlex.split(text)
        except ValueError:
            return text[1:-1]
        return parts[0] if len(parts) == 1 else text[1:-1]
    return None


def _unescape(text: str) -> str | None:
    if "\\" not in text:
        return None
    try:
        parts = shlex.split(text)
    except ValueError:
        return None
    return parts[0] if len(parts) == 1 else None


def _from_uri(text: str) -> str | None:
    if not text.lower().startswith("file://"):
        return None
    parts = urlsplit(text)
    if parts.netloc not in ("", "localhost"):
        return None
    return unquote(parts.path)


def readings(text: str) -> list[str]:
    """Every reading of a pasted path, the text as typed first, without duplicates."""
    out = [text]
    stripped = text.strip()
    out.append(stripped)
    for fn in (_unquote, _unescape, _from_uri):
        value = fn(stripped)
        if value:
            out.append(value)
            uri = _from_uri(value)
            if uri:
                out.append(uri)
    out += [os.path.expanduser(v) for v in list(out) if v.startswith("~")]
    return [v for v in dict.fromkeys(out) if v]


def resolve_pasted_path(text: str, exists: Callable[[str], bool] | None = None) -> str:
    """The path a pasted text means: the first reading that exists, else the most cleaned reading
    (so the error names what the user meant, not the quotes around it)."""
    exists = exists or (lambda p: os.path.lexists(p))
    options = readings(text)
    for value in options:
        if exists(value):
            return value
    return options[-1] if options else text


def used_path_label(text: str, used: str) -> str:
    """The line the dialog shows when it used something other than the text as typed."""
    return "" if used == text else f"Using {Path(used)}"
