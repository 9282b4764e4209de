"""Import interview notes typed elsewhere: CSV or XLSX, one row per statement (rows: domain.interview_notes).

All-or-nothing, through the imports area's one mechanism (services.imports): every row is read and
checked first — dates, names, roles, control refs, a person given two roles — and every problem is
listed by row in one message; only then is everything written through `import_session`, in one
transaction (with `dry_run` rolled back at its end: the plan says what would change, nothing is
written). Rows of the same date, interviewee and interviewer are one interview; an interview already
on file is continued, and a statement it already holds (same text) is not added twice, so importing
the same notes again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from fieldwork_tui.domain import interview_notes as notes
from fieldwork_tui.domain.importing import Problems
from fieldwork_tui.domain.matching import ref_key
from fieldwork_tui.domain.vocab import PersonRole, PersonSide
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.evidence.interviews import _new_statement
from fieldwork_tui.services.imports import EXTRA, ColumnUse, ImportPlan, column_mapping, import_session
from fieldwork_tui.services.lookup import find_or_create_person, find_person, people_index, ref_index
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import Control, InquiryStatement, Interview, Person
from fieldwork_tui.store.tabular import Table, open_table

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
    #: What was read and changed: the column mapping, the change lines, the notes (services.imports).
    plan: ImportPlan | None = None

    def lines(self) -> list[str]:
        """What the CLI prints: the plan (summary, columns, changes, notes)."""
        return self.plan.lines() if self.plan else [self.describe()]

    def describe(self, *, note_dry_run: bool = True) -> str:
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
        if self.dry_run and note_dry_run:
            text += " (dry run: nothing was written)"
        return text

    def to_json(self) -> dict:
        return {"interviews_new": self.interviews_new, "interviews_continued": self.interviews_continued,
                "statements_new": self.statements_new, "statements_present": self.statements_present,
                "unlinked": self.unlinked, "people_new": self.people_new, "roles_set": self.roles_set,
                "dry_run": self.dry_run}


def read_notes(path: Path | str, *, sheet: str | None = None) -> tuple[Table, list[notes.NoteRow], list[tuple[int, str]]]:
    """The table, every readable row of it as a NoteRow, and a (row, problem) for every other row."""
    table = open_table(path, notes.NOTE_ALIASES, required=notes.REQUIRED, sheet=sheet)
    cols = table.columns
    rows: list[notes.NoteRow] = []
    errors: list[tuple[int, str]] = []
    for i, raw in enumerate(table.rows):
        cells = {name: (raw[idx] if idx < len(raw) else None) for name, idx in cols.items()}
        if all(v is None or str(v).strip() == "" for v in cells.values()):
            continue
        row_no = table.file_row(i)
        if len(rows) + len(errors) >= notes.MAX_NOTES:
            raise InvalidInput(f"{table.label}: row {row_no}: more than {notes.MAX_NOTES} rows; interview notes "
                               "this long are not interview notes (is this a population?)")
        try:
            rows.append(notes.parse_note_row(row_no, cells))
        except notes.NoteError as exc:
            errors.append((row_no, str(exc)))
    if not rows and not errors:
        raise InvalidInput(f"{table.label}: no statements below the header (row {table.header_row})")
    return table, rows, errors


@dataclass
class _Plan:
    result: InterviewImportResult
    people: dict[str, tuple[Person | None, str, PersonRole | None, str]]  # key -> (existing, name, role, title)
    interviews: list[tuple[notes.NoteInterview, int | None, list[notes.NoteRow]]]  # group, existing id, new rows
    people_index: dict[str, Person]


def _plan(s: Session, table: Table, rows: list[notes.NoteRow], actor: str,
          row_errors: list[tuple[int, str]]) -> _Plan:
    """Check every row against what is on file; every problem at once (Problems), or the plan."""
    groups, conflicts = notes.group_interviews(rows)
    errors = [f"row {row}: {message}" for row, message in row_errors] + conflicts
    controls = ref_index(s.exec(select(Control)))
    for r in rows:
        unknown = [ref for ref in r.refs if ref_key(ref) not in controls]
        if unknown:
            errors.append(f"row {r.row}: control refs: unknown {', '.join(unknown)} (import the control matrix "
                          "first or fix the refs)")
    index = people_index(s)
    result = InterviewImportResult()
    people: dict[str, tuple[Person | None, str, PersonRole | None, str]] = {}
    for key, (role, title, first) in notes.person_roles(rows).items():
        name = next(r.interviewee for r in rows if r.interviewee.casefold() == key)
        existing = find_person(s, name, index)
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
        problems = Problems()
        for error in sorted(errors, key=_row_number):
            problems.add("", error)
        raise InvalidInput(problems.message(table.label))
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
    return _Plan(result, people, planned, index)


def _row_number(error: str) -> int:
    head = error.split(":", 1)[0]
    return int(head[4:]) if head.startswith("row ") and head[4:].isdigit() else 0


def import_interviews(handle: EngagementHandle, path: Path | str, *, sheet: str | None = None,
                      dry_run: bool = False) -> InterviewImportResult:
    """Import interview notes; nothing is written unless every row is valid, and with `dry_run` nothing
    at all (the plan says what would be)."""
    table, rows, errors = read_notes(path, sheet=sheet)
    changes: list[str] = []
    with import_session(handle, dry_run=dry_run) as s:
        plan = _plan(s, table, rows, handle.actor, errors)
        persons: dict[str, Person] = {}
        for key, (existing, name, role, title) in plan.people.items():
            if existing is None:
                existing = find_or_create_person(s, name, role=role, index=plan.people_index)
                existing.title = title
                s.add(existing)
                changes.append(f"{existing.name}: new interviewee"
                               + (f" ({role.value}{', ' + title if title else ''})" if role else ""))
            else:
                changed = []
                if role is not None and existing.role is None:
                    existing.role = role
                    changed.append(f"role {role.value}")
                if title and not existing.title:
                    existing.title = title
                    changed.append(f"title {title}")
                if changed:
                    s.add(existing)
                    changes.append(f"{existing.name}: {', '.join(changed)}")
            persons[key] = existing
        for g, iv_id, new_rows in plan.interviews:
            person = persons[g.interviewee.casefold()]
            if iv_id is None:
                iv = Interview(person_id=person.id, held_on=g.held_on,
                               interviewer=g.interviewer or handle.actor, topic=g.topic)
                s.add(iv)
                s.flush()
                iv_id, what = iv.id, "new interview"
            else:
                what = f"interview #{iv_id} continued"
            for r in new_rows:
                _new_statement(s, iv_id, r.text, list(r.refs))
            changes.append(f"{g.held_on.isoformat()} {person.name}: {what}, {len(new_rows)} statement(s)")
    result = plan.result
    result.dry_run = dry_run
    notes_: list[str] = []
    if table.hidden_sheets:
        notes_.append(f"hidden sheets skipped: {', '.join(repr(h) for h in table.hidden_sheets)}")
    # interview notes keep no extra fields: a column no field takes is not read
    mapping = tuple(ColumnUse(c.column, "not read") if c.use == EXTRA else c
                    for c in column_mapping(table.headers, table.columns))
    result.plan = ImportPlan(kind="interviews", source=table.label, summary=result.describe(note_dry_run=False),
                             mapping=mapping, changes=tuple(changes),
                             notes=tuple(notes_), dry_run=dry_run)
    return result
