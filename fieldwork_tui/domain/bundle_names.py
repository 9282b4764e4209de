"""Safe names for files inside a workpaper bundle.

A bundle is opened on someone else's machine: a file name that came from the client (an evidence
file's original name) or from the control matrix (a control ref) must never escape the folder it is
extracted into, nor carry control characters or names Windows refuses. These rules are pure so they
can be tested exhaustively.

Lengths are counted in UTF-8 bytes, not characters: Linux file systems refuse a name over 255 bytes
(eCryptfs, an encrypted home folder, over 143), so an 81-character Japanese evidence name — 243 bytes,
plus the hash prefix — made a bundle `unzip` could not extract. A component is capped at
MAX_COMPONENT bytes, cut at a character boundary, keeping its extension (and, for evidence, the hash
prefix that `fieldwork verify` cross-checks against the manifest).
"""

from __future__ import annotations

import re
import unicodedata

#: Characters that are unsafe in a path component on some platform (Windows is the strictest).
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
#: Longest path component, in UTF-8 bytes (under eCryptfs's 143; leaves room under Windows' 260-character
#: path limit for the folder the bundle is extracted into).
MAX_COMPONENT = 120
#: An extension longer than this is not kept as an extension.
MAX_EXTENSION = 16
#: Length of the SHA-256 prefix at the start of an evidence member's name.
HASH_PREFIX = 8


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def truncate_utf8(text: str, limit: int) -> str:
    """The longest prefix of `text` that fits in `limit` UTF-8 bytes, cut between characters and never
    leaving a combining mark without its base or trailing spaces and dots."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    out = raw[: max(limit, 0)].decode("utf-8", "ignore")
    rest = text[len(out):]
    if rest and unicodedata.combining(rest[0]):  # the cut fell between a letter and its marks: drop both
        while out and unicodedata.combining(out[-1]):
            out = out[:-1]
        out = out[:-1]
    return out.rstrip(" .")


def _fit(stem: str, suffix: str, dot: str, ext: str, limit: int = MAX_COMPONENT) -> str:
    """`stem + suffix + dot + ext` within `limit` bytes, shortening the stem only."""
    tail = f"{suffix}{dot}{ext}"
    return truncate_utf8(stem, limit - utf8_len(tail)) + tail


def safe_component(name: str, fallback: str = "file") -> str:
    """One path component: no separators, no control characters, no leading dots, no `..`,
    no Windows device names, at most MAX_COMPONENT UTF-8 bytes (extension kept)."""
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
    if utf8_len(text) > MAX_COMPONENT:
        if not dot or not stem or len(ext) > MAX_EXTENSION or utf8_len(ext) > 2 * MAX_EXTENSION:
            stem, dot, ext = text, "", ""  # no extension worth keeping: cut the whole name
        text = _fit(stem, "", dot, ext) if stem else truncate_utf8(text, MAX_COMPONENT)
        if not text.strip(" ."):
            text = fallback
    return text


def evidence_name(sha256: str, original_name: str) -> str:
    """An evidence file's name inside the bundle: the first HASH_PREFIX hex digits of its SHA-256, a
    dash, and its original name made safe and capped (prefix and extension always kept)."""
    return safe_component(f"{sha256[:HASH_PREFIX]}-{original_name or 'file'}")


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
            candidate = _fit(stem, f" ({n})", dot, ext)
        self._used.add(f"{folder}/{candidate}".lower())
        return f"{folder}/{candidate}" if folder else candidate
