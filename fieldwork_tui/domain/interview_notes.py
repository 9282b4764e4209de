"""Interview notes typed elsewhere (a spreadsheet kept during the interviews): one row per statement.

Columns: date, interviewee, role, interviewer, statement, control refs (and optionally title and
topic), with the header words note-takers use. Rows of the same date, interviewee and interviewer are
one interview, their statements in file order. A cell may hold a multi-line statement. This module
reads the cells; the service resolves people and controls and writes everything or nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from fieldwork_tui.domain.dates import DateParseError, parse_date
from fieldwork_tui.domain.people import RoleParseError, parse_role
from fieldwork_tui.domain.vocab import PersonRole

NOTE_ALIASES: dict[str, list[str]] = {
    "date": ["Date", "Interview Date", "Held On", "Date Held", "When", "Interview Held"],
    "interviewee": ["Interviewee", "Person", "Name", "Interviewee Name", "Personnel", "Employee", "Who",
                    "Person Interviewed", "Respondent"],
    "role": ["Role", "Interviewee Role", "Function", "Department", "Team", "Area"],
    "title": ["Title", "Job Title", "Position"],
    "interviewer": ["Interviewer", "Interviewed By", "Auditor", "By", "Performed By"],
    "topic": ["Topic", "Subject", "Interview Topic"],
    "statement": ["Statement", "Statements", "Notes", "Note", "Answer", "Response", "What Was Said", "Inquiry",
                  "Interview Notes", "Comment"],
    "controls": ["Control Refs", "Control Ref", "Controls", "Control", "Control ID", "Control IDs", "Refs",
                 "Ref", "Related Controls"],
}
REQUIRED = ("date", "interviewee", "statement")
#: A notes file holds dozens to a few thousand rows; bound what is parsed before the all-or-nothing write.
MAX_NOTES = 50_000


class NoteError(ValueError):
    """A row that cannot be imported; the message starts with the field."""


@dataclass(frozen=True)
class NoteRow:
    row: int
    held_on: dt.date
    interviewee: str
    text: str
    role: PersonRole | None = None
    title: str = ""
    interviewer: str = ""
    topic: str = ""
    refs: tuple[str, ...] = ()


@dataclass
class NoteInterview:
    """The rows of one interview (same date, interviewee and interviewer)."""

    held_on: dt.date
    interviewee: str
    interviewer: str
    rows: list[NoteRow] = field(default_factory=list)

    @property
    def first_row(self) -> int:
        return self.rows[0].row

    @property
    def topic(self) -> str:
        return next((r.topic for r in self.rows if r.topic), "")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def split_refs(text: str) -> tuple[str, ...]:
    """'AC-01, ac-03; CM-01' -> ('AC-01', 'AC-03', 'CM-01'), in order, without repeats."""
    parts = (p.strip().upper() for p in re.split(r"[,;|\s]+", text or ""))
    return tuple(dict.fromkeys(p for p in parts if p))


def _statement_text(value: object) -> str:
    """The statement as typed, line breaks kept (spreadsheets write CRLF or CR inside cells)."""
    text = _text(value).replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def parse_note_row(row: int, cells: Mapping[str, object]) -> NoteRow:
    """One spreadsheet row (cells by field) as a NoteRow; NoteError names the field."""
    try:
        held_on = parse_date(cells.get("date"))
    except DateParseError as exc:
        raise NoteError(f"date: {exc}") from None
    if held_on is None:
        raise NoteError("date: empty (give the interview date, YYYY-MM-DD)")
    interviewee = " ".join(_text(cells.get("interviewee")).split())
    if not interviewee:
        raise NoteError("interviewee: empty (give the person's name)")
    text = _statement_text(cells.get("statement"))
    if not text.strip():
        raise NoteError("statement: empty")
    role_text = _text(cells.get("role")).strip()
    try:
        role = parse_role(role_text) if role_text else None
    except RoleParseError as exc:
        raise NoteError(str(exc)) from None
    return NoteRow(row=row, held_on=held_on, interviewee=interviewee, text=text, role=role,
                   title=" ".join(_text(cells.get("title")).split()),
                   interviewer=" ".join(_text(cells.get("interviewer")).split()),
                   topic=" ".join(_text(cells.get("topic")).split()),
                   refs=split_refs(_text(cells.get("controls"))))


def group_interviews(rows: Iterable[NoteRow]) -> tuple[list[NoteInterview], list[str]]:
    """Rows grouped into interviews in file order, and row-numbered errors for a person given two
    different roles (or titles) in one file."""
    groups: dict[tuple[dt.date, str, str], NoteInterview] = {}
    roles: dict[str, tuple[PersonRole, int]] = {}
    titles: dict[str, tuple[str, int]] = {}
    errors: list[str] = []
    for r in rows:
        who = r.interviewee.casefold()
        if r.role is not None:
            seen = roles.setdefault(who, (r.role, r.row))
            if seen[0] is not r.role:
                errors.append(f"row {r.row}: role: {r.interviewee} is {seen[0].value} in row {seen[1]}, "
                              f"{r.role.value} here")
        if r.title:
            seen_title = titles.setdefault(who, (r.title, r.row))
            if seen_title[0].casefold() != r.title.casefold():
                errors.append(f"row {r.row}: title: {r.interviewee} is {seen_title[0]!r} in row "
                              f"{seen_title[1]}, {r.title!r} here")
        key = (r.held_on, who, r.interviewer.casefold())
        group = groups.get(key)
        if group is None:
            group = groups[key] = NoteInterview(r.held_on, r.interviewee, r.interviewer)
        group.rows.append(r)
    return list(groups.values()), errors


def person_roles(rows: Iterable[NoteRow]) -> dict[str, tuple[PersonRole | None, str, int]]:
    """Per interviewee (case-folded name): the role and title the file gives, and the first row."""
    out: dict[str, tuple[PersonRole | None, str, int]] = {}
    for r in rows:
        key = r.interviewee.casefold()
        role, title, first = out.get(key, (None, "", r.row))
        out[key] = (role or r.role, title or r.title, first)
    return out
