"""Populations: the complete list of a control's instances in the period, as the client extracted it.

The import streams the CSV/XLSX (constant memory), writes rows in batches of bulk Core inserts inside
ONE transaction (all or nothing: an error names the file row and nothing is kept), and freezes the
population with a SHA-256 over its canonical rows (`domain.sampling.PopulationHasher`).

A CSV file is read once: the parser reads it through the vault's intake (`store.vault.Intake`), so
the same bytes give the file's SHA-256, its copy in the evidence vault and the rows; the text is taken
as UTF-8 and only a file that turns out not to be is read again with the encoding detected. (An XLSX
workbook is stored first, then parsed: openpyxl reads a zip, not a stream.) The kept file's evidence
record is written in the import's transaction, so a failed import keeps neither. The count the
client states (the IPE completeness check) is recorded; a mismatch flags `population_unreconciled`.
Rows are numbered 1..N in file order so browsing a million rows is an index seek, not an OFFSET scan.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy import exc as sa_exc
from sqlmodel import Session
from sqlmodel import select as sm_select

from fieldwork_tui.domain.dates import DateParseError, parse_date
from fieldwork_tui.domain.replay import NormalisedDigest, json_string
from fieldwork_tui.domain.sampling import PopulationHasher
from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.errors import FieldworkError, InvalidInput, NotFound
from fieldwork_tui.services.imports import ColumnUse, ImportPlan, import_session
from fieldwork_tui.services.sampling.views import PopulationResult, PopulationRowView
from fieldwork_tui.store import journal
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import Engagement, Population, PopulationRow
from fieldwork_tui.store.tabular import (
    ReadAgain,
    cell_text,
    check_readable,
    is_workbook,
    norm_header,
    open_table,
)
from fieldwork_tui.store.vault import Intake, VaultError

BATCH = 5000
READ_BUFFER = 1 << 20  # the parser reads the file through the vault's intake in chunks of this size
ROWS = PopulationRow.__table__  # type: ignore[attr-defined]
_INSERT = ("INSERT INTO populationrow (population_id, row_number, key, occurred_on, data) "
           "VALUES (?, ?, ?, ?, ?)")
Progress = Callable[[int, int | None], None]


def _cell(value: object) -> str:
    """A cell as stored and hashed: dates as ISO text, whole floats without '.0', text stripped."""
    if type(value) is str:
        return value.strip()
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return cell_text(value)


def _day_entry(value: object, first_day: dt.date, last_day: dt.date, path: Path, row: int,
               column: str) -> tuple[str, str, str, bool]:
    """A date cell as the import writes it: (ISO text, its JSON twice — the canonical row's and the
    journal digest's —, outside the period?); an unreadable or empty date is refused naming the row.
    The importer keeps these per distinct text (a population has few distinct dates)."""
    try:
        day = parse_date(value)
    except DateParseError as exc:
        raise InvalidInput(f"{path}: row {row}, column {column!r}: {exc}") from None
    if day is None:
        raise InvalidInput(f"{path}: row {row}, column {column!r}: the date is empty")
    iso = day.isoformat()
    text = json_string(iso)
    return iso, text, text, day < first_day or day > last_day


def _open(path: Path, key: str | None, date: str | None, sheet: str | None = None, stream=None):
    """Find the header: the first row naming the key and date columns when given; otherwise the first
    row with two or more cells (a title line above the header has one), else the first row. `stream`
    is the file read once through the vault's intake (CSV only)."""
    wanted = [norm_header(w) for w in (key, date) if w]
    if wanted:
        try:
            return open_table(path, is_header=lambda texts: all(w in [norm_header(t) for t in texts] for w in wanted),
                              sheet=sheet, stream=stream)
        except InvalidInput as exc:
            if "no header row" not in str(exc):
                raise
            names = " and ".join(repr(w) for w in (key, date) if w)
            raise InvalidInput(f"{path}: no header row with column {names} in the first rows") from None
    if stream is not None:  # the stream cannot be read from the start again: one scan finds the header
        return open_table(path, is_header=lambda texts: sum(1 for t in texts if t) >= 2, sheet=sheet,
                          stream=stream, else_first=True)
    try:
        return open_table(path, is_header=lambda texts: sum(1 for t in texts if t) >= 2, sheet=sheet)
    except InvalidInput as exc:
        if "no header row" not in str(exc):
            raise
    return open_table(path, sheet=sheet)


def _find_column(headers: list[str], wanted: str, path: Path, header_row: int, what: str) -> int:
    normed = [norm_header(h) for h in headers]
    target = norm_header(wanted)
    if target in normed:
        return normed.index(target)
    raise InvalidInput(f"{path}: row {header_row}: no column {wanted!r} for the {what} "
                       f"(columns: {', '.join(h for h in headers if h) or 'none'})")


def estimate_rows(path: Path | str) -> int | None:
    """A quick upper estimate of the data rows, for a progress bar (None when unknown)."""
    path = Path(path)
    try:
        if path.suffix.lower() in {".xlsx", ".xlsm"}:
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True)
            try:
                return wb.worksheets[0].max_row
            finally:
                wb.close()
        n = 0
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                n += chunk.count(b"\n")
        return max(n, 1)
    except Exception:  # noqa: BLE001 - an estimate only
        return None


