"""The firm library of default test steps: a test objective and attributes for common controls.

A new engagement starts with sensible steps: when a control is imported or added without test
steps, the library entry that matches its title, description or criteria supplies them. The
library ships in the package (`test_steps.toml` beside this module) and a firm overrides or extends
it with `test_steps.toml` in the config dir: an entry with the same `id` replaces the shipped one,
new ids are added, and `enabled = false` retires one.

    [[steps]]
    id = "change-management"
    name = "Change management"
    match = ["change", "deploy", "release"]      # words in the control's title or description
    criteria = ["CC8.1"]                         # or the criteria it maps to
    objective = "Changes are authorised, tested and approved before deployment."

    [[steps.attributes]]
    description = "Approved in the ticket before the deploy date"
    deviation = "the change was deployed before it was approved"
    rule = "Approved <= Deployed"                # optional; checked when the control's population is known

Attributes are lettered A, B, C ... in order unless `letter` says otherwise. Parsing is pure: the
caller reads the files.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fieldwork_tui.domain import expressions
from fieldwork_tui.domain.attributes import AttributeSpec, ControlSteps, StepsError, letter, validate_steps

RESOURCE = "test_steps.toml"


class LibraryError(ValueError):
    """A library file that cannot be used; the message names the file, entry and field."""


@dataclass(frozen=True)
class LibraryEntry:
    id: str
    name: str
    steps: ControlSteps
    match: tuple[str, ...] = ()
    criteria: tuple[str, ...] = ()
    enabled: bool = True
    source: str = ""


def library_from_toml(text: str, source: str = RESOURCE) -> dict[str, LibraryEntry]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LibraryError(f"{source}: not valid TOML ({exc})") from None
    entries = data.get("steps", [])
    if not isinstance(entries, list):
        raise LibraryError(f"{source}: 'steps' must be an array of tables ([[steps]])")
    out: dict[str, LibraryEntry] = {}
    for n, body in enumerate(entries, start=1):
        where = f"{source}: steps #{n}"
        if not isinstance(body, dict):
            raise LibraryError(f"{where}: expected a table")
        entry_id = body.get("id")
        if not isinstance(entry_id, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", entry_id):
            raise LibraryError(f"{where}: 'id' must be a short lower-case name such as 'change-management'")
        where = f"{source}: steps {entry_id!r}"
        if entry_id in out:
            raise LibraryError(f"{where}: the id is used twice")
        enabled = body.get("enabled", True)
        if not isinstance(enabled, bool):
            raise LibraryError(f"{where}, enabled: expected true or false")
        name = _text(body.get("name", entry_id), f"{where}, name")
        objective = _text(body.get("objective", ""), f"{where}, objective")
        match = _words(body.get("match", []), f"{where}, match")
        criteria = tuple(c.upper() for c in _words(body.get("criteria", []), f"{where}, criteria"))
        raw_attrs = body.get("attributes", [])
        if not isinstance(raw_attrs, list):
            raise LibraryError(f"{where}: 'attributes' must be an array of tables ([[steps.attributes]])")
        attrs = []
        for i, a in enumerate(raw_attrs):
            aw = f"{where}, attribute #{i + 1}"
            if not isinstance(a, dict):
                raise LibraryError(f"{aw}: expected a table")
            unknown = set(a) - {"letter", "description", "deviation", "rule"}
            if unknown:
                raise LibraryError(f"{aw}: unknown field {sorted(unknown)[0]!r}")
            try:
                lt = _text(a.get("letter", ""), f"{aw}, letter").upper() or letter(i)
            except StepsError as exc:
                raise LibraryError(f"{aw}: {exc}") from None
            rule = _text(a.get("rule", ""), f"{aw}, rule")
            if rule:
                reason = expressions.check(rule)
                if reason:
                    raise LibraryError(f"{aw}, rule: {reason}")
            attrs.append(AttributeSpec(lt, _text(a.get("description", ""), f"{aw}, description"),
                                       _text(a.get("deviation", ""), f"{aw}, deviation"), rule))
        steps = ControlSteps(objective, tuple(attrs))
        problems = validate_steps(steps)
        if problems:
            raise LibraryError(f"{where}: {problems[0]}")
        if enabled and not (match or criteria):
            raise LibraryError(f"{where}: give 'match' words or 'criteria' so controls can find the entry")
        out[entry_id] = LibraryEntry(entry_id, name, steps, match, criteria, enabled, source)
    return out


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise LibraryError(f"{where}: expected text")
    return " ".join(value.split())


def _words(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LibraryError(f"{where}: expected a list of words")
    return tuple(w.strip().casefold() for w in value if w.strip())


def merged(base: Mapping[str, LibraryEntry], override: Mapping[str, LibraryEntry]) -> dict[str, LibraryEntry]:
    """The shipped library with the firm's entries replacing or adding by id (disabled ones dropped)."""
    out = {**base, **override}
    return {k: v for k, v in out.items() if v.enabled}


def _score(entry: LibraryEntry, text: str, criteria: Sequence[str]) -> int:
    words = sum(2 for w in entry.match if re.search(rf"(?<!\w){re.escape(w)}", text))
    crits = sum(1 for c in entry.criteria if c in criteria)
    return words + crits


def match_entry(library: Mapping[str, LibraryEntry], title: str, description: str = "",
                criteria: Sequence[str] = ()) -> LibraryEntry | None:
    """The entry that fits a control best (its words in the title or description count twice a
    criterion), None when nothing fits. Ties go to the entry listed first."""
    text = f"{title} {description}".casefold()
    crits = [c.upper() for c in criteria]
    best, best_score = None, 0
    for entry in library.values():
        if not entry.enabled:
            continue
        score = _score(entry, text, crits)
        if score > best_score:
            best, best_score = entry, score
    return best
