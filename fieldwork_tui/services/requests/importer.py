"""Import the client's request list (PBC) as trackers export it: CSV or XLSX, title lines above the
header, the header words each tracker uses, UTF-8/BOM/cp1252, Excel serial dates, MM/DD/YYYY or ISO.

All-or-nothing: every row is parsed and checked first (unknown status words and unknown control
refs are all listed in one message), then everything is written in one transaction. Re-importing
updates requests by ID; an ID already stored but missing from the file is kept and reported, never
dropped, and an ID is never given to another request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from fieldwork_tui.domain.dates import DateParseError, parse_date
from fieldwork_tui.domain.importing import Problems, change_line
from fieldwork_tui.domain.matching import ref_key
from fieldwork_tui.domain.parsing import parse_bool
from fieldwork_tui.domain.refs import RefError, normalise_ref
from fieldwork_tui.domain.requests import parse_status, parse_wave, split_refs
from fieldwork_tui.domain.vocab import RequestStatus, RequestWave
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.imports import (
    ImportPlan,
    column_mapping,
    field_map,
    import_session,
    resolve_mapping,
)
from fieldwork_tui.services.lookup import find_or_create_person, people_index, ref_index
from fieldwork_tui.services.requests.views import MAX_LISTED, RequestImportResult
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import (
    Control,
    EvidenceRequest,
    RequestControl,
    RequestStatusChange,
    utcnow,
)
from fieldwork_tui.store.tabular import cell_text, open_table

REQUEST_ALIASES: dict[str, list[str]] = {
    "ref": ["Request #", "Request ID", "ID", "Request No", "Request Number", "Req #", "Req ID", "Req No", "PBC #",
            "PBC ID", "PBC No", "Item #", "Item ID", "Request Ref", "Ref", "#", "No"],
    "description": ["Request Description", "Description", "Request", "Evidence Requested", "Item Description",
                    "Request Details", "Request Detail", "Details", "Evidence Request", "Evidence", "Item",
                    "Requested Item", "Document Requested", "Artifact Description", "Artifact", "Artifact Requested",
                    "Evidence Description", "Document Description", "Deliverable", "Documentation Requested",
                    "Information Requested", "PBC Item", "PBC Description"],
    "controls": ["Control Ref", "Control Refs", "Control", "Controls", "Control ID", "Control #", "Control IDs",
                 "Control Reference", "Control References", "Related Controls", "Related Control", "Control s",
                 "Control Number", "Ctrl Ref", "Ctrl ID"],
    "owner": ["Owner", "Client Owner", "Request Owner", "Evidence Owner", "Assigned To", "Assignee", "Responsible",
              "Responsible Party", "Point of Contact", "POC", "Contact", "Client Contact"],
    "due": ["Due Date", "Due", "Due By", "Date Due", "Deadline", "Target Date", "Due On"],
    "status": ["Status", "Request Status", "State", "Client Status", "Item Status"],
    "priority": ["Priority", "Prio", "Importance"],
    "requested": ["Requested", "Requested On", "Request Date", "Date Requested", "Requested Date", "Date Sent",
                  "Sent On", "Opened", "Opened On", "Date Opened"],
    "received": ["Received", "Received On", "Date Received", "Received Date", "Provided On", "Date Provided",
                 "Submitted On", "Date Submitted"],
    "wave": ["Wave", "Request Wave", "Request Type", "PBC Wave"],
    # a yes/no column: yes is submitted, no is open (a Status column, when the file has one, wins)
    "delivered": ["Delivered?", "Delivered", "Provided?", "Submitted?", "Complete?", "Completed?", "Done?",
                  "Received?", "Uploaded?", "Evidence Provided?", "Evidence Provided"],
}
FIELD_LABELS = {"ref": "request ID", "description": "description", "controls": "controls", "owner": "owner",
                "due": "due date", "status": "status", "priority": "priority", "requested": "requested on",
                "received": "received on", "wave": "wave", "delivered": "status (yes → submitted, no → open)"}
#: Bounds what is parsed into memory before the all-or-nothing write: a mistaken 1 GB file is refused
#: with one line instead of exhausting memory (real PBC lists hold hundreds to a few thousand rows).
MAX_REQUESTS = 50_000


@dataclass
class ParsedRequest:
    row: int
    ref: str
    description: str = ""
    controls: list[str] | None = None
    owner: str | None = None
    due_on: dt.date | None = None
    status: RequestStatus | None = None
    priority: str | None = None
    requested_on: dt.date | None = None
    received_on: dt.date | None = None
    wave: RequestWave | None = None
    delivered: bool | None = None
    present: set[str] = field(default_factory=set)
    #: Columns no field takes, under their headers.
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedFile:
    """A checked request list: its rows, where it was read from and what each column became."""

    rows: list[ParsedRequest]
    label: str
    mapping: tuple = ()
    extra_columns: list[str] = field(default_factory=list)
    hidden_sheets: tuple[str, ...] = ()
    field_map: tuple[tuple[str, str], ...] = ()


def _rows_listing(found: dict[str, list[int]]) -> str:
    parts = []
    for word, rows in list(found.items())[:MAX_LISTED]:
        label = "row" if len(rows) == 1 else "rows"
        parts.append(f"{word!r} ({label} {', '.join(str(r) for r in rows[:5])}{' …' if len(rows) > 5 else ''})")
    if len(found) > MAX_LISTED:
        parts.append(f"and {len(found) - MAX_LISTED} more")
    return ", ".join(parts)


def parse_request_file(path: Path | str, known_controls: set[str], *, sheet: str | None = None,
                       overrides: dict[str, str] | None = None) -> ParsedFile:
    """Read and check every row; raise one InvalidInput listing every problem (row and column each)."""
    table = open_table(path, REQUEST_ALIASES, required=("ref", "description"), sheet=sheet, overrides=overrides)
    cols = table.columns
    label = table.label
    raw_rows: list[tuple[int, list[object], list[str]]] = []
    for i, raw in enumerate(table.rows):
        cells = [cell_text(c) for c in raw]
        if not any(cells):
            continue
        if len(raw_rows) >= MAX_REQUESTS:
            raise InvalidInput(f"{label}: row {table.file_row(i)}: more than {MAX_REQUESTS} request rows; a request "
                               "list this long is not a PBC list (is this a population?)")
        raw_rows.append((table.file_row(i), raw, cells))
    width = max([len(table.headers)] + [len(c) for _, _, c in raw_rows])
    headers = [table.headers[i] if i < len(table.headers) and table.headers[i] else f"column {i + 1}"
               for i in range(width)]
    mapped = set(cols.values())
    extra_idx = [i for i in range(width) if i not in mapped
                 and (i < len(table.headers) and table.headers[i] or any(i < len(c) and c[i] for _, _, c in raw_rows))]
    out: list[ParsedRequest] = []
    seen: dict[str, int] = {}
    problems = Problems()
    unknown_status: dict[str, list[int]] = {}
    unknown_refs: dict[str, list[int]] = {}
    for row_no, raw, cells in raw_rows:
        def get(name: str, cells=cells) -> str:
            idx = cols.get(name)
            return cells[idx] if idx is not None and idx < len(cells) else ""

        def raw_cell(name: str, raw=raw) -> object:
            idx = cols.get(name)
            return raw[idx] if idx is not None and idx < len(raw) else None

        def where(name: str, row_no=row_no) -> str:
            return f"row {row_no}, column '{headers[cols[name]]}'"

        try:
            ref = normalise_ref(get("ref"))
        except RefError as exc:
            problems.add(where("ref"), str(exc))
            ref = get("ref")
        if not ref:
            problems.add(where("ref"), "the request ID is empty")
        elif len(ref) > 64:
            problems.add(where("ref"), "the request ID is longer than 64 characters")
        elif ref_key(ref) in seen:
            problems.add(where("ref"), f"request {ref!r} appears twice (also row {seen[ref_key(ref)]})")
        else:
            seen[ref_key(ref)] = row_no
        p = ParsedRequest(row=row_no, ref=ref, description=get("description"), present=set(cols))
        for name, attr in (("due", "due_on"), ("requested", "requested_on"), ("received", "received_on")):
            if name in cols:
                value = raw_cell(name)
                try:
                    setattr(p, attr, parse_date(value.strip() if isinstance(value, str) else value))
                except DateParseError as exc:
                    problems.add(where(name), str(exc))
        if "status" in cols:
            word = get("status")
            p.status = parse_status(word)
            if p.status is None:
                unknown_status.setdefault(word, []).append(row_no)
        if "delivered" in cols:
            p.delivered = parse_bool(get("delivered"))
            if p.delivered is None:
                problems.add(where("delivered"), f"expected yes or no, got {get('delivered')!r}")
        if "wave" in cols:
            p.wave = parse_wave(get("wave"))
            if p.wave is None:
                problems.add(where("wave"), f"unknown wave {get('wave')!r} (expected population, sample or general)")
        if "controls" in cols:
            p.controls = []
            for ref_text in split_refs(get("controls")):
                try:
                    ref_text = normalise_ref(ref_text)
                except RefError as exc:
                    problems.add(where("controls"), str(exc))
                    continue
                if ref_key(ref_text) not in known_controls:
                    unknown_refs.setdefault(ref_text, []).append(row_no)
                p.controls.append(ref_text)
        if "owner" in cols:
            p.owner = " ".join(get("owner").split())
        if "priority" in cols:
            p.priority = get("priority")
        p.extra = {headers[i]: (cells[i] if i < len(cells) else "") for i in extra_idx}
        out.append(p)
    if unknown_status:
        problems.add("", f"unknown status words {_rows_listing(unknown_status)} (expected words such as open, "
                     "outstanding, in progress, provided, returned, closed, N/A)")
    if unknown_refs:
        problems.add("", f"unknown control refs {_rows_listing(unknown_refs)} (import the control matrix first "
                     "or fix the refs)")
    if problems:
        raise InvalidInput(problems.message(label))
    if not out:
        raise InvalidInput(f"{label}: no request rows below the header (row {table.header_row})")
    skipped = set(range(width)) - mapped - set(extra_idx)
    return ParsedFile(rows=out, label=label, mapping=column_mapping(headers, cols, FIELD_LABELS, skip=skipped),
                      extra_columns=[headers[i] for i in extra_idx], hidden_sheets=table.hidden_sheets,
                      field_map=field_map(headers, cols, skipped))


def preview_requests(path: Path | str, *, sheet: str | None = None, profile: str | None = None):
    """The mapping step of a request-list import (services.imports.preview): writes nothing."""
    from fieldwork_tui.services.imports.preview import preview_table

    return preview_table("requests", path, REQUEST_ALIASES, FIELD_LABELS, ("ref", "description"), sheet=sheet,
                         profile=profile)


def import_requests(handle: EngagementHandle, path: Path | str, *, today: dt.date | None = None,
                    sheet: str | None = None, dry_run: bool = False, profile: str | None = None,
                    mapping: list[str] | None = None) -> RequestImportResult:
    """Import or update the request list from a file; nothing is written unless every row is valid.
    With `dry_run` the plan is computed in full and nothing is written (services.imports). `profile`
    names a saved mapping profile, `mapping` adds "Header=field" pairs (services.imports.profiles)."""
    from fieldwork_tui.store.clock import today as clock_today

    today = today or clock_today()
    with handle.read() as s:
        known = {ref_key(r) for r in s.exec(select(Control.ref))}
    overrides, sheet = resolve_mapping("requests", set(REQUEST_ALIASES), profile=profile, mapping=mapping,
                                       sheet=sheet)
    parsed = parse_request_file(path, known, sheet=sheet, overrides=overrides)
    with import_session(handle, dry_run=dry_run) as s:
        result = save_requests(s, parsed.rows, source=Path(path).name, today=today)
    notes: list[str] = []
    if parsed.extra_columns:
        notes.insert(0, "columns kept as extra fields on each request: "
                     + ", ".join(repr(h) for h in parsed.extra_columns))
    if parsed.hidden_sheets:
        notes.append(f"hidden sheets skipped: {', '.join(repr(h) for h in parsed.hidden_sheets)}")
    result.plan = ImportPlan(kind="requests", source=parsed.label, summary=result.describe(dry_run=dry_run),
                             mapping=parsed.mapping, changes=tuple(result.changes), notes=tuple(notes),
                             dry_run=dry_run, field_map=parsed.field_map)
    return result


def _id(person) -> int | None:
    return person.id if person is not None else None


def save_requests(session: Session, parsed: list[ParsedRequest], *, source: str, today: dt.date) -> RequestImportResult:
    """Write parsed requests in the caller's transaction (the importer and the demo share it)."""
    people = people_index(session)
    controls = {ref_key(c.ref): c.id for c in session.exec(select(Control))}
    existing = ref_index(session.exec(select(EvidenceRequest)))
    links: dict[int, set[int]] = {}
    for rid, cid in session.exec(select(RequestControl.request_id, RequestControl.control_id)):
        links.setdefault(rid, set()).add(cid)
    new_people: list[str] = []
    created = updated = unchanged = 0
    changes: list[str] = []
    reason = f"imported from {source}"
    names = {p.id: p.name for p in people.values()}
    for p in parsed:
        req = existing.get(ref_key(p.ref))
        old_status = None
        new = req is None
        before: dict[str, object] = {}
        if new:
            # no request date in the list: leave it blank; the age counts from today's import
            req = EvidenceRequest(ref=p.ref, requested_on=p.requested_on,
                                  imported_on=None if p.requested_on else today)
            created += 1
        else:
            old_status = req.status
            before = {"description": req.description, "owner": names.get(req.owner_id, ""), "due": req.due_on,
                      "received": req.received_on, "priority": req.priority, "wave": req.wave,
                      "requested": req.requested_on, "status": req.status, **(req.extra_fields or {})}
            if p.requested_on:
                req.requested_on = p.requested_on
        req.description = p.description
        if "owner" in p.present:
            req.owner_id = _id(find_or_create_person(session, p.owner or "", index=people, created=new_people))
            names.update({person.id: person.name for person in people.values()})
        if "due" in p.present:
            req.due_on = p.due_on
        if "received" in p.present:
            req.received_on = p.received_on
        if "priority" in p.present:
            req.priority = p.priority or ""
        if "wave" in p.present and p.wave is not None:
            req.wave = p.wave
        if p.extra:
            extra = dict(req.extra_fields or {})
            for k, v in p.extra.items():
                if v:
                    extra[k] = v
                else:
                    extra.pop(k, None)
            req.extra_fields = extra
        status = p.status if p.status is not None else (old_status or RequestStatus.open)
        if p.status is None and p.delivered is True and old_status not in (RequestStatus.submitted,
                                                                           RequestStatus.accepted):
            status = RequestStatus.submitted
        req.status = status
        if new:
            changes.append(f"{req.ref}: new request")
        else:
            after = {"description": req.description, "owner": names.get(req.owner_id, ""), "due": req.due_on,
                     "received": req.received_on, "priority": req.priority, "wave": req.wave,
                     "requested": req.requested_on, "status": req.status, **(req.extra_fields or {})}
            diff = [(k, before.get(k, ""), after.get(k, "")) for k in dict.fromkeys([*before, *after])
                    if before.get(k, "") != after.get(k, "")]
            if diff:
                updated += 1
                changes.append(change_line(req.ref, diff))
            else:
                unchanged += 1
        req.updated_at = utcnow()
        session.add(req)
        session.flush()
        if old_status != status:
            session.add(RequestStatusChange(request_id=req.id, from_status=old_status, to_status=status,
                                            reason=reason, by=session.info.get("actor", "")))
        if p.controls is not None:
            want = {controls[ref_key(r)] for r in p.controls}
            have = links.get(req.id, set())
            for cid in want - have:
                session.add(RequestControl(request_id=req.id, control_id=cid))
            for cid in have - want:
                link = session.get(RequestControl, (req.id, cid))
                if link is not None:
                    session.delete(link)
    in_file = {ref_key(p.ref) for p in parsed}
    kept = sorted((r.ref for key, r in existing.items() if key not in in_file), key=lambda x: (len(x), x))
    return RequestImportResult(created=created, updated=updated, total=len(parsed), kept=kept, new_people=new_people,
                               unchanged=unchanged, changes=changes)