def import_population(handle: EngagementHandle, ref: str, path: Path | str, *, key: str | None = None,
                      date: str | None = None, expected_count: int | None = None,
                      progress: Progress | None = None, sheet: str | None = None,
                      dry_run: bool = False) -> PopulationResult:
    """Import a population for control `ref` (see the module docstring). `key` names the column that
    identifies each instance (default: the first column); `date` the column dated within the period
    (optional; with it the selection is stratified across the period). `sheet` names the workbook's
    sheet; with `dry_run` every row is read and checked and nothing is written (services.imports)."""
    path = Path(path)
    if expected_count is not None and expected_count < 0:
        raise InvalidInput(f"--expected-count: expected a count of 0 or more, got {expected_count}")
    check_readable(path)
    args = (handle, ref, path, key, date, expected_count, progress, sheet, dry_run)
    try:
        try:
            return _import(*args, one_pass=not is_workbook(path))
        except ReadAgain:  # not UTF-8 after all: read it again, its encoding detected first
            return _import(*args, one_pass=False)
    except VaultError as exc:
        raise FieldworkError(str(exc)) from None


def _import(handle: EngagementHandle, ref: str, path: Path, key: str | None, date: str | None,
            expected_count: int | None, progress: Progress | None, sheet: str | None, dry_run: bool, *,
            one_pass: bool) -> PopulationResult:
    from fieldwork_tui.services.evidence import files as evidence  # evidence imports sampling: kept local

    if not dry_run:
        evidence.check_free_space(handle, [path.stat().st_size], [path.name])
    vault = handle.vault()
    with vault.intake(path, keep=not dry_run) as intake:  # a dry run hashes the file and keeps no copy
        try:
            if one_pass:
                table = _open(path, key, date, sheet, io.BufferedReader(intake, READ_BUFFER))
            else:
                intake.finish()
                table = _open(path, key, date, sheet)
            return _load(handle, ref, path, table, intake, key, date, expected_count, progress, dry_run, evidence)
        except BaseException:
            if intake.result is not None and intake.result.new:  # stored for this import only: not kept
                vault.remove(intake.result.sha256)
            raise


