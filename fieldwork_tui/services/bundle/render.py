"""Rendering the human-readable parts of a bundle: HTML pages (Jinja2, autoescaped — no text from
the engagement can inject markup), the draft section IV in Markdown, and the workbook (openpyxl in
write-only mode, with formula-looking text neutralised so a spreadsheet never executes client text).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from typing import IO, Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context

from fieldwork_tui.domain import flags as flag_table
from fieldwork_tui.domain.vocab import EVIDENCE_ORDER, EvidenceType, Flag
from fieldwork_tui.services.bundle.data import BundleData, ControlPaper


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else ""


def _when(value: Any) -> str:
    if not isinstance(value, dt.datetime):
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _size(n: Any) -> str:
    size = float(n or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def _badge_cells(types: list[str]) -> list[tuple[str, bool]]:
    present = {EvidenceType(t) for t in types}
    return [(t.letter, t in present) for t in EVIDENCE_ORDER]


def _flag_class(flag: Flag) -> str:
    """The flag's severity in the flag table as a CSS class (warnings carry the default style)."""
    return {flag_table.Severity.severe: "severe", flag_table.Severity.advisory: "quiet"}.get(
        flag_table.severity(flag), "")


def _details(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


@pass_context
def _href(ctx, member: str) -> str:
    """A link from the page being rendered to a bundle member (relative, percent-encoded, so it
    works from the extracted folder with no server)."""
    return ctx.get("root", "") + quote(member, safe="/")


def environment() -> Environment:
    env = Environment(loader=PackageLoader("fieldwork_tui.services.bundle", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(day=_day, when=_when, size=_size, words=lambda s: str(s).replace("_", " "),
                       badge_cells=_badge_cells, flag_class=_flag_class, details=_details,
                       flag_label=flag_table.label, flag_help=lambda f: flag_table.spec(f).help,
                       flag_blocks=lambda f: flag_table.spec(f).blocking, href=_href)
    return env


def _common(data: BundleData, root: str) -> dict[str, Any]:
    return {"eng": data.engagement, "generated_at": data.generated_at, "actor": data.actor, "root": root,
            "signer": data.signer,
            "people": data.people, "control_members": {c.control.ref: c.member for c in data.controls}}


def render_index(env: Environment, data: BundleData, today: dt.date) -> str:
    exceptions = data.exceptions()
    open_requests = data.requests(open_only=True)
    groups: dict[Flag, list[str]] = defaultdict(list)
    for c in data.controls:
        for f in c.flags:
            groups[f].append(c.control.ref)
    views = [c.signoffs for c in data.controls]
    return env.get_template("index.html.j2").render(
        **_common(data, ""), controls=data.controls, exceptions=exceptions, open_requests=open_requests,
        today=today, overdue=sum(1 for r, _o, _refs in open_requests if r.due_on and r.due_on < today),
        without_response=sum(1 for e in exceptions if e.response is None),
        not_defensible=sum(1 for c in data.controls if not flag_table.is_defensible(c.flags)),
        open_notes=sum(1 for n in data.notes if n.is_open), notes=data.notes,
        signed_preparer=sum(1 for v in views if v and v[0].holds),
        signed_reviewer=sum(1 for v in views if len(v) > 1 and v[1].holds),
        stale=sum(1 for v in views if any(x.stale for x in v)),
        evidence_count=len(data.unique_evidence()),
        flag_groups=[(f, groups[f]) for f in Flag if f in groups],
    )


def render_workpaper(env: Environment, data: BundleData, paper: ControlPaper, index: int) -> str:
    row = paper.row
    return env.get_template("workpaper.html.j2").render(
        **_common(data, "../"), paper=paper,
        prev=data.controls[index - 1] if index > 0 else None,
        next=data.controls[index + 1] if index + 1 < len(data.controls) else None,
        procedures=list(row.procedures) if row else [], results=[row.results] if row else [],
    )


# -- section IV (Markdown) -----------------------------------------------------------------------


def md_cell(text: Any) -> str:
    """Text safe inside a Markdown table cell: no raw HTML, no column breaks, one line."""
    s = str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = s.replace("|", "\\|")
    return re.sub(r"\s*[\r\n]+\s*", "<br>", s.strip()) if s.strip() else ""


def write_section_iv(out: IO[str], data: BundleData, controls) -> None:
    """The draft tests-of-controls section: one table row per control, in ref order."""
    eng = data.engagement
    out.write("# Section IV — Tests of controls (draft)\n\n")
    out.write(f"{md_cell(eng.service_organization)} · {md_cell(eng.name)} · period {eng.period_start} to "
              f"{eng.period_end}\n\n")
    out.write("Draft generated from the workpapers; wording to be reviewed before it enters the report.\n\n")
    out.write("| Control | Criteria | Control activity specified by the service organization "
              "| Tests performed by the service auditor | Results of tests |\n")
    out.write("|---|---|---|---|---|\n")
    for c, row in controls:
        tests = "<br>".join(md_cell(x) for x in row.procedures) or "—"
        out.write(f"| {md_cell(c.ref)} | {md_cell(' '.join(c.criteria))} | {md_cell(c.description or c.title)} "
                  f"| {tests} | {md_cell(row.results)} |\n")


# -- workbook -----------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def cell(value: Any) -> Any:
    """A value safe for a spreadsheet cell: text that a spreadsheet would run as a formula is
    prefixed with an apostrophe; dates stay dates, numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | dt.date):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def write_workbook(fh: IO[bytes], data: BundleData, today: dt.date) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def sheet(title: str, headers: list[str], rows, widths: list[int]):
        ws = wb.create_sheet(title)
        for i, w in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + i)].width = w
        ws.freeze_panes = "A2"
        head = []
        for h in headers:
            c = WriteOnlyCell(ws, value=h)
            c.font = bold
            head.append(c)
        ws.append(head)
        for row in rows:
            ws.append([cell(v) for v in row])

    def summary_rows():
        for c in data.controls:
            so = {v.role.value: v for v in c.signoffs}
            prep, rev = so.get("preparer"), so.get("reviewer")
            yield [c.control.ref, c.control.title, " ".join(c.control.criteria), c.control.frequency.value,
                   ", ".join(c.evidence_types), ", ".join(f.value for f in c.flags), c.status,
                   c.control.conclusion.value if c.control.conclusion else "", c.exceptions, c.open_notes,
                   f"{prep.signed_by} {prep.signed_at:%Y-%m-%d}" if prep and prep.signed else "",
                   f"{rev.signed_by} {rev.signed_at:%Y-%m-%d}" if rev and rev.signed else "",
                   "modified since review" if any(v.stale for v in c.signoffs) else ""]

    sheet("Summary", ["Ref", "Title", "Criteria", "Frequency", "Evidence types", "Flags", "Status", "Conclusion",
                      "Exceptions", "Open review notes", "Preparer", "Reviewer", "Sign-off state"],
          summary_rows(), [9, 40, 18, 14, 34, 50, 16, 22, 10, 10, 20, 20, 22])

    def request_rows():
        for r, owner, refs in data.requests():
            overdue = bool(r.due_on and r.due_on < today and r.status.value in
                           {"open", "in_progress", "needs_clarification", "returned"})
            yield [r.ref, r.description, " ".join(refs), owner, r.requested_on, r.due_on, r.received_on,
                   r.status.value, r.priority, "yes" if overdue else ""]

    sheet("Requests", ["Request", "Description", "Controls", "Owner", "Requested", "Due", "Received", "Status",
                       "Priority", "Overdue"], request_rows(), [10, 60, 16, 20, 12, 12, 12, 18, 10, 9])

    def exception_rows():
        for e in data.exceptions():
            x, r = e.exception, e.response
            yield [e.control_ref, x.id, x.instance, x.planned_control, x.deviation, x.exception_type.value,
                   x.effectiveness.value, r.root_cause if r else "", r.corrective_action if r else "",
                   r.compensating_controls if r else "", r.remediation_status.value if r else "no response",
                   r.remediation_date if r else None]

    sheet("Exceptions", ["Control", "#", "Instance", "Planned control", "Deviation", "Type", "Effectiveness",
                         "Root cause", "Corrective action", "Compensating controls", "Remediation",
                         "Remediation date"], exception_rows(), [9, 5, 24, 40, 40, 12, 12, 40, 40, 30, 16, 14])
    wb.save(fh)


def canonical_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
