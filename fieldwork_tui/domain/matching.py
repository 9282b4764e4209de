"""One matching rule per entity: when do two spellings name the same control, request or person?

Everything that looks an entity up by what someone typed or a spreadsheet says — the CLI's arguments,
the imports, the attach command, the filters — compares these keys, so "ac-01" finds AC-01 in every
command and a request owner written "Dana  Ruiz" or "DANA@client.example" is the person already on
file, whichever module asks.

- Refs (controls, requests): Unicode compatibility forms folded (NFKC: fullwidth "ＡＣ-０１" is
  "AC-01"), surrounding blanks ignored, case ignored.
- Persons: by name or by e-mail, compatibility forms folded, runs of blanks as one space, case
  ignored.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")


def ref_key(ref: str | None) -> str:
    """The comparison key of a control or request ref."""
    return unicodedata.normalize("NFKC", ref or "").strip().casefold()


def person_key(text: str | None) -> str:
    """The comparison key of a person's name or e-mail address."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


def person_index(people: Iterable[tuple[T, str, str]]) -> dict[str, T]:
    """{key: person} from (person, name, e-mail) triples; the first person to claim a key keeps it."""
    index: dict[str, T] = {}
    for person, name, email in people:
        for key in (person_key(name), person_key(email)):
            if key:
                index.setdefault(key, person)
    return index