def _load(handle: EngagementHandle, ref: str, path: Path, table, intake: Intake, key: str | None, date: str | None,
          expected_count: int | None, progress: Progress | None, dry_run: bool, evidence) -> PopulationResult:
    """Read the rows (and, when the intake is the parser's stream, the rest of the file) in the import's
    one transaction."""
    headers = [h or f"column {i + 1}" for i, h in enumerate(table.headers)]
    key_idx = _find_column(table.headers, key, path, table.header_row, "key") if key else 0
    date_idx = _find_column(table.headers, date, path, table.header_row, "date") if date else None
    key_col = headers[key_idx]
    date_col = headers[date_idx] if date_idx is not None else ""
    total = estimate_rows(path) if progress else None
    width = len(headers)  # at least 1: a header row has a cell
    hasher = PopulationHasher(headers, key_col, date_col)
    text_cells = not is_workbook(path)  # CSV cells arrive as stripped text: nothing to convert

    with import_session(handle, dry_run=dry_run) as s:
        control = find_control(s, ref)
        eng = s.exec(sm_select(Engagement)).one()
        first_day, last_day = eng.period_start, eng.period_end
        outside = 0
        earlier = s.exec(sm_select(func.count()).select_from(Population).where(
            Population.control_id == control.id)).one()
        pop = Population(control_id=control.id, source_name=path.name, source_sha256="", key_column=key_col,
                         date_column=date_col, columns=headers, expected_count=expected_count,
                         imported_by=handle.actor)
        s.add(pop)
        s.flush()
        conn = s.connection()
        blanks: list[int] = []  # sequence numbers after which a blank line was skipped

        def file_row(seq: int) -> int:
            return table.file_row(seq - 1 + bisect.bisect_right(blanks, seq - 1))

        batch: list[tuple[Any, ...]] = []
        batch_keys: dict[str, int] = {}
        digest = _RowsDigest(conn, pop.id)
        # Per row, the stored cells' JSON, the canonical row (population hash) and the journal's digest
        # line are formatted here from one JSON encoding of the key and of the date (domain/sampling.py
        # and domain/replay.py give the same bytes; a property test holds them to it); the hash and the
        # digest take a whole batch at once.
        enc = json_string
        days: dict[object, tuple[str | None, str, str, bool]] = {}  # date cell → ISO, JSON, digest JSON, outside
        canonical: list[str] = []  # the batch's canonical rows
        datas: list[str] = []  # the batch's stored cells (JSON)
        tails: list[str] = []  # the batch's digest lines after each row's id
        pop_id = pop.id
        pid = str(pop_id)
        no_day = (None, enc(""), "null", False)
        seq = 0
        for raw in table.rows:
            cells = raw if text_cells else [_cell(c) for c in raw]
            if not any(cells):
                blanks.append(seq)
                continue
            seq += 1
            if len(cells) != width:
                if len(cells) > width:
                    if any(cells[width:]):
                        raise InvalidInput(f"{path}: row {file_row(seq)}: {len(cells)} cells but the header has "
                                           f"{width} columns")
                    cells = cells[:width]
                else:
                    cells = cells + [""] * (width - len(cells))
            k = cells[key_idx]
            if not k:
                raise InvalidInput(f"{path}: row {file_row(seq)}, column {key_col!r}: the key is empty")
            if date_idx is None:
                day = no_day
            else:
                date_value = raw[date_idx] if date_idx < len(raw) else None
                day = days.get(date_value) if type(date_value) is str else None
                if day is None:
                    day = _day_entry(date_value, first_day, last_day, path, file_row(seq), date_col)
                    if type(date_value) is str and len(days) < 100_000:
                        days[date_value] = day
                outside += day[3]
            if k in batch_keys:
                raise InvalidInput(f"{path}: row {file_row(seq)}, column {key_col!r}: duplicate key {k!r} "
                                   f"(also row {file_row(batch_keys[k])})")
            batch_keys[k] = seq
            body = ",".join(map(enc, cells))
            data = f"[{body}]"
            ks = enc(k)
            canonical.append(f"[{ks},{day[1]},{body}]\n")
            datas.append(data)
            tails.append(f",{ks},{day[2]},{pid},{seq}]\n")
            batch.append((pop_id, seq, k, day[0], data))
            if len(batch) >= BATCH:
                hasher.add_lines("".join(canonical), len(canonical))
                canonical.clear()
                _flush(s, conn, pop_id, batch, batch_keys, path, key_col, file_row, digest, datas, tails)
                if progress:
                    progress(seq, total)
        hasher.add_lines("".join(canonical), len(canonical))
        _flush(s, conn, pop_id, batch, batch_keys, path, key_col, file_row, digest, datas, tails)
        if seq == 0 and expected_count != 0:
            raise InvalidInput(f"{path}: no rows below the header (row {table.header_row}); for a control that "
                               f"did not run in the period, import it with --expected-count 0")
        blob = intake.finish()  # the rest of the file (a trailer after the rows): hashed, copied, stored
        source_sha = blob.sha256
        pop.source_sha256 = source_sha
        pop.row_count = seq
        pop.sha256 = hasher.hexdigest()
        pop.outside_period = outside
        s.add(pop)
        s.flush()
        journal.record_bulk(s, "import", "population", pop.id, {
            "control": control.ref, "source_name": path.name, "source_sha256": source_sha, "rows": seq,
            "sha256": pop.sha256, "key_column": key_col, "date_column": date_col, "expected_count": expected_count,
            "outside_period": outside,
        }, table="populationrow", where={"population_id": pop.id}, bulk=digest.descriptor())
        if not dry_run:  # the client's file, kept in the vault with its evidence record, in this transaction
            evidence.record_file(s, blob, path, handle.actor, description=f"population of {control.ref} as received")
        if progress:
            progress(seq, seq)
        result = PopulationResult(id=pop.id, control=control.ref, rows=seq, sha256=pop.sha256,
                                  source_sha256=source_sha, source_name=path.name, key_column=key_col,
                                  date_column=date_col, expected_count=expected_count, outside_period=outside,
                                  period=(first_day, last_day))
    uses = {key_col: "key", date_col: "date"}
    mapping = tuple(ColumnUse(h, uses.get(h, "kept in each population row")) for h in headers)
    change = (f"{result.control}: new population of {seq} rows from {path.name} (SHA-256 {result.sha256[:12]})"
              + (f", beside its {earlier} earlier population(s)" if earlier else ""))
    return dataclasses.replace(result, plan=ImportPlan(
        kind="population", source=table.label, summary=result.describe(dry_run=dry_run), mapping=mapping,
        changes=(change,), dry_run=dry_run,
        notes=(f"hidden sheets skipped: {', '.join(repr(h) for h in table.hidden_sheets)}",)
        if table.hidden_sheets else ()))


