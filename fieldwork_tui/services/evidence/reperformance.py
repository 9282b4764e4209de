"""Re-performance: the auditor compares a list it pulled itself with the list the client used.

`run_comparison` reads both lists (CSV/XLSX, streamed), compares them with `domain.compare`, keeps
both source files in the vault (EvidenceFile rows NOT linked to the control: that link means
inspection) and stores the result and every difference in one transaction. The auditor then
concludes, and any difference can be raised as an exception.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, insert
from sqlmodel import select

from fieldwork_tui.domain.compare import (
    CompareError,
    CompareSpec,
    DateWindow,
    KeyMode,
    compare_lists,
    describe_difference,
    deviation_clause,
)
from fieldwork_tui.domain.dispositions import DispositionError, check_disposition
from fieldwork_tui.domain.vocab import DifferenceKind, Disposition, ExceptionSource
from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.evidence.files import collect_files, record_file, store_blobs
from fieldwork_tui.services.evidence.views import ComparisonOutcome, DifferenceRow, ReperformanceView
from fieldwork_tui.store import journal
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import (
    Control,
    ControlException,
    EvidenceFile,
    Reperformance,
    ReperformanceDifference,
    utcnow,
)
from fieldwork_tui.store.tabular import cell_text, open_table

_DIFF_TABLE = ReperformanceDifference.__table__  # type: ignore[attr-defined]


@dataclass
class ListData:
    path: Path
    headers: list[str]
    rows: list[list[str]]


def _open(path: Path | str, key: str | None = None):
    """Open a list, skipping title lines above the header: the header is the first row naming the
    key column (when known), else the first row with at least two filled cells."""
    from fieldwork_tui.domain.compare import norm_column

    if key:
        wanted = norm_column(key)
        try:
            return open_table(path, is_header=lambda cells: any(norm_column(c) == wanted for c in cells))
        except InvalidInput as exc:
            if "no header row" not in str(exc):
                raise
    try:
        return open_table(path, is_header=lambda cells: sum(1 for c in cells if c) >= 2)
    except InvalidInput as exc:
        if "no header row" not in str(exc):
            raise
        return open_table(path)


def read_list(path: Path | str, key: str | None = None) -> ListData:
    table = _open(path, key)
    rows = [[cell_text(c) for c in r] for r in table.rows]
    return ListData(Path(path), table.headers, rows)


def list_columns(path: Path | str) -> list[str]:
    """The header of a list: what the comparison dialog offers as keys and columns."""
    return [h for h in _open(path).headers if h]


def run_comparison(handle: EngagementHandle, control_ref: str, list_a: Path | str, list_b: Path | str, *,
                   key_a: str, key_b: str | None = None, key_mode: KeyMode | str = KeyMode.casefold,
                   columns: list[tuple[str, str]] | None = None, ignore: list[str] | None = None,
                   date_window: DateWindow | None = None, title: str = "", label_a: str = "",
                   label_b: str = "", as_of: dt.date | None = None, whole_population: bool = False,
                   progress=None) -> ComparisonOutcome:
    """Compare and store. `whole_population`: list A is every instance of the period (so the
    re-performance evidences operation across the period, `domain.coverage`)."""
    with handle.read() as s:
        find_control(s, control_ref)
    try:
        mode = KeyMode(key_mode)
    except ValueError:
        raise InvalidInput(f"key mode {key_mode!r}: expected exact, casefold or username") from None
    spec = CompareSpec(key_a=key_a, key_b=key_b or key_a, key_mode=mode,
                       columns=tuple(columns) if columns is not None else None, ignore=tuple(ignore or ()),
                       date_window=date_window)
    data_a, data_b = read_list(list_a, key_a), read_list(list_b, key_b or key_a)
    try:
        result = compare_lists(data_a.headers, data_a.rows, data_b.headers, data_b.rows, spec)
    except CompareError as exc:
        side_path = data_a.path if "list A" in str(exc) else data_b.path
        raise InvalidInput(f"{side_path.name}: {exc}") from None
    files = collect_files([list_a, list_b])
    if len(files) == 1:  # the same file twice
        files = files * 2
    blobs = store_blobs(handle, files, progress)
    label_a = label_a.strip() or Path(list_a).stem
    label_b = label_b.strip() or Path(list_b).stem
    options = {"key_mode": mode.value, "columns": [list(p) for p in result.columns],
               "ignore": list(ignore or []),
               "date_window": None if date_window is None else {
                   "column_a": date_window.column_a, "column_b": date_window.column_b, "days": date_window.days,
                   "absolute": date_window.absolute},
               "duplicates_a": result.duplicates_a[:100], "duplicates_b": result.duplicates_b[:100],
               "blank_keys_a": result.blank_keys_a, "blank_keys_b": result.blank_keys_b, "matched": result.matched,
               "compared": result.compared, "duplicates": len(result.duplicates),
               "key_normalisation": result.normalisation}
    with handle.session() as s:
        control = find_control(s, control_ref)
        ev_a, _ = record_file(s, blobs[0], files[0], handle.actor, as_of=as_of,
                              description=f"Re-performance list A ({label_a}) for {control.ref}")
        ev_b, _ = record_file(s, blobs[1], files[1], handle.actor, as_of=as_of,
                              description=f"Re-performance list B ({label_b}) for {control.ref}")
        rp = Reperformance(
            control_id=control.id, title=title.strip() or f"{label_a} vs {label_b}",
            list_a_evidence_id=ev_a.id, list_b_evidence_id=ev_b.id, list_a_label=label_a, list_b_label=label_b,
            key_a=result.key_a, key_b=result.key_b, options=options, count_a=result.count_a,
            count_b=result.count_b, only_in_a=len(result.only_in_a), only_in_b=len(result.only_in_b),
            differing=len(result.differing), date_window_breaches=len(result.date_window),
            whole_population=bool(whole_population),
            performed_by=handle.actor,
        )
        s.add(rp)
        s.flush()
        rows = [{"reperformance_id": rp.id, "kind": DifferenceKind(d.kind).value, "key": d.key, "details": d.details}
                for d in result.differences]
        if rows:
            s.connection().execute(insert(_DIFF_TABLE), rows)
        ids = list(s.exec(select(ReperformanceDifference.id).where(ReperformanceDifference.reperformance_id == rp.id)
                          .order_by(ReperformanceDifference.id)))
        journal.record_bulk(s, "create", "reperformancedifference", rp.id,
                            {"reperformance_id": rp.id, **result.counts()},
                            table="reperformancedifference", where={"reperformance_id": rp.id})
    return ComparisonOutcome(rp, result, ev_a, ev_b, options, difference_ids=ids)


def get_reperformance(handle: EngagementHandle, reperformance_id: int) -> ReperformanceView:
    with handle.read() as s:
        rp = s.get(Reperformance, reperformance_id)
        if rp is None:
            raise NotFound(f"re-performance #{reperformance_id} not found")
        control = s.get(Control, rp.control_id)
        return ReperformanceView(rp, control.ref if control else "",
                                 s.get(EvidenceFile, rp.list_a_evidence_id) if rp.list_a_evidence_id else None,
                                 s.get(EvidenceFile, rp.list_b_evidence_id) if rp.list_b_evidence_id else None)


def differences(handle: EngagementHandle, reperformance_id: int, kind: str | None = None,
                offset: int = 0, limit: int = 10_000) -> list[ReperformanceDifference]:
    with handle.read() as s:
        q = select(ReperformanceDifference).where(ReperformanceDifference.reperformance_id == reperformance_id)
        if kind:
            q = q.where(ReperformanceDifference.kind == DifferenceKind(kind))
        return list(s.exec(q.order_by(ReperformanceDifference.id).offset(offset).limit(limit)))


def conclude_reperformance(handle: EngagementHandle, reperformance_id: int, conclusion: str) -> Reperformance:
    text = (conclusion or "").strip()
    if not text:
        raise InvalidInput("conclusion: write what the re-performance shows")
    with handle.session() as s:
        rp = s.get(Reperformance, reperformance_id)
        if rp is None:
            raise NotFound(f"re-performance #{reperformance_id} not found")
        rp.conclusion = text
        rp.concluded_by = handle.actor
        s.add(rp)
    return rp


def raise_exception(handle: EngagementHandle, difference_id: int, *, deviation: str = "",
                    planned_control: str = "") -> ControlException:
    """Record a difference as an exception on the control, through the exceptions register (one
    place decides validity and the report wording)."""
    from fieldwork_tui.services.findings.exceptions import create_exception

    with handle.read() as s:
        diff = s.get(ReperformanceDifference, difference_id)
        if diff is None:
            raise NotFound(f"difference #{difference_id} not found")
        existing = s.exec(select(ControlException).where(ControlException.difference_id == difference_id)).first()
        if existing is not None:
            raise InvalidInput(f"difference #{difference_id} is already exception #{existing.id}")
        rp = s.get(Reperformance, diff.reperformance_id)
        control = s.get(Control, rp.control_id)
        text = " ".join((deviation or "").split()) or deviation_clause(diff.kind, diff.details, rp.list_a_label,
                                                                       rp.list_b_label)
    return create_exception(handle, control.ref, instance=diff.key, deviation=text,
                            planned_control=planned_control or control.description,
                            source=ExceptionSource.reperformance, difference_id=diff.id)


def count_differences(handle: EngagementHandle, reperformance_id: int) -> int:
    from sqlalchemy import func

    with handle.read() as s:
        return s.exec(select(func.count()).select_from(ReperformanceDifference)
                      .where(ReperformanceDifference.reperformance_id == reperformance_id)).one()


def exceptions_by_difference(handle: EngagementHandle, reperformance_id: int) -> dict[int, int]:
    """{difference id: exception id} for the differences already raised as exceptions."""
    with handle.read() as s:
        ids = select(ReperformanceDifference.id).where(ReperformanceDifference.reperformance_id == reperformance_id)
        return dict(s.exec(select(ControlException.difference_id, ControlException.id)
                           .where(ControlException.difference_id.in_(ids))).all())


# -- dispositions -----------------------------------------------------------------------------------
def open_clause():
    """SQL: the difference has no disposition — none recorded and not raised as an exception (an
    exception raised before dispositions existed decides its difference too)."""
    raised = select(ControlException.difference_id).where(ControlException.difference_id.is_not(None))
    return and_(ReperformanceDifference.disposition.is_(None), ReperformanceDifference.id.not_in(raised))


def _row(d: ReperformanceDifference, rp: Reperformance, ref: str, exception_id: int | None) -> DifferenceRow:
    return DifferenceRow(
        id=d.id, reperformance_id=rp.id, control_ref=ref, kind=DifferenceKind(d.kind).value, key=d.key,
        description=describe_difference(d.kind, d.key, d.details, rp.list_a_label, rp.list_b_label),
        disposition=Disposition(d.disposition).value if d.disposition else ("exception" if exception_id else None),
        reason=d.disposition_reason,
        evidence_id=d.disposition_evidence_id, exception_id=exception_id, disposed_by=d.disposed_by,
        disposed_at=d.disposed_at.isoformat(timespec="seconds") if d.disposed_at else "")


def list_differences(handle: EngagementHandle, control_ref: str, *, reperformance_id: int | None = None,
                     open_only: bool = False, kind: str | None = None, offset: int = 0,
                     limit: int | None = None) -> list[DifferenceRow]:
    """Every difference of the control's re-performances (or of one), in id order, with its
    disposition. The ids are stable: the database's, never renumbered."""
    with handle.read() as s:
        control = find_control(s, control_ref)
        q = (select(ReperformanceDifference, Reperformance)
             .join(Reperformance, Reperformance.id == ReperformanceDifference.reperformance_id)
             .where(Reperformance.control_id == control.id))
        if reperformance_id is not None:
            q = q.where(Reperformance.id == reperformance_id)
        if open_only:
            q = q.where(open_clause())
        if kind:
            try:
                q = q.where(ReperformanceDifference.kind == DifferenceKind(kind))
            except ValueError:
                raise InvalidInput(f"kind {kind!r}: expected one of {', '.join(DifferenceKind)}") from None
        exceptions = dict(s.exec(select(ControlException.difference_id, ControlException.id).where(
            ControlException.control_id == control.id, ControlException.difference_id.is_not(None))).all())
        q = q.order_by(ReperformanceDifference.id).offset(offset)
        if limit is not None:
            q = q.limit(limit)
        return [_row(d, rp, control.ref, exceptions.get(d.id)) for d, rp in s.exec(q)]


