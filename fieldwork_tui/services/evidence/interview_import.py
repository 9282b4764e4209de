"""Import interview notes typed elsewhere: CSV or XLSX, one row per statement (rows: domain.interview_notes).

All-or-nothing: every row is read and checked first — dates, names, roles, control refs, a person
given two roles — and every problem is listed by row in one message; only then is everything written
in one transaction. Rows of the same date, interviewee and interviewer are one interview; an interview
already on file is continued, and a statement it already holds (same text) is not added twice, so
importing the same notes again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from fieldwork_tui.domain import interview_notes as notes
from fieldwork_tui.domain.vocab import PersonRole, PersonSide
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.evidence.interviews import _new_statement, find_person
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import Control, InquiryStatement, Interview, Person
from fieldwork_tui.store.tabular import open_table

MAX_LISTED = 8


@dataclass
class InterviewImportResult:
    interviews_new: int = 0
    interviews_continued: int = 0
    statements_new: int = 0
    statements_present: int = 0
    unlinked: int = 0
    people_new: list[str] = field(default_factory=list)
    roles_set: list[str] = field(default_factory=list)
    dry_run: bool = False

    def describe(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        text = (f"{self.statements_new} statement(s) {verb} in {self.interviews_new} new interview(s)"
                + (f" and {self.interviews_continued} continued" if self.interviews_continued else ""))
        if self.statements_present:
            text += f"; {self.statements_present} already on file, left as they are"
        if self.unlinked:
            text += f"; {self.unlinked} not linked to a control"
        if self.people_new:
            text += f"; new interviewee(s): {', '.join(self.people_new[:MAX_LISTED])}"
            if len(self.people_new) > MAX_LISTED:
                text += f" and {len(self.people_new) - MAX_LISTED} more"
        if self.roles_set:
            text += f"; role set for {', '.join(self.roles_set[:MAX_LISTED])}"
        if self.dry_run:
            text += " (dry run: nothing was written)"
        return text

    def to_json(self) -> dict:
        return {"interviews_new": self.interviews_new, "interviews_continued": self.interviews_continued,
                "statements_new": self.statements_new, "statements_present": self.statements_present,
                "unlinked": self.unlinked, "people_new": self.people_new, "roles_set": self.roles_set,
                "dry_run": self.dry_run}


def _fail(path: Path, errors: list[str]) -> InvalidInput:
    listed = "; ".join(errors[:MAX_LISTED])
    more = f"; and {len(errors) - MAX_LISTED} more problem(s)" if len(errors) > MAX_LISTED else ""
    return InvalidInput(f"{path}: {listed}{more}; nothing was imported")


def read_notes(path: Path | str) -> tuple[Path, list[notes.NoteRow], list[str]]:
    """Every readable row of the file as a NoteRow, and a row-numbered error for every other row."""
    table = open_table(path, notes.NOTE_ALIASES, required=notes.REQUIRED)
    cols = table.columns
    rows: list[notes.NoteRow] = []
    errors: list[str] = []
    for i, raw in enumerate(table.rows):
        cells = {name: (raw[idx] if idx < len(raw) else None) for name, idx in cols.items()}
        if all(v is None or str(v).strip() == "" for v in cells.values()):
            continue
        row_no = table.file_row(i)
        if len(rows) + len(errors) >= notes.MAX_NOTES:
            raise InvalidInput(f"{table.path}: row {row_no}: more than {notes.MAX_NOTES} rows; interview notes "
                               "this long are not interview notes (is this a population?)")
        try:
            rows.append(notes.parse_note_row(row_no, cells))
        except notes.NoteError as exc:
            errors.append(f"row {row_no}: {exc}")
    if not rows and not errors:
        raise InvalidInput(f"{table.path}: no statements below the header (row {table.header_row})")
    return table.path, rows, errors


@dataclass
class _Plan:
    result: InterviewImportResult
    people: dict[str, tuple[Person | None, str, PersonRole | None, str]]  # key -> (existing, name, role, title)
    interviews: list[tuple[notes.NoteInterview, int | None, list[notes.NoteRow]]]  # group, existing id, new rows
    controls: dict[str, int]


def _plan(s: Session, path: Path, rows: list[notes.NoteRow], actor: str, errors: list[str]) -> _Plan:
    groups, conflicts = notes.group_interviews(rows)
    errors = errors + conflicts
    controls = {ref.upper(): cid for cid, ref in s.exec(select(Control.id, Control.ref))}
    for r in rows:
        unknown = [ref for ref in r.refs if ref not in controls]
        if unknown:
            errors.append(f"row {r.row}: control refs: unknown {', '.join(unknown)} (import the control matrix "
                          "first or fix the refs)")
    result = InterviewImportResult()
    people: dict[str, tuple[Person | None, str, PersonRole | None, str]] = {}
    for key, (role, title, first) in notes.person_roles(rows).items():
        name = next(r.interviewee for r in rows if r.interviewee.casefold() == key)
        existing = find_person(s, name)
        if existing is None:
            if role is None:
                errors.append(f"row {first}: role: {name} is not on file yet; give their role (one of "
                              f"{', '.join(x.value for x in PersonRole)})")
            result.people_new.append(name)
        elif existing.side is not PersonSide.client:
            errors.append(f"row {first}: interviewee: {existing.name} is on the audit team, not client personnel")
        elif role is not None and existing.role is not None and existing.role is not role:
            errors.append(f"row {first}: role: {existing.name} is {existing.role.value} on file, {role.value} here "
                          "(change the person's role first if it changed)")
        elif role is not None and existing.role is None:
            result.roles_set.append(f"{existing.name} ({role.value})")
        people[key] = (existing, name, role, title)
    if errors:
        raise _fail(path, sorted(errors, key=_row_number))
    planned = []
    for g in groups:
        existing_person = people[g.interviewee.casefold()][0]
        interviewer = g.interviewer or actor
        iv_id = None
        present: set[str] = set()
        if existing_person is not None:
            for iv in s.exec(select(Interview).where(Interview.person_id == existing_person.id,
                                                     Interview.held_on == g.held_on).order_by(Interview.id)):
                if iv.interviewer.casefold() == interviewer.casefold():
                    iv_id = iv.id
                    present = {" ".join(t.split()) for t in s.exec(select(InquiryStatement.text)
                                                                   .where(InquiryStatement.interview_id == iv.id))}
                    break
        new_rows = [r for r in g.rows if " ".join(r.text.split()) not in present]
        result.statements_present += len(g.rows) - len(new_rows)
        if not new_rows:
            continue
        if iv_id is None:
            result.interviews_new += 1
        else:
            result.interviews_continued += 1
        result.statements_new += len(new_rows)
        result.unlinked += sum(1 for r in new_rows if not r.refs)
        planned.append((g, iv_id, new_rows))
    return _Plan(result, people, planned, controls)


def _row_number(error: str) -> int:
    head = error.split(":", 1)[0]
    return int(head[4:]) if head.startswith("row ") and head[4:].isdigit() else 0


def import_interviews(handle: EngagementHandle, path: Path | str, *, dry_run: bool = False) -> InterviewImportResult:
    """Import interview notes; nothing is written unless every row is valid (or with `dry_run`)."""
    file_path, rows, errors = read_notes(path)
    if dry_run:
        with handle.read() as s:
            plan = _plan(s, file_path, rows, handle.actor, errors)
        plan.result.dry_run = True
        return plan.result
    with handle.session() as s:
        plan = _plan(s, file_path, rows, handle.actor, errors)
        persons: dict[str, Person] = {}
        for key, (existing, name, role, title) in plan.people.items():
            if existing is None:
                existing = Person(name=name, side=PersonSide.client, role=role, title=title)
                s.add(existing)
                s.flush()
            else:
                changed = False
                if role is not None and existing.role is None:
                    existing.role, changed = role, True
                if title and not existing.title:
                    existing.title, changed = title, True
                if changed:
                    s.add(existing)
            persons[key] = existing
        for g, iv_id, new_rows in plan.interviews:
            if iv_id is None:
                iv = Interview(person_id=persons[g.interviewee.casefold()].id, held_on=g.held_on,
                               interviewer=g.interviewer or handle.actor, topic=g.topic)
                s.add(iv)
                s.flush()
                iv_id = iv.id
            for r in new_rows:
                _new_statement(s, iv_id, r.text, list(r.refs))
        return plan.result