class _RowsDigest:
    """The journal's digest of the rows this import writes (domain/replay.py), computed from the values
    as they are inserted: ids are consecutive inside the import's one write transaction, which
    `descriptor()` confirms before trusting (else it digests the rows as stored)."""

    def __init__(self, conn, pop_id: int) -> None:
        self.conn, self.pop_id, self.first = conn, pop_id, None
        self.columns = sorted(ROWS.c.keys())
        self.digest = NormalisedDigest()

    def add(self, datas: list[str], first_seq: int, tails: list[str]) -> None:
        """The digest lines of a batch of rows numbered from `first_seq`: each row's line is `[`, its
        stored cells' JSON as a JSON string, `,`, its id, then its tail (`,` key, date, population id and
        row number, `]`, newline) — the canonical line with the columns sorted (data, id, key,
        occurred_on, population_id, row_number), byte for byte what NormalisedDigest.add encodes."""
        if self.first is None:
            self.first = self.conn.execute(
                select(func.min(ROWS.c.id)).where(ROWS.c.population_id == self.pop_id)).scalar()
        start = self.first - 1 + first_seq
        self.digest.add_lines("".join(map("[{},{}{}".format, map(json_string, datas), range(start, start + len(datas)),
                                          tails)), len(datas))

    def descriptor(self) -> dict[str, Any] | None:
        lo, hi, n = self.conn.execute(
            select(func.min(ROWS.c.id), func.max(ROWS.c.id), func.count()).where(ROWS.c.population_id == self.pop_id)).one()
        if n != self.digest.count or (n and (lo != self.first or hi - lo + 1 != n)):
            return None
        return {"table": "populationrow", "where": {"population_id": self.pop_id}, "rows": n,
                "columns": self.columns, "sha256": self.digest.hexdigest()}