def unresolved_count(handle: EngagementHandle, reperformance_id: int) -> int:
    """How many differences of one re-performance have no disposition yet."""
    from sqlalchemy import func

    with handle.read() as s:
        return s.exec(select(func.count()).select_from(ReperformanceDifference).where(
            ReperformanceDifference.reperformance_id == reperformance_id, open_clause())).one()


def resolve_differences(handle: EngagementHandle, control_ref: str, difference_ids: list[int],
                        disposition: Disposition | str, reason: str = "",
                        evidence_id: int | None = None) -> list[DifferenceRow]:
    """Record one disposition for one or many differences of the control (bulk: alike rows at once).

    `exception` raises each difference as its own exception through the register (the reason, when
    given, is the deviation; else it is worded from the difference without naming the item);
    `explained` needs the explanation and may cite evidence; `not-deviation` needs the reason. A
    difference raised as an exception stays one (exceptions are never deleted); the others can be
    decided again. Everything is checked before anything is written.
    """
    try:
        kind = check_disposition(disposition, reason, evidence_id)
    except DispositionError as exc:
        raise InvalidInput(str(exc)) from None
    ids = list(dict.fromkeys(int(i) for i in difference_ids))
    if not ids:
        raise InvalidInput("difference: name at least one difference id")
    text = " ".join((reason or "").split())
    with handle.read() as s:
        control = find_control(s, control_ref)
        found = {d.id: (d, rp) for d, rp in s.exec(
            select(ReperformanceDifference, Reperformance)
            .join(Reperformance, Reperformance.id == ReperformanceDifference.reperformance_id)
            .where(ReperformanceDifference.id.in_(ids)))}
        for i in ids:
            if i not in found:
                raise NotFound(f"difference #{i} not found")
            d, rp = found[i]
            if rp.control_id != control.id:
                raise InvalidInput(f"difference #{i} belongs to another control's re-performance, not {control.ref}")
            raised = s.exec(select(ControlException.id).where(ControlException.difference_id == i)).first()
            if d.disposition is Disposition.exception or raised is not None:
                raise InvalidInput(f"difference #{i} is already raised as an exception (exceptions are never "
                                   "deleted)")
        if evidence_id is not None and s.get(EvidenceFile, evidence_id) is None:
            raise NotFound(f"evidence #{evidence_id} not found")
        ref = control.ref
    if kind is Disposition.exception:
        for i in ids:
            raise_exception(handle, i, deviation=text)
    else:
        with handle.session() as s:
            now = utcnow()
            for i in ids:
                d = s.get(ReperformanceDifference, i)
                d.disposition = kind
                d.disposition_reason = text
                d.disposition_evidence_id = evidence_id
                d.disposed_by = handle.actor
                d.disposed_at = now
                s.add(d)
    wanted = set(ids)
    return [r for r in list_differences(handle, ref) if r.id in wanted]
