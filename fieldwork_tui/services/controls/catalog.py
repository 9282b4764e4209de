"""Controls: the control matrix import (CSV/XLSX, all-or-nothing), listing with SQL filter and sort,
and the edits an auditor makes to a control (required types, status, conclusion)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import String, cast, or_
from sqlmodel import Session, select

from fieldwork_tui.domain.coverage import default_required_types
from fieldwork_tui.domain.criteria import category_mismatch, parse_criteria
from fieldwork_tui.domain.importing import Problems, change_line
from fieldwork_tui.domain.matching import ref_key
from fieldwork_tui.domain.parsing import (
    parse_bool,
    parse_control_type,
    parse_frequency,
    parse_nature,
    parse_type_cell,
)
from fieldwork_tui.domain.refs import RefError, normalise_ref
from fieldwork_tui.domain.vocab import Conclusion, EvidenceType, Frequency, Nature, PersonSide
from fieldwork_tui.services.controls.views import MAX_LISTED, ControlImportResult
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.imports import (
    ImportPlan,
    column_mapping,
    field_map,
    import_session,
    resolve_mapping,
)
from fieldwork_tui.services.lookup import by_ref, find_or_create_person, people_index, ref_index
from fieldwork_tui.services.records import ControlRecord, records
from fieldwork_tui.store import versions
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import Control, Person, utcnow
from fieldwork_tui.store.tabular import cell_text, norm_header, open_table

CONTROL_ALIASES: dict[str, list[str]] = {
    "ref": ["Control ID", "Ref", "#", "Control Ref", "Control Reference", "Control Number", "Control No", "ID",
            "Control #", "Ctrl ID", "Control Code"],
    "title": ["Title", "Control Name", "Control Title", "Name", "Control"],
    "description": ["Control Activity", "Description", "Control Description", "Control Activity Description",
                    "Activity", "Control Statement"],
    "criteria": ["TSC", "Criteria", "TSC Mapping", "TSC Reference", "Trust Services Criteria", "Criteria Mapping",
                 "TSC Ref", "Mapped Criteria", "SOC 2 Criteria", "TSC Refs", "TSC ID", "TSC IDs", "Criteria Ref"],
    "frequency": ["Frequency", "Control Frequency", "Periodicity", "Timing", "Cadence"],
    "owner": ["Owner", "Control Owner", "Responsible", "Responsible Party", "Process Owner"],
    "nature": ["Automated/Manual", "Manual/Automated", "Nature", "Automation", "Manual or Automated",
               "Control Nature", "Automated or Manual", "Nature of Control"],
    # read by its values: Manual/Automated is the nature, Preventive/Detective/... the control type
    "control_type": ["Control Type", "Type", "Control Category", "Control Classification"],
    "key": ["Key", "Key Control", "Key?", "Key Control?"],
    "itgc_basis": ["ITGC Basis", "ITGC Reliance", "ITGCs Relied On", "IT General Controls", "ITGC"],
    "tsc_category": ["TSC Category", "Category", "Trust Services Category", "TSC Categories", "Criteria Category",
                     "Trust Services Categories"],
}
FIELD_LABELS = {"ref": "ref", "title": "title", "description": "description", "criteria": "criteria",
                "frequency": "frequency", "owner": "owner", "nature": "nature (manual/automated)",
                "control_type": "control type", "key": "key", "itgc_basis": "ITGC basis",
                "tsc_category": "TSC category (cross-checked with the criteria; kept as text)"}
#: Headers of test procedures: kept as text on each control (its extra fields) and named in the summary.
TEST_STEP_HEADERS = {"testing method", "test procedures", "test procedure", "testing procedures",
                     "testing procedure", "test steps", "test of controls", "testing approach"}

#: A SOC 2 control matrix has tens to a few hundred controls; the bound keeps a mistaken 1 GB file (a
#: population picked by mistake) from being read into memory before the all-or-nothing write.
MAX_CONTROLS = 10_000


def _listing(refs: list[str]) -> str:
    return ", ".join(refs[:MAX_LISTED]) + (" …" if len(refs) > MAX_LISTED else "")


def preview_controls(path: Path | str, *, sheet: str | None = None, profile: str | None = None):
    """The mapping step of a control-matrix import (services.imports.preview): writes nothing."""
    from fieldwork_tui.services.imports.preview import preview_table

    return preview_table("controls", path, CONTROL_ALIASES, FIELD_LABELS, ("ref",), sheet=sheet, profile=profile)


def import_controls(handle: EngagementHandle, path: Path | str, *, sheet: str | None = None,
                    dry_run: bool = False, profile: str | None = None,
                    mapping: list[str] | None = None) -> ControlImportResult:
    """Import a control matrix. Every row is checked before anything is written; all problems are
    reported at once (row and column each) and the engagement is left untouched. Re-importing updates
    controls by ref and changes only the columns the file has; the result lists what changed.
    With `dry_run` the plan is computed in full and nothing is written (services.imports). `profile`
    names a saved mapping profile, `mapping` adds "Header=field" pairs (services.imports.profiles)."""
    overrides, sheet = resolve_mapping("controls", set(CONTROL_ALIASES), profile=profile, mapping=mapping,
                                       sheet=sheet)
    table = open_table(path, CONTROL_ALIASES, required=("ref",), sheet=sheet, overrides=overrides)
    cols = dict(table.columns)
    label = table.label
    with handle.read() as s:
        known = {ref_key(r) for r in s.exec(select(Control.ref))}
    rows: list[tuple[int, list[str]]] = []
    for i, raw in enumerate(table.rows):
        cells = [cell_text(c) for c in raw]
        if not any(cells):
            continue
        if len(rows) >= MAX_CONTROLS:
            raise InvalidInput(f"{label}: row {table.file_row(i)}: more than {MAX_CONTROLS} control rows; a control "
                               "matrix lists controls (is this a population? fieldwork import population)")
        rows.append((table.file_row(i), cells))
    if not rows:
        raise InvalidInput(f"{label}: no control rows below the header (row {table.header_row})")
    width = max([len(table.headers)] + [len(c) for _, c in rows])
    headers = [table.headers[i] if i < len(table.headers) and table.headers[i] else f"column {i + 1}"
               for i in range(width)]
    mapped = set(cols.values())
    extra_idx = [i for i in range(width) if i not in mapped
                 and (i < len(table.headers) and table.headers[i] or any(i < len(c) and c[i] for _, c in rows))]
    kept_category = "tsc_category" in cols
    if kept_category:
        extra_idx.append(cols["tsc_category"])

    def get(cells: list[str], name: str) -> str:
        idx = cols.get(name)
        return cells[idx] if idx is not None and idx < len(cells) else ""

    def where(row_no: int, name: str) -> str:
        return f"row {row_no}, column '{headers[cols[name]]}'"

    # A "Type" column is read by its values: all Manual/Automated makes it the nature column.
    labels = dict(FIELD_LABELS)
    type_gives_nature = False
    if "control_type" in cols:
        read = [parse_type_cell(get(c, "control_type")) for _, c in rows]
        gives_nature = any(r and r[0] for r in read)
        gives_type = any(r and r[1] for r in read)
        type_gives_nature = gives_nature and "nature" not in cols
        if type_gives_nature and not gives_type:
            labels["control_type"] = "nature (manual/automated, read from its values)"
        elif type_gives_nature:
            labels["control_type"] = "control type and nature (read from its values)"
    has_nature = "nature" in cols or type_gives_nature

    problems = Problems()
    parsed: list[dict] = []
    seen: dict[str, int] = {}
    for row_no, cells in rows:
        r: dict = {"row": row_no}
        try:
            ref = normalise_ref(get(cells, "ref"))
        except RefError as exc:
            problems.add(where(row_no, "ref"), str(exc))
            ref = None
        if ref == "":
            problems.add(where(row_no, "ref"), "the control ref is empty")
        elif ref is not None:
            if ref_key(ref) in seen:
                problems.add(where(row_no, "ref"), f"control {ref!r} appears twice (also row {seen[ref_key(ref)]})")
            seen.setdefault(ref_key(ref), row_no)
            if ref_key(ref) not in known and "title" not in cols and "description" not in cols:
                problems.add(f"row {row_no}", f"new control {ref!r}: the file has no 'Title' or "
                             "'Control Activity' column")
        r["ref"] = ref
        if "criteria" in cols:
            criteria, unknown = parse_criteria(get(cells, "criteria"))
            if unknown:
                problems.add(where(row_no, "criteria"),
                             f"unknown criteria {', '.join(unknown)} (expected TSC IDs like CC6.1)")
            r["criteria"] = criteria
            if kept_category:
                mismatch = category_mismatch(get(cells, "tsc_category"), criteria)
                if mismatch:
                    problems.add(where(row_no, "tsc_category"), mismatch)
        if "frequency" in cols:
            text = get(cells, "frequency")
            r["frequency"] = parse_frequency(text)
            if text and r["frequency"] is None:
                problems.add(where(row_no, "frequency"), f"unknown frequency {text!r}")
        nature = None
        if "nature" in cols:
            text = get(cells, "nature")
            nature = parse_nature(text)
            if text and nature is None:
                hint = " (that is a control type: put it in a 'Control Type' column)" if parse_control_type(text) else ""
                problems.add(where(row_no, "nature"), f"expected Manual or Automated, got {text!r}{hint}")
        if "control_type" in cols:
            text = get(cells, "control_type")
            read = parse_type_cell(text)
            if read is None:
                problems.add(where(row_no, "control_type"),
                             f"unknown control type {text!r} (expected Preventive, Detective, Corrective, "
                             "Directive, Compensating, Entity-level, Monitoring, or Manual/Automated)")
            else:
                if read[1] is not None:
                    r["control_type"] = read[1].value
                elif text == "" or not type_gives_nature:
                    r["control_type"] = ""
                if type_gives_nature and read[0] is not None:
                    nature = read[0]
        r["nature"] = nature
        if "key" in cols:
            text = get(cells, "key")
            r["key"] = parse_bool(text)
            if r["key"] is None:
                problems.add(where(row_no, "key"), f"expected Yes or No, got {text!r}")
        for name in ("title", "description", "owner"):
            if name in cols:
                r[name] = " ".join(get(cells, name).split()) if name == "owner" else get(cells, name)
        if "itgc_basis" in cols:
            r["itgc_basis"] = " ".join(get(cells, "itgc_basis").split())
        r["extra"] = {headers[i]: (cells[i] if i < len(cells) else "") for i in extra_idx}
        parsed.append(r)
    if problems:
        raise InvalidInput(problems.message(label))

    skipped = set(range(width)) - mapped - set(extra_idx)
    columns_used = column_mapping(headers, cols, labels, skip=skipped)
    created: list[str] = []
    changes: list[str] = []
    unchanged = 0
    proposed_automated: list[str] = []
    from fieldwork_tui.services.sampling import testing

    lib = testing.library()  # a broken firm library is refused before anything is written
    new_controls: list[Control] = []
    with import_session(handle, dry_run=dry_run) as s:
        people = people_index(s)
        names = {p.id: p.name for p in people.values()}
        existing = ref_index(s.exec(select(Control)))
        for row in parsed:
            owner_id = None
            if row.get("owner"):
                person = find_or_create_person(s, row["owner"], index=people)
                names[person.id] = person.name
                owner_id = person.id
            c = existing.get(ref_key(row["ref"]))
            new = c is None
            if new:
                c = Control(ref=row["ref"])
                title = row.get("title") or row.get("description", "")[:80]
                nature = row["nature"]
                if nature is None and not has_nature and row.get("frequency") is Frequency.continuous:
                    nature = Nature.automated
                    proposed_automated.append(row["ref"])
                values = {"title": title, "description": row.get("description", ""),
                          "criteria": row.get("criteria", []), "frequency": row.get("frequency") or Frequency.as_needed,
                          "nature": nature or Nature.manual, "key": bool(row.get("key")), "owner_id": owner_id,
                          "itgc_basis": row.get("itgc_basis", ""), "control_type": row.get("control_type", ""),
                          "extra_fields": {k: v for k, v in row["extra"].items() if v}}
                c.required_types = [t.value for t in default_required_types(values["title"], values["description"],
                                                                             values["nature"])]
            else:
                values = {}
                if row.get("title"):
                    values["title"] = row["title"]
                for name in ("description", "criteria", "key", "itgc_basis"):
                    if name in row:
                        values[name] = row[name]
                if "control_type" in row:
                    values["control_type"] = row["control_type"]
                for name in ("frequency", "nature"):  # an empty cell keeps what was recorded
                    if row.get(name) is not None:
                        values[name] = row[name]
                if "owner" in cols:
                    values["owner_id"] = owner_id
                if row["extra"]:
                    extra = dict(c.extra_fields or {})
                    for k, v in row["extra"].items():
                        if v:
                            extra[k] = v
                        else:
                            extra.pop(k, None)
                    values["extra_fields"] = extra
            diff = []
            for name, value in values.items():
                old = getattr(c, name)
                if old != value:
                    if name == "owner_id":
                        diff.append(("owner", names.get(old, ""), names.get(value, "")))
                    elif name == "extra_fields":
                        for k in sorted(set(old or {}) | set(value)):
                            if (old or {}).get(k, "") != value.get(k, ""):
                                diff.append((k, (old or {}).get(k, ""), value.get(k, "")))
                    else:
                        diff.append((name.replace("_", " "), old, value))
                    setattr(c, name, value)
            if new:
                created.append(c.ref)
                new_controls.append(c)
                changes.append(f"{c.ref}: new control")
            elif diff:
                changes.append(change_line(c.ref, diff))
            else:
                unchanged += 1
                continue
            c.updated_at = utcnow()
            s.add(c)
        # a new engagement starts with sensible test steps: new controls take the firm library's that fit
        # them, in the same transaction (all or nothing, one commit however long the matrix)
        s.flush()
        took = testing.library_steps_for_new(s, new_controls, lib, handle.actor)
    notes = []
    extra_cols = [headers[i] for i in extra_idx if not (kept_category and i == cols["tsc_category"])]
    if extra_cols:
        notes.append(f"columns kept as extra fields on each control: {', '.join(repr(h) for h in extra_cols)}")
    steps = [h for h in extra_cols if norm_header(h) in TEST_STEP_HEADERS]
    if steps:
        notes.append(f"test procedures ({', '.join(repr(h) for h in steps)}) are kept as text on each control")
    if proposed_automated:
        notes.append(f"{len(proposed_automated)} continuous control(s) proposed as automated because the file has "
                     f"no nature column: {_listing(proposed_automated)} (check them; a manual ongoing control is "
                     "not tested by a test of one)")
    if table.hidden_sheets:
        notes.append(f"hidden sheets skipped: {', '.join(repr(h) for h in table.hidden_sheets)}")
    updated = len(changes) - len(created)
    result = ControlImportResult(created=len(created), updated=updated, total=len(parsed), unchanged=unchanged,
                                 library_steps=took)
    result.plan = ImportPlan(kind="controls", source=label, summary=result.describe(dry_run=dry_run),
                             mapping=columns_used, changes=tuple(changes), notes=tuple(notes), dry_run=dry_run,
                             field_map=field_map(headers, cols, skipped))
    return result


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
                person = Person(name=owner, side=PersonSide.client)
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


def control_ref(handle: EngagementHandle, ref: str) -> str:
    """The stored ref of the control `ref` names (same matching rule as everywhere); NotFound naming
    `ref` when there is none (the direct route `fieldwork open ENG --control REF` checks it first)."""
    with handle.read() as s:
        return find_control(s, ref).ref


def find_control(session: Session, ref: str) -> Control:
    c = by_ref(session, Control, ref)
    if c is None:
        raise NotFound(f"control {ref!r} not found")
    return c


SORTABLE = {"ref": Control.ref, "title": Control.title, "frequency": Control.frequency}


def control_text_filter(text: str):
    """THE control text filter (the controls table, `list_controls`, every search of controls): the
    ref, title, description, criteria or owner's name contains `text` (SQL LIKE, case-insensitive for
    ASCII). None when there is no text."""
    needle = text.strip()
    if not needle:
        return None
    like = f"%{needle}%"
    owner_ids = select(Person.id).where(Person.name.ilike(like))
    return or_(Control.ref.ilike(like), Control.title.ilike(like), Control.description.ilike(like),
               cast(Control.criteria, String).ilike(like), Control.owner_id.in_(owner_ids))


def list_controls(handle: EngagementHandle, text: str = "", sort: str = "ref",
                  descending: bool = False) -> list[ControlRecord]:
    """Controls filtered by `control_text_filter`, sorted by a column (plain copies)."""
    with handle.read() as s:
        q = select(Control)
        condition = control_text_filter(text)
        if condition is not None:
            q = q.where(condition)
        col = SORTABLE.get(sort, Control.ref)
        q = q.order_by(col.desc() if descending else col, Control.ref)
        return records(s.exec(q).all())


def set_required_types(handle: EngagementHandle, ref: str, types: list[str]) -> Control:
    clean = [EvidenceType(t).value for t in types]
    with handle.session() as s:
        c = find_control(s, ref)
        c.required_types = clean
        c.updated_at = utcnow()
        s.add(c)
    return c


def set_conclusion(handle: EngagementHandle, ref: str, conclusion: Conclusion | str | None, note: str = "", *,
                   expected_version: int | None = None) -> Control:
    """`expected_version` (services/team: `control_version`): refused if someone changed the control since."""
    with handle.session() as s:
        c = find_control(s, ref)
        versions.expect(s, "control", c.id, expected_version, f"control {ref}")
        c.conclusion = Conclusion(conclusion) if conclusion else None
        c.conclusion_note = note
        c.updated_at = utcnow()
        s.add(c)
    return c
