"""Safe names for files inside a workpaper bundle.

A bundle is opened on someone else's machine: a file name that came from the client (an evidence
file's original name) or from the control matrix (a control ref) must never escape the folder it is
extracted into, nor carry control characters or names Windows refuses. These rules are pure so they
can be tested exhaustively.
"""

from __future__ import annotations

import re
import unicodedata

#: Characters that are unsafe in a path component on some platform (Windows is the strictest).
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_COMPONENT = 120


def safe_component(name: str, fallback: str = "file") -> str:
    """One path component: no separators, no control characters, no leading dots, no `..`,
    no Windows device names, at most MAX_COMPONENT characters (extension kept)."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"})
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    if not text or set(text) <= {"_", "."}:
        text = fallback
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED or text.upper() in _WINDOWS_RESERVED:
        text = "_" + text
        stem, dot, ext = text.rpartition(".") if "." in text else (text, "", "")
    if len(text) > MAX_COMPONENT:
        ext = ext[:16]
        keep = MAX_COMPONENT - (len(ext) + 1 if dot else 0)
        text = stem[:keep].rstrip(" .") + (f".{ext}" if dot else "")
    return text


def safe_member(path: str) -> str:
    """A relative, forward-slash member name built from safe components (absolute paths, drive
    letters and `..` cannot survive)."""
    parts = [p for p in re.split(r"[\\/]+", str(path or "")) if p not in ("", ".", "..")]
    cleaned = [safe_component(p) for p in parts]
    return "/".join(cleaned) or "file"


def is_safe_member(name: str) -> bool:
    """Whether a member name read from a bundle is safe to extract or trust (used by verify)."""
    if not name or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return False
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name) or "\\" in name:
        return False
    return all(p not in ("", ".", "..") for p in name.split("/"))


class NameAllocator:
    """Hands out unique names in one folder of the bundle: a second "report.pdf" becomes
    "report (2).pdf". Comparison is case-insensitive (macOS and Windows folders are)."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def allocate(self, folder: str, name: str, fallback: str = "file") -> str:
        base = safe_component(name, fallback)
        stem, dot, ext = base.rpartition(".")
        if not dot or not stem:
            stem, dot, ext = base, "", ""
        candidate, n = base, 1
        while f"{folder}/{candidate}".lower() in self._used:
            n += 1
            candidate = f"{stem} ({n}){dot}{ext}"
        self._used.add(f"{folder}/{candidate}".lower())
        return f"{folder}/{candidate}" if folder else candidate
