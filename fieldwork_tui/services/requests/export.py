"""The open-items list for the client: what they still owe (open, in progress, needs clarification,
returned) with owner, due date, age and the latest follow-up — as XLSX or CSV that Excel opens with
names intact (CSV is UTF-8 with a BOM).

Nothing the client typed can run as a formula (`domain.requests.neutralise_cell`), and the file is
written to a `.tmp-*` name in the target folder, synced, then renamed: a crash never leaves half a file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from fieldwork_tui.domain.requests import neutralise_cell
from fieldwork_tui.domain.vocab import OPEN_REQUEST_STATUSES
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.requests.triage import RequestQuery, RequestRow, count_requests, request_page
from fieldwork_tui.services.requests.views import RequestExportResult
from fieldwork_tui.store.handle import TMP_PREFIX, EngagementHandle
from fieldwork_tui.store.scratch import private_scratch

HEADERS = ["Request ID", "Control Ref", "Request Description", "Owner", "Status", "Priority", "Wave", "Requested",
           "Due Date", "Age (business days)", "Overdue", "Last Follow-up", "Last Follow-up Note"]
WIDTHS = [11, 14, 60, 22, 20, 10, 11, 12, 12, 10, 9, 14, 50]
PAGE = 500

Progress = Callable[[int, int], None]


def _values(r: RequestRow) -> list:
    return [r.ref, r.controls, r.description, r.owner, r.status.value.replace("_", " "), r.priority, r.wave.value,
            r.requested_on, r.due_on, r.age, "yes" if r.overdue else "", r.last_follow_up_on, r.last_follow_up]


def _safe(value):
    return neutralise_cell(value) if isinstance(value, str) else value


def _rows(handle: EngagementHandle, query: RequestQuery, today: dt.date, progress: Progress | None):
    total = count_requests(handle, query, today=today)
    done = 0
    while done < total:
        page = request_page(handle, query, done, PAGE, today=today)
        if not page:
            break
        for r in page:
            yield [_safe(v) for v in _values(r)]
        done += len(page)
        if progress:
            progress(done, total)


def export_requests(handle: EngagementHandle, path: Path | str, *, open_only: bool = False,
                    query: RequestQuery | None = None, progress: Progress | None = None,
                    today: dt.date | None = None) -> RequestExportResult:
    """Write the request list (or only what the client still owes) sorted by due date."""
    from fieldwork_tui.store.clock import today as clock_today

    today = today or clock_today()
    path = Path(path).expanduser()
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InvalidInput(f"{path}: the export must end in .xlsx or .csv")
    if not path.parent.is_dir():
        raise InvalidInput(f"{path.parent}: folder not found")
    if path.is_dir():
        raise InvalidInput(f"{path}: is a folder")
    query = query or RequestQuery()
    query = RequestQuery(text=query.text, overdue=query.overdue, owner_id=query.owner_id,
                         statuses=frozenset(OPEN_REQUEST_STATUSES) if open_only else query.statuses,
                         control_id=query.control_id, wave=query.wave, sort="due")
    tmp = path.parent / f"{TMP_PREFIX}{secrets.token_hex(6)}{suffix}"
    try:
        rows = _write_xlsx(handle, tmp, query, today, progress, open_only) if suffix == ".xlsx" else \
            _write_csv(handle, tmp, query, today, progress)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return RequestExportResult(path=path, rows=rows)


def _write_csv(handle, tmp: Path, query, today, progress) -> int:
    n = 0
    with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        for row in _rows(handle, query, today, progress):
            w.writerow(["" if v is None else v.isoformat() if isinstance(v, dt.date) else v for v in row])
            n += 1
    return n


def _write_xlsx(handle, tmp: Path, query, today, progress, open_only: bool) -> int:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    name = handle.engagement().name
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = "Open items" if open_only else "Requests"
    title = f"{'Open items' if open_only else 'Request list'} — {name} — as of {today.isoformat()}"
    ws.append([neutralise_cell(title)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    ws.append(HEADERS)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    n = 0
    for row in _rows(handle, query, today, progress):
        ws.append(row)
        n += 1
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text, never a formula
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:{get_column_letter(len(HEADERS))}{max(3, ws.max_row)}"
    # Saved to memory first: openpyxl leaves its zip writer open when the disk fills mid-save, and its
    # clean-up then prints a traceback; our own write fails cleanly instead.
    buffer = io.BytesIO()
    with private_scratch(handle.root):  # openpyxl spills each sheet to a temp file: keep it in the engagement
        wb.save(buffer)
    tmp.write_bytes(buffer.getvalue())
    return n
