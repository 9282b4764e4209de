"""Controls: the control matrix import (CSV/XLSX, all-or-nothing), listing with SQL filter and sort,
and the edits an auditor makes to a control (required types, status, conclusion)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import String, cast, func, or_
from sqlmodel import Session, select

from fieldwork_tui.domain.coverage import default_required_types
from fieldwork_tui.domain.criteria import parse_criteria
from fieldwork_tui.domain.parsing import parse_bool, parse_frequency, parse_nature
from fieldwork_tui.domain.vocab import Conclusion, EvidenceType, Frequency, Nature, PersonSide
from fieldwork_tui.services.controls.views import ControlImportResult
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import Control, Person, utcnow
from fieldwork_tui.store.tabular import cell_text, open_table

CONTROL_ALIASES: dict[str, list[str]] = {
    "ref": ["Control ID", "Ref", "#", "Control Ref", "Control Reference", "Control Number", "Control No", "ID",
            "Control #", "Ctrl ID"],
    "title": ["Title", "Control Name", "Control Title", "Name", "Control"],
    "description": ["Control Activity", "Description", "Control Description", "Control Activity Description",
                    "Activity"],
    "criteria": ["TSC", "Criteria", "TSC Mapping", "TSC Reference", "Trust Services Criteria", "Criteria Mapping",
                 "TSC Ref", "Mapped Criteria", "SOC 2 Criteria"],
    "frequency": ["Frequency", "Control Frequency", "Periodicity"],
    "owner": ["Owner", "Control Owner", "Responsible", "Responsible Party"],
    "nature": ["Automated/Manual", "Manual/Automated", "Nature", "Type", "Control Type", "Automation",
               "Manual or Automated"],
    "key": ["Key", "Key Control", "Key?"],
    "itgc_basis": ["ITGC Basis", "ITGC Reliance", "ITGCs Relied On", "IT General Controls", "ITGC"],
}

#: A SOC 2 control matrix has tens to a few hundred controls; the bound keeps a mistaken 1 GB file (a
#: population picked by mistake) from being read into memory before the all-or-nothing write.
MAX_CONTROLS = 10_000


def import_controls(handle: EngagementHandle, path: Path | str) -> ControlImportResult:
    """Import a control matrix. Every row is validated before anything is written; an error names
    the row and column and leaves the engagement untouched. Re-importing updates controls by ref."""
    table = open_table(path, CONTROL_ALIASES, required=("ref",))
    cols = table.columns
    if "title" not in cols and "description" not in cols:
        raise InvalidInput(f"{table.path}: row {table.header_row}: missing column 'Title' or 'Control Activity'")
    parsed: list[dict] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(table.rows):
        cells = [cell_text(c) for c in raw]
        if not any(cells):
            continue
        row_no = table.file_row(i)

        def get(name: str, cells=cells) -> str:
            idx = cols.get(name)
            return cells[idx] if idx is not None and idx < len(cells) else ""

        def where(name: str, row_no=row_no) -> str:
            return f"{table.path}: row {row_no}, column '{table.headers[cols[name]]}'"

        ref = get("ref")
        if not ref:
            raise InvalidInput(f"{where('ref')}: the control ref is empty")
        if ref.upper() in seen:
            raise InvalidInput(f"{where('ref')}: control {ref!r} appears twice (also row {seen[ref.upper()]})")
        seen[ref.upper()] = row_no
        criteria, unknown = parse_criteria(get("criteria"))
        if unknown:
            raise InvalidInput(f"{where('criteria')}: unknown criteria {', '.join(unknown)} (expected TSC IDs like CC6.1)")
        freq_text = get("frequency")
        frequency = parse_frequency(freq_text)
        if freq_text and frequency is None:
            raise InvalidInput(f"{where('frequency')}: unknown frequency {freq_text!r}")
        nature_text = get("nature")
        nature = parse_nature(nature_text)
        if nature_text and nature is None:
            raise InvalidInput(f"{where('nature')}: expected Manual or Automated, got {nature_text!r}")
        key_text = get("key")
        key = parse_bool(key_text)
        if key is None:
            raise InvalidInput(f"{where('key')}: expected Yes or No, got {key_text!r}")
        title = get("title") or get("description")[:80]
        nature = nature or (Nature.automated if frequency is Frequency.continuous else Nature.manual)
        if len(parsed) >= MAX_CONTROLS:
            raise InvalidInput(f"{table.path}: row {row_no}: more than {MAX_CONTROLS} control rows; a control matrix "
                               "lists controls (is this a population? fieldwork import population)")
        parsed.append({
            "ref": ref, "title": title, "description": get("description"), "criteria": criteria,
            "frequency": frequency or Frequency.as_needed, "owner": get("owner"), "nature": nature, "key": key,
            "itgc_basis": " ".join(get("itgc_basis").split()) if "itgc_basis" in cols else None,
        })
    if not parsed:
        raise InvalidInput(f"{table.path}: no control rows below the header (row {table.header_row})")
    created = updated = 0
    with handle.session() as s:
        people = {p.name.lower(): p for p in s.exec(select(Person))}
        existing = {c.ref.upper(): c for c in s.exec(select(Control))}
        for row in parsed:
            owner_id = None
            if row["owner"]:
                person = people.get(row["owner"].lower())
                if person is None:
                    person = Person(name=row["owner"], side=PersonSide.client, role="control owner")
                    s.add(person)
                    s.flush()
                    people[row["owner"].lower()] = person
                owner_id = person.id
            c = existing.get(row["ref"].upper())
            if c is None:
                c = Control(ref=row["ref"])
                c.required_types = [t.value for t in default_required_types(row["title"], row["description"], row["nature"])]
                created += 1
            else:
                updated += 1
            c.title, c.description, c.criteria = row["title"], row["description"], row["criteria"]
            c.frequency, c.nature, c.key, c.owner_id = row["frequency"], row["nature"], row["key"], owner_id
            if row["itgc_basis"] is not None:  # a matrix without the column keeps what was recorded
                c.itgc_basis = row["itgc_basis"]
            c.updated_at = utcnow()
            s.add(c)
    return ControlImportResult(created=created, updated=updated, total=len(parsed))


def add_control(handle: EngagementHandle, ref: str, title: str, *, description: str = "", criteria: list[str] = (),
                frequency: Frequency | str = Frequency.as_needed, nature: Nature | str = Nature.manual,
                key: bool = False, owner: str = "", required_types: list[str] | None = None) -> Control:
    known, unknown = parse_criteria(" ".join(criteria))
    if unknown:
        raise InvalidInput(f"control {ref}: unknown criteria {', '.join(unknown)}")
    with handle.session() as s:
        if s.exec(select(Control).where(Control.ref == ref)).first():
            raise InvalidInput(f"control {ref!r} already exists")
        owner_id = None
        if owner:
            person = s.exec(select(Person).where(Person.name == owner)).first()
            if person is None:
                person = Person(name=owner, side=PersonSide.client, role="control owner")
                s.add(person)
                s.flush()
            owner_id = person.id
        c = Control(ref=ref, title=title, description=description, criteria=known, frequency=Frequency(frequency),
                    nature=Nature(nature), key=key, owner_id=owner_id,
                    required_types=list(required_types) if required_types is not None
                    else [t.value for t in default_required_types(title, description, nature)])
        s.add(c)
    return c


def get_control(handle: EngagementHandle, ref: str) -> Control:
    with handle.read() as s:
        return find_control(s, ref)


def find_control(session: Session, ref: str) -> Control:
    c = session.exec(select(Control).where(func.upper(Control.ref) == ref.strip().upper())).first()
    if c is None:
        raise NotFound(f"control {ref!r} not found")
    return c


SORTABLE = {"ref": Control.ref, "title": Control.title, "frequency": Control.frequency}


def list_controls(handle: EngagementHandle, text: str = "", sort: str = "ref", descending: bool = False) -> list[Control]:
    """Controls filtered in SQL by ref, title, description or criteria; sorted by a column."""
    with handle.read() as s:
        q = select(Control)
        if text.strip():
            like = f"%{text.strip()}%"
            q = q.where(or_(Control.ref.ilike(like), Control.title.ilike(like), Control.description.ilike(like),
                            cast(Control.criteria, String).ilike(like)))
        col = SORTABLE.get(sort, Control.ref)
        q = q.order_by(col.desc() if descending else col, Control.ref)
        return list(s.exec(q).all())


def set_required_types(handle: EngagementHandle, ref: str, types: list[str]) -> Control:
    clean = [EvidenceType(t).value for t in types]
    with handle.session() as s:
        c = find_control(s, ref)
        c.required_types = clean
        c.updated_at = utcnow()
        s.add(c)
    return c


def set_conclusion(handle: EngagementHandle, ref: str, conclusion: Conclusion | str | None, note: str = "") -> Control:
    with handle.session() as s:
        c = find_control(s, ref)
        c.conclusion = Conclusion(conclusion) if conclusion else None
        c.conclusion_note = note
        c.updated_at = utcnow()
        s.add(c)
    return c
