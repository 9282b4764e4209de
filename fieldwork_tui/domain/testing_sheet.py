"""The testing workbook's layout and the reading of what a staff auditor typed into it.

`fieldwork export-testing` writes one sheet per sample: a row per item, and per attribute three
columns — result (a validation list: pass, deviation, n/a), basis (an evidence reference such as
`#12`, or "seen in the population extract") and note — then the item's derived result and its
population columns for reference. Every row carries the population's SHA-256, so a row copied from
another control's workbook, or from a population since re-imported, is refused.

Reading back (`parse_sheet`) is all-or-nothing and pure: the caller hands the header row and the
data rows as the spreadsheet holds them; any bad value raises `SheetError` naming the cell
(e.g. `Testing!E7 (B result)`). Only what a person typed counts: every value read becomes a
confirmed cell; a result cell left empty clears a confirmed result and keeps a rule's proposal.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fieldwork_tui.domain.vocab import SampleResult

R = SampleResult
SHEET = "Testing"
ABOUT_SHEET = "About"
LISTS_SHEET = "Lists"
KEY = "Item key"
POPULATION_HASH = "Population SHA-256"
FIXED = ("#", KEY, "Date", "Sample", POPULATION_HASH)
ITEM_RESULT = "Item result"
EXTRACT = "seen in the population extract"
RESULT_CHOICES = ("pass", "deviation", "n/a")

RESULT_WORDS: dict[str, SampleResult] = {
    "pass": R.passed, "passed": R.passed, "p": R.passed, "ok": R.passed, "✓": R.passed, "✔": R.passed,
    "deviation": R.deviation, "dev": R.deviation, "d": R.deviation, "exception": R.deviation, "fail": R.deviation,
    "failed": R.deviation, "✗": R.deviation, "✘": R.deviation,
    "n/a": R.not_applicable, "na": R.not_applicable, "n.a.": R.not_applicable, "not applicable": R.not_applicable,
    "untested": R.untested, "": R.untested,
}
RESULT_TEXT = {R.passed: "pass", R.deviation: "deviation", R.not_applicable: "n/a", R.untested: ""}
_EXTRACT_WORDS = {EXTRACT, "seen in extract", "extract", "population extract", "seen in the extract"}


class SheetError(ValueError):
    """A workbook value that cannot be imported; the message names the cell."""


def result_header(letter: str) -> str:
    return f"{letter} result"


def basis_header(letter: str) -> str:
    return f"{letter} basis"


def note_header(letter: str) -> str:
    return f"{letter} note"


def headers(letters: Sequence[str], population_columns: Sequence[str]) -> list[str]:
    """The header row: fixed columns, three per attribute, the item result, then the population's own."""
    out = list(FIXED)
    for lt in letters:
        out += [result_header(lt), basis_header(lt), note_header(lt)]
    out.append(ITEM_RESULT)
    out += list(population_columns)
    return out


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (spreadsheet column names)."""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(ord("A") + rem) + name
    return name


def cell_ref(row: int, column: int) -> str:
    """Row 1-based as the sheet numbers it, column 0-based."""
    return f"{column_letter(column)}{row}"


def basis_text(evidence_id: int | None, seen_in_extract: bool, evidence_names: Mapping[int, str] | None = None) -> str:
    if evidence_id is not None:
        name = (evidence_names or {}).get(evidence_id, "")
        return f"#{evidence_id} {name}".strip()
    return EXTRACT if seen_in_extract else ""


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return " ".join(str(value).split())


def parse_result(value: object, where: str) -> SampleResult:
    text = _text(value).casefold()
    if text in RESULT_WORDS:
        return RESULT_WORDS[text]
    raise SheetError(f"{where}: {_quote(text)} is not a result (expected pass, deviation or n/a)")


def parse_basis(value: object, evidence_ids: Mapping[int, str] | set[int], where: str) -> tuple[int | None, bool]:
    """(evidence id, seen in the extract) from a basis cell: empty, "seen in the population extract",
    or an evidence reference `#12` (optionally followed by its name) of a file linked to the control."""
    text = _text(value)
    if not text:
        return None, False
    if text.casefold() in _EXTRACT_WORDS:
        return None, True
    m = re.fullmatch(r"#?(\d{1,9})(?:\s.*)?", text)
    if m:
        eid = int(m.group(1))
        if eid not in evidence_ids:
            raise SheetError(f"{where}: evidence #{eid} is not linked to this control (link the file first)")
        return eid, False
    raise SheetError(f"{where}: {_quote(text)} is not a basis (expected an evidence reference such as #12, or "
                     f"'{EXTRACT}')")


def _quote(text: str) -> str:
    shown = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text[:40])
    return "'" + shown + ("…" if len(text) > 40 else "") + "'"


@dataclass(frozen=True)
class Expectation:
    """What the workbook must match: the sample's attributes, items and population."""

    letters: tuple[str, ...]
    items: Mapping[str, int]  # item key → item id
    population_sha256: str
    evidence: Mapping[int, str]  # evidence files linked to the control: id → name


