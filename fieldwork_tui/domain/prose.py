"""Small rules for the sentences the bundle writes, so "1 evidence files", "termination.. Deviation"
and "(lisbon office)" cannot happen in one place and not another."""

from __future__ import annotations

import re

_END = re.compile(r"[.!?…]['\")\]]*$")


def noun(n: int, singular: str, plural_form: str | None = None) -> str:
    """The noun for a count: "file" for 1, "files" otherwise (so "1 evidence files" cannot be written)."""
    return singular if n == 1 else (plural_form or singular + "s")



def sentence(text: object) -> str:
    """`text` stripped, ending with exactly one full stop (or the mark it already ends with);
    "" stays ""."""
    s = re.sub(r"\s+", " ", str(text or "")).strip()
    if not s:
        return ""
    s = re.sub(r"\.{2,}$", ".", s) if not s.endswith("...") else s
    return s if _END.search(s) else s + "."


def sentences(*parts: object) -> str:
    """Parts joined as sentences: each ends with one full stop, empty parts are left out."""
    return " ".join(p for p in (sentence(x) for x in parts) if p)


def labelled(label: str, text: object) -> str:
    """ "Deviation: the change was deployed without review." — a label and a sentence, or "" if empty."""
    body = sentence(text)
    return f"{label}: {body}" if body else ""
