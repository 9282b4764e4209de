"""The testing workbook round trip: export a sample's matrix for a staff auditor to fill in at the
client site, and import it back all or nothing.

The layout and the reading of values are `domain.testing_sheet`'s; this module writes the XLSX
(validation lists on the result and basis cells, frozen header, autofilter, the rules' proposals as
cell comments) to a temporary name and renames it, and applies an import in one transaction.
Text that a spreadsheet would run as a formula is stored as text with Excel's quote-prefix style,
so nothing a client typed runs and nothing gains a visible apostrophe.
"""

from __future__ import annotations

import io
import os
import secrets
from dataclasses import replace
from pathlib import Path

from sqlmodel import select

from fieldwork_tui.domain import testing_sheet as sheet
from fieldwork_tui.domain.attributes import LEGEND, TICKMARKS
from fieldwork_tui.domain.requests import FORMULA_PREFIXES
from fieldwork_tui.domain.vocab import SampleResult
from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.sampling.testing import (
    MatrixView,
    _attribute,
    _control_attributes,
    _rederive,
    matrix,
    require_testable,
)
from fieldwork_tui.services.sampling.views import TestingExport, TestingImport
from fieldwork_tui.store import journal
from fieldwork_tui.store.handle import TMP_PREFIX, EngagementHandle
from fieldwork_tui.store.models import AttributeResult, EvidenceControl, EvidenceFile, SampleItem, utcnow
from fieldwork_tui.store.scratch import private_scratch
from fieldwork_tui.store.tabular import raw_rows

R = SampleResult
MAX_ROWS = 5000  # a sample never has this many items; a bigger sheet is not ours


def evidence_names(handle: EngagementHandle, ref: str) -> dict[int, str]:
    with handle.read() as s:
        control = find_control(s, ref)
        rows = s.exec(select(EvidenceFile).join(EvidenceControl, EvidenceControl.evidence_id == EvidenceFile.id)
                      .where(EvidenceControl.control_id == control.id).order_by(EvidenceFile.id))
        return {f.id: f.original_name or f.description or f.sha256[:12] for f in rows}


# -- export ---------------------------------------------------------------------------------------------
def _put(ws, row: int, col: int, value):
    """Write a cell; text never becomes a formula (quote-prefixed, no visible apostrophe)."""
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    return cell


def export_testing(handle: EngagementHandle, ref: str, path: Path | str) -> TestingExport:
    """Write the testing matrix of `ref`'s sample to `path` (.xlsx)."""
    path = Path(path).expanduser()
    if path.suffix.lower() != ".xlsx":
        raise InvalidInput(f"{path}: the testing workbook must end in .xlsx")
    if not path.parent.is_dir():
        raise InvalidInput(f"{path.parent}: folder not found")
    if path.is_dir():
        raise InvalidInput(f"{path}: is a folder")
    view = matrix(handle, ref)
    if view.sample_id is None:
        raise InvalidInput(f"{view.ref}: no sample yet; take the sample first")
    if not view.steps.attributes:
        raise InvalidInput(f"{view.ref}: no test attributes yet; set the control's test steps first")
    names = evidence_names(handle, view.ref)
    tmp = path.parent / f"{TMP_PREFIX}{secrets.token_hex(6)}.xlsx"
    try:
        data = _workbook(handle, view, names)
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return TestingExport(path, len(view.items), len(view.steps.attributes))


