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
from fieldwork_tui.domain.requests import parse_status, parse_wave, split_refs
from fieldwork_tui.domain.vocab import PersonSide, RequestStatus, RequestWave
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.requests.views import MAX_LISTED, RequestImportResult
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import (
    Control,
    EvidenceRequest,
    Person,
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
                    "Requested Item", "Document Requested"],
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
}
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
    present: set[str] = field(default_factory=set)


def _rows_listing(found: dict[str, list[int]]) -> str:
    parts = []
    for word, rows in list(found.items())[:MAX_LISTED]:
        label = "row" if len(rows) == 1 else "rows"
        parts.append(f"{word!r} ({label} {', '.join(str(r) for r in rows[:5])}{' …' if len(rows) > 5 else ''})")
    if len(found) > MAX_LISTED:
        parts.append(f"and {len(found) - MAX_LISTED} more")
    return ", ".join(parts)


def parse_request_file(path: Path | str, known_controls: set[str]) -> list[ParsedRequest]:
    """Read and check every row; raise one InvalidInput naming the file, row and column of the problem."""
    table = open_table(path, REQUEST_ALIASES, required=("ref", "description"))
    cols = table.columns
    out: list[ParsedRequest] = []
    seen: dict[str, int] = {}
    unknown_status: dict[str, list[int]] = {}
    unknown_refs: dict[str, list[int]] = {}
    for i, raw in enumerate(table.rows):
        cells = [cell_text(c) for c in raw]
        if not any(cells):
            continue
        row_no = table.file_row(i)
        if len(out) >= MAX_REQUESTS:
            raise InvalidInput(f"{table.path}: row {row_no}: more than {MAX_REQUESTS} request rows; a request "
                               "list this long is not a PBC list (is this a population?)")

        def get(name: str, cells=cells) -> str:
            idx = cols.get(name)
            return cells[idx] if idx is not None and idx < len(cells) else ""

        def raw_cell(name: str, raw=raw) -> object:
            idx = cols.get(name)
            return raw[idx] if idx is not None and idx < len(raw) else None

        def where(name: str, row_no=row_no) -> str:
            return f"{table.path}: row {row_no}, column '{table.headers[cols[name]]}'"

        ref = get("ref")
        if not ref:
            raise InvalidInput(f"{where('ref')}: the request ID is empty")
        if len(ref) > 64:
            raise InvalidInput(f"{where('ref')}: the request ID is longer than 64 characters")
        if ref.upper() in seen:
            raise InvalidInput(f"{where('ref')}: request {ref!r} appears twice (also row {seen[ref.upper()]})")
        seen[ref.upper()] = row_no
        p = ParsedRequest(row=row_no, ref=ref, description=get("description"), present=set(cols))
        for name, attr in (("due", "due_on"), ("requested", "requested_on"), ("received", "received_on")):
            if name in cols:
                value = raw_cell(name)
                try:
                    setattr(p, attr, parse_date(value.strip() if isinstance(value, str) else value))
                except DateParseError as exc:
                    raise InvalidInput(f"{where(name)}: {exc}") from None
        if "status" in cols:
            word = get("status")
            p.status = parse_status(word)
            if p.status is None:
                unknown_status.setdefault(word, []).append(row_no)
        if "wave" in cols:
            p.wave = parse_wave(get("wave"))
            if p.wave is None:
                raise InvalidInput(f"{where('wave')}: unknown wave {get('wave')!r} (expected population, sample "
                                   "or general)")
        if "controls" in cols:
            p.controls = []
            for ref_text in split_refs(get("controls")):
                if ref_text.upper() not in known_controls:
                    unknown_refs.setdefault(ref_text, []).append(row_no)
                p.controls.append(ref_text)
        if "owner" in cols:
            p.owner = " ".join(get("owner").split())
        if "priority" in cols:
            p.priority = get("priority")
        out.append(p)
    problems = []
    if unknown_status:
        problems.append(f"unknown status words {_rows_listing(unknown_status)} (expected words such as open, "
                        "outstanding, in progress, provided, returned, closed, N/A)")
    if unknown_refs:
        problems.append(f"unknown control refs {_rows_listing(unknown_refs)} (import the control matrix first "
                        "or fix the refs)")
    if problems:
        raise InvalidInput(f"{table.path}: " + "; ".join(problems))
    if not out:
        raise InvalidInput(f"{table.path}: no request rows below the header (row {table.header_row})")
    return out