@dataclass(frozen=True)
class CellUpdate:
    item_id: int
    letter: str
    result: SampleResult
    evidence_id: int | None
    seen_in_extract: bool
    note: str
    where: str  # the result cell, for messages


@dataclass(frozen=True)
class SheetRead:
    updates: tuple[CellUpdate, ...]
    rows: int
    missing: tuple[str, ...]  # item keys the sheet does not list (left unchanged)


def parse_sheet(header: Sequence[object], rows: Sequence[tuple[int, Sequence[object]]], expect: Expectation,
                sheet: str = SHEET) -> SheetRead:
    """Read the Testing sheet: `header` is its first row, `rows` (sheet row number, values) the rows
    below. All or nothing: the first problem raises SheetError naming the cell."""
    names = [_text(h) for h in header]
    where_col: dict[str, int] = {}
    for i, name in enumerate(names):
        where_col.setdefault(name, i)
    needed = [KEY, POPULATION_HASH] + [h for lt in expect.letters
                                       for h in (result_header(lt), basis_header(lt), note_header(lt))]
    for name in needed:
        if name not in where_col:
            raise SheetError(f"{sheet}, row 1: no column {name!r} in the header row; export the workbook again "
                             f"(attributes now: {', '.join(expect.letters) or 'none'})")
    for i, name in enumerate(names):
        m = re.fullmatch(r"([A-Z]) result", name)
        if m and m.group(1) not in expect.letters and i < where_col.get(ITEM_RESULT, len(names)):
            raise SheetError(f"{sheet}!{cell_ref(1, i)}: attribute {m.group(1)} is not among the control's "
                             f"attributes ({', '.join(expect.letters)}); export the workbook again")

    def cell(values: Sequence[object], column: str) -> object:
        i = where_col[column]
        return values[i] if i < len(values) else None

    updates: list[CellUpdate] = []
    seen: dict[str, int] = {}
    count = 0
    for number, values in rows:
        if not any(_text(v) for v in values):
            continue
        count += 1
        key_ref = f"{sheet}!{cell_ref(number, where_col[KEY])}"
        key = _text(cell(values, KEY))
        if not key:
            raise SheetError(f"{key_ref} ({KEY}): the item key is empty")
        if key not in expect.items:
            raise SheetError(f"{key_ref} ({KEY}): item {_quote(key)} is not in this sample")
        if key in seen:
            raise SheetError(f"{key_ref} ({KEY}): item {_quote(key)} is listed twice (also row {seen[key]})")
        seen[key] = number
        digest = _text(cell(values, POPULATION_HASH)).lower()
        if digest != expect.population_sha256:
            ref = f"{sheet}!{cell_ref(number, where_col[POPULATION_HASH])}"
            raise SheetError(f"{ref} ({POPULATION_HASH}): the row is from another population "
                             f"({_quote(digest[:12]) if digest else 'empty'}, the sample's is "
                             f"{expect.population_sha256[:12]})")
        for lt in expect.letters:
            rcol, bcol, ncol = result_header(lt), basis_header(lt), note_header(lt)
            rref = f"{sheet}!{cell_ref(number, where_col[rcol])} ({rcol})"
            result = parse_result(cell(values, rcol), rref)
            bref = f"{sheet}!{cell_ref(number, where_col[bcol])} ({bcol})"
            evidence_id, extract = parse_basis(cell(values, bcol), expect.evidence, bref)
            note = _text(cell(values, ncol))
            if len(note) > 4000:
                raise SheetError(f"{sheet}!{cell_ref(number, where_col[ncol])} ({ncol}): the note is longer than "
                                 f"4000 characters")
            if result is R.passed and evidence_id is None and not extract:
                raise SheetError(f"{rref}: a pass needs its basis in {bcol} (an evidence reference such as #12, "
                                 f"or '{EXTRACT}')")
            updates.append(CellUpdate(expect.items[key], lt, result, evidence_id, extract, note, rref))
    missing = tuple(k for k in expect.items if k not in seen)
    return SheetRead(tuple(updates), count, missing)