def _flush(session: Session, conn, pop_id: int, batch: list, batch_keys: dict[str, int], path: Path, key_col: str,
           file_row: Callable[[int], int], digest: _RowsDigest, datas: list[str], tails: list[str]) -> None:
    """Insert one batch; a key already imported in an earlier batch is named with both rows."""
    if not batch:
        return
    try:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(_INSERT, batch)
        else:  # PostgreSQL: `%s` placeholders; a failed insert aborts the transaction, so undo to a savepoint
            with conn.begin_nested():
                conn.exec_driver_sql(_INSERT.replace("?", "%s"), batch)
        digest.add(datas, batch[0][1], tails)
    except sa_exc.IntegrityError:
        keys = list(batch_keys)
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            for k, rn in conn.execute(select(ROWS.c.key, ROWS.c.row_number)
                                      .where(ROWS.c.population_id == pop_id, ROWS.c.key.in_(chunk))):
                if rn != batch_keys[k]:
                    raise InvalidInput(f"{path}: row {file_row(batch_keys[k])}, column {key_col!r}: duplicate key "
                                       f"{k!r} (also row {file_row(rn)})") from None
        raise
    batch.clear()
    batch_keys.clear()
    datas.clear()
    tails.clear()


# -- reading ------------------------------------------------------------------------------------------
def latest_population(session: Session, control_id: int) -> Population | None:
    return session.exec(sm_select(Population).where(Population.control_id == control_id)
                        .order_by(Population.id.desc())).first()


def population_for(handle: EngagementHandle, ref: str) -> Population | None:
    """The control's latest population (None before any import)."""
    with handle.read() as s:
        return latest_population(s, find_control(s, ref).id)


def get_population(handle: EngagementHandle, population_id: int) -> Population:
    with handle.read() as s:
        pop = s.get(Population, population_id)
        if pop is None:
            raise NotFound(f"population #{population_id} not found")
        return pop


def iter_keys(session: Session, population_id: int) -> Iterator[tuple[str, dt.date | None]]:
    """(key, date) of every row in file order, streamed."""
    q = (select(ROWS.c.key, ROWS.c.occurred_on).where(ROWS.c.population_id == population_id)
         .order_by(ROWS.c.row_number))
    yield from session.connection().execute(q.execution_options(yield_per=10000))


def iter_rows(session: Session, population_id: int) -> Iterator[tuple[str, dt.date | None, list[str]]]:
    q = (select(ROWS.c.key, ROWS.c.occurred_on, ROWS.c.data).where(ROWS.c.population_id == population_id)
         .order_by(ROWS.c.row_number))
    yield from session.connection().execute(q.execution_options(yield_per=10000))


def date_bounds(session: Session, population_id: int) -> tuple[dt.date, dt.date] | None:
    lo, hi = session.connection().execute(
        select(func.min(ROWS.c.occurred_on), func.max(ROWS.c.occurred_on)).where(ROWS.c.population_id == population_id)
    ).one()
    return (lo, hi) if lo is not None and hi is not None else None


def rehash(session: Session, pop: Population) -> str:
    """Recompute the population SHA-256 from the stored rows."""
    hasher = PopulationHasher(pop.columns, pop.key_column, pop.date_column)
    for k, day, data in iter_rows(session, pop.id):
        hasher.add(k, day, data)
    return hasher.hexdigest()


def count_rows(handle: EngagementHandle, population_id: int, text: str = "") -> int:
    with handle.read() as s:
        q = select(func.count()).select_from(ROWS).where(ROWS.c.population_id == population_id)
        if text.strip():
            q = q.where(cast(ROWS.c.data, String).like(f"%{text.strip()}%"))
        return s.connection().execute(q).scalar_one()


def page_rows(handle: EngagementHandle, population_id: int, offset: int, limit: int,
              text: str = "") -> list[PopulationRowView]:
    """One window of rows for browsing. Unfiltered windows seek on the row number (instant at any depth)."""
    with handle.read() as s:
        q = select(ROWS.c.row_number, ROWS.c.key, ROWS.c.occurred_on, ROWS.c.data).where(
            ROWS.c.population_id == population_id)
        if text.strip():
            q = q.where(cast(ROWS.c.data, String).like(f"%{text.strip()}%")).order_by(ROWS.c.row_number).offset(offset)
        else:
            q = q.where(ROWS.c.row_number > offset).order_by(ROWS.c.row_number)
        q = q.limit(limit)
        return [PopulationRowView(rn, k, d, list(data)) for rn, k, d, data in s.connection().execute(q)]