def import_requests(handle: EngagementHandle, path: Path | str, *, today: dt.date | None = None) -> RequestImportResult:
    """Import or update the request list from a file; nothing is written unless every row is valid."""
    from fieldwork_tui.store.clock import today as clock_today

    today = today or clock_today()
    with handle.read() as s:
        known = {r.upper() for r in s.exec(select(Control.ref))}
    parsed = parse_request_file(path, known)
    with handle.session() as s:
        return save_requests(s, parsed, source=Path(path).name, today=today)


def find_or_create_owner(session: Session, name: str, people: dict[str, Person], created: list[str]) -> int | None:
    """A client person by name (case-insensitive) or e-mail; created when new."""
    name = " ".join((name or "").split())
    if not name:
        return None
    key = name.lower()
    person = people.get(key)
    if person is None:
        person = Person(name=name, side=PersonSide.client, role="request owner",
                        email=name if "@" in name else "")
        session.add(person)
        session.flush()
        people[key] = person
        created.append(name)
    return person.id


def people_index(session: Session) -> dict[str, Person]:
    people: dict[str, Person] = {}
    for p in session.exec(select(Person).order_by(Person.side, Person.id)):
        people.setdefault(p.name.lower(), p)
        if p.email:
            people.setdefault(p.email.lower(), p)
    return people


def save_requests(session: Session, parsed: list[ParsedRequest], *, source: str, today: dt.date) -> RequestImportResult:
    """Write parsed requests in the caller's transaction (the importer and the demo share it)."""
    people = people_index(session)
    controls = {c.ref.upper(): c.id for c in session.exec(select(Control))}
    existing = {r.ref.upper(): r for r in session.exec(select(EvidenceRequest))}
    links: dict[int, set[int]] = {}
    for rid, cid in session.exec(select(RequestControl.request_id, RequestControl.control_id)):
        links.setdefault(rid, set()).add(cid)
    new_people: list[str] = []
    created = updated = 0
    reason = f"imported from {source}"
    for p in parsed:
        req = existing.get(p.ref.upper())
        old_status = None
        if req is None:
            # no request date in the list: leave it blank; the age counts from today's import
            req = EvidenceRequest(ref=p.ref, requested_on=p.requested_on,
                                  imported_on=None if p.requested_on else today)
            created += 1
        else:
            old_status = req.status
            updated += 1
            if p.requested_on:
                req.requested_on = p.requested_on
        req.description = p.description
        if "owner" in p.present:
            req.owner_id = find_or_create_owner(session, p.owner or "", people, new_people)
        if "due" in p.present:
            req.due_on = p.due_on
        if "received" in p.present:
            req.received_on = p.received_on
        if "priority" in p.present:
            req.priority = p.priority or ""
        if "wave" in p.present and p.wave is not None:
            req.wave = p.wave
        status = p.status if p.status is not None else (old_status or RequestStatus.open)
        req.status = status
        req.updated_at = utcnow()
        session.add(req)
        session.flush()
        if old_status != status:
            session.add(RequestStatusChange(request_id=req.id, from_status=old_status, to_status=status,
                                            reason=reason, by=session.info.get("actor", "")))
        if p.controls is not None:
            want = {controls[r.upper()] for r in p.controls}
            have = links.get(req.id, set())
            for cid in want - have:
                session.add(RequestControl(request_id=req.id, control_id=cid))
            for cid in have - want:
                link = session.get(RequestControl, (req.id, cid))
                if link is not None:
                    session.delete(link)
    in_file = {p.ref.upper() for p in parsed}
    kept = sorted((r.ref for key, r in existing.items() if key not in in_file), key=lambda x: (len(x), x))
    return RequestImportResult(created=created, updated=updated, total=len(parsed), kept=kept, new_people=new_people)
