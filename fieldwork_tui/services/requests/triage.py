"""The evidence request list (PBC): the triage query, one request's record, and what the auditor
does to requests (status changes with history, owners, due dates, follow-ups, accept/return).

The triage query filters, sorts and pages in SQL (age in business days and "overdue" are SQL
expressions that mirror `domain.requests`), so a list of thousands of requests costs one query
per page of rows, never one per row. The import lives in `request_import`, the open-items export
in `request_export`, received files and sample-wave requests in `request_files`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Date, Integer, and_, case, cast, exists, func, literal, or_
from sqlmodel import Session, select

from fieldwork_tui.domain.requests import (
    BUSINESS_EPOCH,
    add_business_days,
    is_overdue,
    request_age,
    transition_problem,
)
from fieldwork_tui.domain.vocab import OPEN_REQUEST_STATUSES, RequestStatus, RequestWave
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.lookup import by_ref, find_or_create_person
from fieldwork_tui.services.records import records
from fieldwork_tui.services.requests.views import (
    OwnerCount,
    ReceivedFile,
    RequestDetail,
    RequestQuery,
    RequestRow,
)
from fieldwork_tui.store import portable_sql as psql
from fieldwork_tui.store import versions
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import (
    Control,
    EvidenceFile,
    EvidenceRequest,
    FollowUp,
    Person,
    RequestControl,
    RequestStatusChange,
    utcnow,
)

R = EvidenceRequest
OPEN_LIST = sorted(OPEN_REQUEST_STATUSES)
STATUS_ORDER = list(RequestStatus)
UNASSIGNED = 0  # owner filter value for "no owner"
SORT_KEYS = ("ref", "description", "controls", "owner", "status", "due", "age", "follow_up", "priority", "wave")
MAX_LISTED = 5


def _today(today: dt.date | None) -> dt.date:
    from fieldwork_tui.store.clock import today as clock_today

    return today or clock_today()


def request_query(handle: EngagementHandle, *, text: str = "", overdue: bool = False, owner: str | None = None,
                  statuses: Iterable[str] = (), control: str | None = None, wave: str | None = None) -> RequestQuery:
    """The triage filters by name, as the CLI takes them (owner name or "unassigned", control ref,
    status and wave values) — the same `RequestQuery` the TUI builds from its quick filters."""
    try:
        wanted = frozenset(RequestStatus(s.strip().lower().replace(" ", "_")) for s in statuses)
    except ValueError:
        known = ", ".join(s.value for s in RequestStatus)
        raise InvalidInput(f"status: one of {known}") from None
    try:
        wave_value = RequestWave(wave.strip().lower()) if wave else None
    except ValueError:
        raise InvalidInput(f"wave: one of {', '.join(w.value for w in RequestWave)}") from None
    owner_id = control_id = None
    with handle.read() as s:
        if owner:
            if owner.strip().lower() == "unassigned":
                owner_id = UNASSIGNED
            else:
                person = s.exec(select(Person).where(func.lower(Person.name) == owner.strip().lower())).first()
                if person is None:
                    raise NotFound(f"owner {owner!r}: no such person")
                owner_id = person.id
        if control:
            row = s.exec(select(Control).where(Control.ref == control.strip())).first()
            if row is None:
                raise NotFound(f"control {control!r} not found")
            control_id = row.id
    return RequestQuery(text=text, overdue=overdue, owner_id=owner_id, statuses=wanted, control_id=control_id,
                        wave=wave_value)


# -- SQL mirrors of the domain rules --------------------------------------------------------------
def _weekday_ordinal(date_expr):
    n = psql.days_between(literal(BUSINESS_EPOCH, Date), date_expr)  # a bound date (SQLite: an ISO text)
    weeks = n.op("/", return_type=Integer)(7)  # integer division on both engines (n is never negative)
    return weeks * 5 + psql.least(n % 7, 5)


def _is_open():
    return R.status.in_(OPEN_LIST)


def overdue_expr(today: dt.date):
    """`domain.requests.is_overdue` in SQL."""
    return and_(_is_open(), R.due_on.is_not(None), R.due_on < today)


def age_expr(today: dt.date):
    """`domain.requests.request_age` in SQL: from the request date, else from the import (NULL without
    either)."""
    end = case((and_(~_is_open(), R.received_on.is_not(None)), R.received_on), else_=literal(today, Date))
    start = func.coalesce(R.requested_on, R.imported_on)
    return psql.greatest(_weekday_ordinal(end) - _weekday_ordinal(start), 0)


def _last_follow_up_on():
    return select(func.max(FollowUp.on)).where(FollowUp.request_id == R.id).scalar_subquery()


def _last_follow_up_text():
    return (select(FollowUp.message).where(FollowUp.request_id == R.id)
            .order_by(FollowUp.on.desc(), FollowUp.id.desc()).limit(1).scalar_subquery())


def _first_control():
    return (select(func.min(Control.ref)).join(RequestControl, RequestControl.control_id == Control.id)
            .where(RequestControl.request_id == R.id).scalar_subquery())


def _where(q, query: RequestQuery, today: dt.date):
    for term in query.text.split():
        like = f"%{term}%"
        ctl = exists().where(RequestControl.request_id == R.id, RequestControl.control_id == Control.id,
                             Control.ref.ilike(like))
        q = q.where(or_(R.ref.ilike(like), R.description.ilike(like), R.priority.ilike(like), Person.name.ilike(like),
                        ctl))
    if query.overdue:
        q = q.where(overdue_expr(today))
    if query.owner_id is not None:
        q = q.where(R.owner_id.is_(None) if query.owner_id == UNASSIGNED else R.owner_id == query.owner_id)
    if query.statuses:
        q = q.where(R.status.in_(sorted(query.statuses)))
    if query.control_id is not None:
        q = q.where(exists().where(RequestControl.request_id == R.id, RequestControl.control_id == query.control_id))
    if query.wave is not None:
        q = q.where(R.wave == query.wave)
    return q


def _order(query: RequestQuery, today: dt.date) -> list:
    """ORDER BY for a sort key: empty values last whatever the direction, then the ID as tie-breaker."""
    status_rank = case(*[(R.status == s, i) for i, s in enumerate(STATUS_ORDER)], else_=99)
    ref_natural = [func.length(R.ref), R.ref]
    age = age_expr(today)
    keys: dict[str, tuple[object | None, list]] = {
        "ref": (None, ref_natural),
        "description": (None, [func.lower(R.description)]),
        "controls": (_first_control().is_(None), [_first_control()]),
        "owner": (Person.name.is_(None), [func.lower(Person.name)]),
        "status": (None, [status_rank]),
        "due": (R.due_on.is_(None), [R.due_on]),
        "age": (age.is_(None), [age]),
        "follow_up": (_last_follow_up_on().is_(None), [_last_follow_up_on()]),
        "priority": (R.priority == "", [func.lower(R.priority)]),
        "wave": (None, [R.wave]),
    }
    missing_last, values = keys.get(query.sort, keys["due"])
    out = [] if missing_last is None else [missing_last]
    out += [v.desc() if query.descending else v for v in values]
    return out + ref_natural


def count_requests(handle: EngagementHandle, query: RequestQuery | None = None, *, today: dt.date | None = None) -> int:
    query, today = query or RequestQuery(), _today(today)
    with handle.read() as s:
        q = select(func.count(R.id)).select_from(R).outerjoin(Person, Person.id == R.owner_id)
        return s.exec(_where(q, query, today)).one()


def request_page(handle: EngagementHandle, query: RequestQuery | None = None, offset: int = 0, limit: int = 200, *,
                 today: dt.date | None = None) -> list[RequestRow]:
    """One page of the triage table: one query for the rows, one for their control refs."""
    query, today = query or RequestQuery(), _today(today)
    with handle.read() as s:
        q = (select(R.id, R.ref, R.description, Person.name, R.owner_id, R.status, R.due_on, age_expr(today),
                    _last_follow_up_on(), _last_follow_up_text(), overdue_expr(today), R.priority, R.wave,
                    R.requested_on, R.received_on, R.imported_on, versions.version_expr("evidencerequest", R.id))
             .select_from(R).outerjoin(Person, Person.id == R.owner_id))
        q = _where(q, query, today).order_by(*_order(query, today)).offset(offset).limit(limit)
        raw = s.exec(q).all()
        refs = _control_refs(s, [r[0] for r in raw])
    rows = []
    for (rid, ref, desc, owner, owner_id, status, due, age, fu_on, fu_text, overdue, prio, wave, req_on,
         rec_on, imp_on, version) in raw:
        rows.append(RequestRow(
            id=rid, ref=ref, description=desc, controls=" ".join(refs.get(rid, [])), owner=owner or "",
            owner_id=owner_id, status=RequestStatus(status), due_on=_as_date(due), age=age,
            last_follow_up_on=_as_date(fu_on), last_follow_up=fu_text or "", overdue=bool(overdue), priority=prio,
            wave=RequestWave(wave), requested_on=_as_date(req_on), received_on=_as_date(rec_on),
            imported_on=_as_date(imp_on), version=int(version or 0),
        ))
    return rows


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _control_refs(s: Session, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        q = (select(RequestControl.request_id, Control.ref).join(Control, Control.id == RequestControl.control_id)
             .where(RequestControl.request_id.in_(chunk)).order_by(Control.ref))
        for rid, ref in s.exec(q):
            out.setdefault(rid, []).append(ref)
    return out


def owner_counts(handle: EngagementHandle, *, today: dt.date | None = None) -> list[OwnerCount]:
    """Owners of requests with their open and overdue counts (most overdue first) — the owner quick filter."""
    today = _today(today)
    with handle.read() as s:
        q = (select(func.coalesce(R.owner_id, UNASSIGNED), Person.name, func.sum(cast(_is_open(), Integer)),
                    func.sum(cast(overdue_expr(today), Integer)), func.count(R.id))
             .select_from(R).outerjoin(Person, Person.id == R.owner_id).group_by(R.owner_id, Person.name))
        rows = [OwnerCount(oid, name or "(no owner)", int(o or 0), int(d or 0), n) for oid, name, o, d, n in s.exec(q)]
    rows.sort(key=lambda r: (-r.overdue, -r.open, r.name.lower()))
    return rows


def control_counts(handle: EngagementHandle) -> list[tuple[int, str, str, int]]:
    """(control id, ref, title, number of requests) for controls that have requests."""
    with handle.read() as s:
        q = (select(Control.id, Control.ref, Control.title, func.count(RequestControl.request_id))
             .join(RequestControl, RequestControl.control_id == Control.id).group_by(Control.id).order_by(Control.ref))
        return [tuple(r) for r in s.exec(q)]


def client_owner_names(handle: EngagementHandle) -> list[str]:
    from fieldwork_tui.domain.vocab import PersonSide

    with handle.read() as s:
        return [p.name for p in s.exec(select(Person).where(Person.side == PersonSide.client).order_by(Person.name))]


# -- one request ----------------------------------------------------------------------------------


def find_request(session: Session, key: int | str) -> EvidenceRequest:
    if isinstance(key, int):
        req = session.get(EvidenceRequest, key)
    else:
        req = by_ref(session, R, key)
    if req is None:
        raise NotFound(f"request {key!r} not found")
    return req


def request_detail(handle: EngagementHandle, key: int | str, *, today: dt.date | None = None) -> RequestDetail:
    today = _today(today)
    with handle.read() as s:
        r = find_request(s, key)
        version = versions.version_of(s, "evidencerequest", r.id).version
        owner = s.get(Person, r.owner_id) if r.owner_id else None
        controls = [(c.ref, c.title) for c in s.exec(
            select(Control).join(RequestControl).where(RequestControl.request_id == r.id).order_by(Control.ref))]
        follow_ups = records(s.exec(select(FollowUp).where(FollowUp.request_id == r.id)
                                 .order_by(FollowUp.on, FollowUp.id)))
        history = records(s.exec(select(RequestStatusChange).where(RequestStatusChange.request_id == r.id)
                              .order_by(RequestStatusChange.at, RequestStatusChange.id)))
        files = [ReceivedFile(f.id, f.original_name, f.sha256, f.size, f.added_at, f.added_by) for f in s.exec(
            select(EvidenceFile).where(EvidenceFile.request_id == r.id).order_by(EvidenceFile.added_at, EvidenceFile.id))]
        return RequestDetail(
            id=r.id, ref=r.ref, description=r.description, status=r.status, owner=owner.name if owner else "",
            priority=r.priority, wave=r.wave, requested_on=r.requested_on, due_on=r.due_on, received_on=r.received_on,
            age=request_age(r.status, r.requested_on, r.received_on, today, r.imported_on),
            overdue=is_overdue(r.status, r.due_on, today), sample_id=r.sample_id, controls=controls,
            follow_ups=follow_ups, history=history, files=files, extra_fields=dict(r.extra_fields or {}),
            imported_on=r.imported_on, version=version,
        )


# -- changes ----------------------------------------------------------------------------------------
def _load(s: Session, ids: Iterable[int]) -> list[EvidenceRequest]:
    ids = sorted(set(ids))
    if not ids:
        raise InvalidInput("no request selected")
    found = []
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        found.extend(s.exec(select(R).where(R.id.in_(chunk))).all())
    if len(found) != len(ids):
        missing = sorted(set(ids) - {r.id for r in found})
        raise NotFound(f"request id(s) {', '.join(map(str, missing[:MAX_LISTED]))} not found")
    return found


def set_status_in(s: Session, req: EvidenceRequest, status: RequestStatus, reason: str, by: str,
                  today: dt.date) -> bool:
    """Move one request (already checked) and write its status-history row; False when unchanged."""
    if req.status == status:
        return False
    s.add(RequestStatusChange(request_id=req.id, from_status=req.status, to_status=status, reason=reason.strip(),
                              by=by))
    req.status = status
    if status is RequestStatus.submitted and req.received_on is None:
        req.received_on = today
    req.updated_at = utcnow()
    s.add(req)
    return True


def change_status(handle: EngagementHandle, ids: Iterable[int], status: RequestStatus | str, reason: str = "", *,
                  today: dt.date | None = None, expected_versions: dict[int, int] | None = None) -> int:
    """Bulk status change, all-or-nothing: refused (naming the requests) if any change is not allowed.
    `expected_versions` ({request id: version}, services/team `request_version`): refused if someone
    changed one of those requests since it was read."""
    status, today = RequestStatus(status), _today(today)
    with handle.session() as s:
        reqs = _load(s, ids)
        _expect(s, reqs, expected_versions)
        problems = [f"{r.ref}: {p}" for r in reqs if (p := transition_problem(r.status, status, reason))]
        if problems:
            more = f" (and {len(problems) - MAX_LISTED} more)" if len(problems) > MAX_LISTED else ""
            raise InvalidInput("status not changed: " + "; ".join(problems[:MAX_LISTED]) + more)
        return sum(set_status_in(s, r, status, reason, handle.actor, today) for r in reqs)


def _expect(s: Session, reqs: list[EvidenceRequest], expected_versions: dict[int, int] | None) -> None:
    """All or nothing: refused, naming every request someone changed since its version was read."""
    if expected_versions:
        versions.expect_all(s, "evidencerequest", {r.id: expected_versions.get(r.id) for r in reqs},
                            {r.id: f"request {r.ref}" for r in reqs}, noun="requests")


def _versions(rid: int, expected_version: int | None) -> dict[int, int] | None:
    return None if expected_version is None else {rid: expected_version}


def accept_request(handle: EngagementHandle, key: int | str, reason: str = "", *,
                   expected_version: int | None = None) -> None:
    with handle.read() as s:
        rid = find_request(s, key).id
    change_status(handle, [rid], RequestStatus.accepted, reason, expected_versions=_versions(rid, expected_version))


def return_request(handle: EngagementHandle, key: int | str, reason: str, *,
                   expected_version: int | None = None) -> None:
    """Send a submitted item back to the client; the reason is required and is shown to them."""
    if not reason.strip():
        raise InvalidInput("reason: say why the item is returned (the client will read it)")
    with handle.read() as s:
        rid = find_request(s, key).id
    change_status(handle, [rid], RequestStatus.returned, reason, expected_versions=_versions(rid, expected_version))


def assign_owner(handle: EngagementHandle, ids: Iterable[int], owner: str, *,
                 expected_versions: dict[int, int] | None = None) -> int:
    """Give requests an owner (a new name becomes a client person); an empty name clears the owner.
    `expected_versions` as for `change_status`: all or nothing."""
    with handle.session() as s:
        reqs = _load(s, ids)
        _expect(s, reqs, expected_versions)
        person = find_or_create_person(s, owner)
        owner_id = person.id if person is not None else None
        changed = 0
        for r in reqs:
            if r.owner_id != owner_id:
                r.owner_id, r.updated_at = owner_id, utcnow()
                s.add(r)
                changed += 1
        return changed


def shift_due(handle: EngagementHandle, ids: Iterable[int], *, days: int | None = None,
              new_date: dt.date | None = None, business: bool = True, today: dt.date | None = None,
              expected_versions: dict[int, int] | None = None) -> int:
    """Move due dates by `days` (business days by default) or set them to `new_date`. A request with no
    due date is shifted from today. `expected_versions` as for `change_status`: all or nothing."""
    if (days is None) == (new_date is None):
        raise InvalidInput("due date: give either a number of days or a date")
    today = _today(today)
    with handle.session() as s:
        reqs = _load(s, ids)
        _expect(s, reqs, expected_versions)
        for r in reqs:
            if new_date is not None:
                r.due_on = new_date
            elif business:
                r.due_on = add_business_days(r.due_on or today, days)
            else:
                r.due_on = (r.due_on or today) + dt.timedelta(days=days)
            r.updated_at = utcnow()
            s.add(r)
        return len(reqs)


def add_follow_up(handle: EngagementHandle, key: int | str, message: str, *, on: dt.date | None = None,
                  new_due_on: dt.date | None = None, by: str | None = None,
                  expected_version: int | None = None) -> FollowUp:
    """Log a follow-up with the client (date, who, message) and optionally a new due date.
    `expected_version` (services/team `request_version`): a new due date over a request changed since
    it was read is refused (a follow-up alone adds a row and changes none: it is never refused)."""
    message = message.strip()
    if not message:
        raise InvalidInput("message: say what was asked or answered")
    with handle.session() as s:
        req = find_request(s, key)
        if new_due_on is not None:
            versions.expect(s, "evidencerequest", req.id, expected_version, f"request {req.ref}")
        fu = FollowUp(request_id=req.id, on=on or _today(None), by=by or handle.actor, message=message,
                      new_due_on=new_due_on)
        s.add(fu)
        if new_due_on is not None and new_due_on != req.due_on:
            req.due_on, req.updated_at = new_due_on, utcnow()
            s.add(req)
        return fu


# -- compatibility: the plain list other areas read --------------------------------------------------