def _workbook(handle: EngagementHandle, view: MatrixView, names: dict[int, str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    eng = handle.engagement()
    letters = view.steps.letters()
    header = sheet.headers(letters, view.columns)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet.SHEET
    bold = Font(bold=True)
    for c, name in enumerate(header, start=1):
        _put(ws, 1, c, name).font = bold
    own = header[: len(header) - len(view.columns)]  # ours first: a population column may share a name
    col = {name: i + 1 for i, name in enumerate(own)}
    last = len(view.items) + 1
    for r, it in enumerate(view.items, start=2):
        values = [it.position, it.key, it.date, it.kind, view.population_sha256]
        for c, v in enumerate(values, start=1):
            _put(ws, r, c, v)
        for lt, cell in zip(letters, it.cells, strict=True):
            shown = cell.result if not cell.proposed else R.untested
            rc = _put(ws, r, col[sheet.result_header(lt)], sheet.RESULT_TEXT[shown] or None)
            if cell.proposed and cell.result is not R.untested:
                rc.comment = Comment(f"Proposed by the rule of attribute {lt}: {sheet.RESULT_TEXT[cell.result]} "
                                     f"({cell.reason}). Type the result to confirm it.", "fieldwork-tui")
            if not cell.proposed:
                _put(ws, r, col[sheet.basis_header(lt)],
                     sheet.basis_text(cell.evidence_id, cell.seen_in_extract, names) or None)
            _put(ws, r, col[sheet.note_header(lt)], cell.note or None)
        _put(ws, r, col[sheet.ITEM_RESULT], sheet.RESULT_TEXT[it.result] or "untested")
        for j, name in enumerate(view.columns):
            _put(ws, r, len(own) + 1 + j, it.values.get(name, ""))
    # validation lists
    results = DataValidation(type="list", formula1='"' + ",".join(sheet.RESULT_CHOICES) + '"', allow_blank=True,
                             showErrorMessage=True, errorTitle="Result",
                             error="Choose pass, deviation or n/a (or leave it empty).")
    lists = wb.create_sheet(sheet.LISTS_SHEET)
    choices = [sheet.EXTRACT] + [sheet.basis_text(eid, False, names) for eid in sorted(names)]
    for i, text in enumerate(choices, start=1):
        _put(lists, i, 1, text)
    lists.sheet_state = "hidden"
    basis = DataValidation(type="list", formula1=f"{sheet.LISTS_SHEET}!$A$1:$A${len(choices)}", allow_blank=True,
                           showErrorMessage=True, errorStyle="warning", errorTitle="Basis",
                           error="An evidence reference such as #12 of a file linked to the control, or "
                                 f"'{sheet.EXTRACT}'.")
    for lt in letters:
        if last >= 2:
            rl = get_column_letter(col[sheet.result_header(lt)])
            bl = get_column_letter(col[sheet.basis_header(lt)])
            results.add(f"{rl}2:{rl}{last}")
            basis.add(f"{bl}2:{bl}{last}")
    ws.add_data_validation(results)
    ws.add_data_validation(basis)
    widths = {"#": 5, sheet.KEY: 16, "Date": 11, "Sample": 10, sheet.POPULATION_HASH: 18, sheet.ITEM_RESULT: 11}
    for lt in letters:
        widths.update({sheet.result_header(lt): 11, sheet.basis_header(lt): 24, sheet.note_header(lt): 30})
    for i in range(1, len(header) + 1):
        name = own[i - 1] if i <= len(own) else ""
        ws.column_dimensions[get_column_letter(i)].width = widths.get(name, 16)
        if name.endswith(" note"):
            for r in range(2, last + 1):
                ws.cell(row=r, column=i).alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(last, 1)}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _about(wb.create_sheet(sheet.ABOUT_SHEET, 1), handle, eng, view, bold)
    buffer = io.BytesIO()
    with private_scratch(handle.root):
        wb.save(buffer)
    return buffer.getvalue()


def _about(ws, handle: EngagementHandle, eng, view: MatrixView, bold) -> None:
    from openpyxl.styles import Alignment

    rows: list[tuple[str, object]] = [
        ("Engagement", eng.name), ("Client", eng.service_organization),
        ("Period", f"{eng.period_start.isoformat()} to {eng.period_end.isoformat()}"),
        ("Control", view.ref), ("Test objective", view.steps.objective),
        ("Population", view.population_source), ("Population SHA-256", view.population_sha256),
        ("Exported", f"{utcnow().isoformat()} by {handle.actor}"),
        ("", ""),
        ("How to fill it in", "One row per sampled item. For each attribute choose pass, deviation or n/a; a pass "
                              "needs its basis (an evidence reference such as #12, or "
                              f"'{sheet.EXTRACT}'). Leave a result empty to keep it untested. Import with: "
                              f"fieldwork import testing ENGAGEMENT {view.ref} FILE.xlsx"),
        ("", ""),
    ]
    rows += [(f"Attribute {a.letter}", a.description + (f" — deviation: {a.deviation}" if a.deviation else "")
              + (f" — rule: {a.rule}" if a.rule else "")) for a in view.steps.attributes]
    rows += [("", "")] + [(f"Tickmark {mark}", meaning) for mark, meaning in LEGEND]
    rows += [(f"{TICKMARKS[r]} in the workbook", sheet.RESULT_TEXT[r] or "empty")
             for r in (R.passed, R.deviation, R.not_applicable, R.untested)]
    for r, (label, value) in enumerate(rows, start=1):
        _put(ws, r, 1, label).font = bold
        _put(ws, r, 2, value).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 100


# -- import ---------------------------------------------------------------------------------------------
def read_testing(handle: EngagementHandle, ref: str, path: Path | str) -> tuple[MatrixView, sheet.SheetRead]:
    """Read and check a filled-in workbook against `ref`'s sample without writing anything."""
    path = Path(path).expanduser()
    view = matrix(handle, ref)
    if view.sample_id is None:
        raise InvalidInput(f"{view.ref}: no sample yet; nothing to import into")
    expect = sheet.Expectation(tuple(view.steps.letters()), {it.key: it.item_id for it in view.items},
                               view.population_sha256, evidence_names(handle, view.ref))
    rows = raw_rows(path)
    try:
        header = next(rows, None)
        if header is None:
            raise InvalidInput(f"{path.name}: the first sheet is empty")
        body = []
        for number, values in enumerate(rows, start=2):
            if number > MAX_ROWS:
                raise InvalidInput(f"{path.name}: more than {MAX_ROWS} rows; not a testing workbook of {view.ref}")
            body.append((number, values))
    finally:
        close = getattr(rows, "close", None)
        if close:
            close()
    try:
        read = sheet.parse_sheet(header, body, expect)
    except sheet.SheetError as exc:
        raise InvalidInput(f"{path.name}: {exc}") from None
    return view, read


def import_testing(handle: EngagementHandle, ref: str, path: Path | str, *, dry_run: bool = False) -> TestingImport:
    """Apply a filled-in testing workbook: all or nothing (any bad cell is named and nothing is
    written). Every value read is a person's (a confirmed cell); an empty result clears a confirmed
    result and keeps a rule's proposal; items the workbook does not list are left as they were.
    With `dry_run` every cell is read, checked and applied in a transaction that is rolled back
    (services.imports): the plan says what would change, nothing is written."""
    from fieldwork_tui.services.imports import ImportPlan, import_session

    view, read = read_testing(handle, ref, path)
    keys = {it.item_id: it.key for it in view.items}
    changes: list[str] = []
    current = {(it.item_id, lt): cell for it in view.items for lt, cell in zip(view.steps.letters(), it.cells,
                                                                             strict=True)}
    changed = 0
    now = utcnow()
    with import_session(handle, dry_run=dry_run) as s:
        control = find_control(s, view.ref)
        attrs = _control_attributes(s, control.id)
        if [a.letter for a in attrs] != view.steps.letters():
            raise InvalidInput(f"{view.ref}: the test attributes changed while reading the workbook; import again")
        touched: set[int] = set()
        for u in read.updates:
            old = current[(u.item_id, u.letter)]
            attr = _attribute(attrs, u.letter, view.ref)
            if u.result is R.untested and old.proposed:  # an empty result keeps the rule's proposal
                if u.note != old.note:
                    cell = s.exec(select(AttributeResult).where(AttributeResult.item_id == u.item_id,
                                                                AttributeResult.attribute_id == attr.id)).one()
                    cell.note = u.note
                    s.add(cell)
                    changed += 1
                    changes.append(f"{keys.get(u.item_id, u.item_id)} {u.letter}: note changed")
                continue
            same = (old.result, old.proposed, old.evidence_id, old.seen_in_extract, old.note) == (
                u.result, False, u.evidence_id, u.seen_in_extract, u.note)
            if same or (u.result is R.untested and old.result is R.untested and not u.note and not old.note):
                continue
            cell = s.exec(select(AttributeResult).where(AttributeResult.item_id == u.item_id,
                                                        AttributeResult.attribute_id == attr.id)).first()
            if cell is None:
                cell = AttributeResult(item_id=u.item_id, attribute_id=attr.id)
            if u.result is not R.untested:  # nothing half-written: the session rolls back
                require_testable(s, s.get(SampleItem, u.item_id), control)
            cell.result, cell.proposed, cell.note = u.result, False, u.note
            cell.evidence_id, cell.seen_in_extract = u.evidence_id, u.seen_in_extract
            cell.reason = "" if u.result is R.untested else cell.reason
            cell.tested_by, cell.tested_at = (handle.actor, now) if u.result is not R.untested else ("", None)
            s.add(cell)
            touched.add(u.item_id)
            changed += 1
            changes.append(f"{keys.get(u.item_id, u.item_id)} {u.letter}: "
                           f"{_label(old.result, old.proposed)} → {_label(u.result, False)}")
        s.flush()
        for item_id in touched:
            _rederive(s, s.get(SampleItem, item_id), attrs)
        journal.record(s, "import", "attributeresult", view.ref,
                       {"control": view.ref, "file": Path(path).name, "rows": read.rows, "cells_changed": changed})
    result = TestingImport(view.ref, read.rows, changed, read.missing)
    return replace(result, plan=ImportPlan(kind="testing", source=str(Path(path)), summary=result.describe(dry_run=dry_run),
                                           changes=tuple(changes), dry_run=dry_run))


def _label(result: R, proposed: bool) -> str:
    text = getattr(result, "value", str(result)).replace("_", " ")
    return f"{text} (proposed)" if proposed and result is not R.untested else text
