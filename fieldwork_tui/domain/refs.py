"""Refs (control IDs, request IDs) as a spreadsheet gives them, made safe to compare.

Two refs that read the same must be the same ref. Compatibility forms are folded (NFKC: fullwidth
"ＡＣ－０１" becomes "AC-01", a non-breaking hyphen becomes a hyphen); what cannot be folded safely is
refused, naming the character: invisible and format characters (zero-width space, soft hyphen, bidi
marks), control characters, and letters from more than one script in one ref (Cyrillic "А" beside
Latin "C" reads "AC" but is not).
"""

from __future__ import annotations

import unicodedata

#: Dashes and minus signs that NFKC leaves as themselves but every reader takes for "-".
_DASHES = {"\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\ufe58", "\ufe63", "\uff0d"}


#: Cyrillic and Greek capitals and small letters that print like Latin ones: a ref made only of these (and
#: digits, punctuation) reads as a Latin ref it is not.
_LATIN_LOOKALIKES = set("АВСЕНІЈКМОРЅТХУаеіјорсухѕԁԛԝ" "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧονρ")


class RefError(ValueError):
    """A ref that cannot be taken as given; the message names the character."""


def describe_char(ch: str) -> str:
    """U+200B ZERO WIDTH SPACE — how a message names a character the terminal may not show."""
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')}"


def _script(ch: str) -> str | None:
    """The script of a letter, from its Unicode name (LATIN, CYRILLIC, GREEK, ...); None for non-letters."""
    if not unicodedata.category(ch).startswith("L"):
        return None
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def normalise_ref(text: str) -> str:
    """The ref to store and compare: NFKC, dashes folded to "-", runs of spaces collapsed, trimmed.

    Raises RefError for an invisible, format or control character, or letters of mixed scripts.
    """
    folded = unicodedata.normalize("NFKC", text or "")
    folded = "".join("-" if ch in _DASHES else ch for ch in folded)
    for ch in folded:
        category = unicodedata.category(ch)
        if category in {"Cf", "Cc", "Cs", "Co", "Cn", "Zl", "Zp"} or (category == "Zs" and ch != " "):
            raise RefError(f"invisible or control character {describe_char(ch)} in the ref")
        if category.startswith("M"):
            raise RefError(f"combining mark {describe_char(ch)} in the ref")
    scripts: dict[str, str] = {}
    for ch in folded:
        script = _script(ch)
        if script is not None:
            scripts.setdefault(script, ch)
    if len(scripts) > 1:
        first, *others = scripts.items()
        odd = others[0] if first[0] == "LATIN" else first
        raise RefError(f"letters of mixed scripts ({', '.join(sorted(scripts))}): {describe_char(odd[1])} "
                       "looks like a Latin letter but is not")
    if scripts and "LATIN" not in scripts:
        letters = [ch for ch in folded if _script(ch)]
        if all(ch in _LATIN_LOOKALIKES for ch in letters):
            raise RefError(f"{describe_char(letters[0])} looks like a Latin letter but is not")
    return " ".join(folded.split())
