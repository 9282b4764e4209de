"""Rendering the human-readable parts of a bundle: HTML pages (Jinja2, autoescaped — no text from
the engagement can inject markup), the draft section IV in Markdown, and the workbook (store.xlsx:
openpyxl in write-only mode, formula-looking text kept as text so a spreadsheet never executes client text).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from typing import IO, Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from markupsafe import Markup

from fieldwork_tui.domain import flags as flag_table
from fieldwork_tui.domain.attributes import LEGEND, Cell, tickmark
from fieldwork_tui.domain.labels import label
from fieldwork_tui.domain.prose import noun
from fieldwork_tui.domain.vocab import (
    EVIDENCE_ORDER,
    OPEN_REQUEST_STATUSES,
    ControlStatus,
    EvidenceType,
    Flag,
    SampleResult,
)
from fieldwork_tui.services.bundle.data import OPEN, BundleData, ControlPaper
from fieldwork_tui.services.findings.views import STALE_LABEL
from fieldwork_tui.store.xlsx import Column, add_sheet


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


def css_string(value: Any) -> Markup:
    """Text for a CSS string inside the page's <style> (the print header): everything but letters, digits,
    spaces and `,.-_·:/()` as a CSS escape, so no text can end the string, the rule or the <style> element
    (HTML escaping does not apply inside <style>)."""
    out = []
    for ch in str(value or ""):
        out.append(ch if ch.isalnum() or ch in " ,.-_·:/()" else f"\\{ord(ch):x} ")
    return Markup("".join(out))


@pass_context
def _href(ctx, member: str) -> str:
    """A link from the page being rendered to a bundle member (relative, percent-encoded, so it
    works from the extracted folder with no server)."""
    return ctx.get("root", "") + quote(member, safe="/")


def environment() -> Environment:
    env = Environment(loader=PackageLoader("fieldwork_tui.services.bundle", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(day=_day, when=_when, size=_size, words=lambda s: str(s).replace("_", " "),
                       badge_cells=_badge_cells, flag_class=_flag_class,
                       flag_label=flag_table.label, flag_help=lambda f: flag_table.spec(f).help,
                       flag_blocks=flag_table.blocks, href=_href, noun=noun, css_string=css_string,
                       tickmark=tickmark, cell_class=_cell_class)
    env.globals["legend"] = LEGEND
    return env


def _cell_class(c: Cell) -> str:
    """A matrix cell's colour: a deviation stands out, a proposal is not yet a result."""
    if c.proposed and c.result is not SampleResult.untested:
        return "warn"
    return {SampleResult.passed: "ok", SampleResult.deviation: "bad", SampleResult.untested: "muted"}.get(c.result, "")


def _common(data: BundleData, root: str) -> dict[str, Any]:
    return {"eng": data.engagement, "generated_at": data.generated_at, "actor": data.actor, "root": root,
            "signer": data.signer,
            "people": data.people, "control_members": {c.control.ref: c.member for c in data.controls},
            "evidence_members": data.evidence_members()}


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
        flag_groups=[(f, groups[f]) for f in Flag if f in groups], interviews=data.interviews,
    )


def render_workpaper(env: Environment, data: BundleData, paper: ControlPaper, index: int) -> str:
    row = paper.row
    return env.get_template("workpaper.html.j2").render(
        **_common(data, "../"), paper=paper, open_disposition=OPEN,
        prev=data.controls[index - 1] if index > 0 else None,
        next=data.controls[index + 1] if index + 1 < len(data.controls) else None,
        procedures=list(row.procedures) if row else [], results=[row.results] if row else [],
    )


def render_interview(env: Environment, data: BundleData, memo) -> str:
    """One interview memo (`interviews/<interview id>.html`)."""
    return env.get_template("interview.html.j2").render(**_common(data, "../"), memo=memo,
                                                        memo_members=data.memo_members)


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


def _signed(view) -> tuple[str, dt.datetime | None]:
    return (view.signed_by, view.signed_at) if view and view.signed else ("", None)


def write_workbook(fh: IO[bytes], data: BundleData, today: dt.date) -> None:
    """`workpapers.xlsx`: Summary, Samples, Requests and Exceptions, every sheet written by
    `store.xlsx.add_sheet` (filters, frozen and printed headers, fit to width, real dates, formula text
    kept as text); codes read as their labels."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)

    def summary_rows():
        for c in data.controls:
            so = {v.role.value: v for v in c.signoffs}
            prep, rev = _signed(so.get("preparer")), _signed(so.get("reviewer"))
            yield [c.control.ref, c.control.title, " ".join(c.control.criteria), label(c.control.frequency),
                   ", ".join(label(EvidenceType(t)) for t in c.evidence_types),
                   "; ".join(flag_table.label(f) for f in c.flags), label(ControlStatus(c.status)),
                   label(c.control.conclusion) or "Not concluded", c.exceptions, c.open_notes,
                   prep[0], prep[1], rev[0], rev[1], STALE_LABEL if any(v.stale for v in c.signoffs) else ""]

    add_sheet(wb, "Summary", [
        Column("Ref", 9), Column("Title", 40, wrap=True), Column("Criteria", 16, wrap=True),
        Column("Frequency", 14, wrap=True), Column("Evidence types", 24, wrap=True), Column("Flags", 40, wrap=True),
        Column("Status", 14), Column("Conclusion", 20, wrap=True), Column("Exceptions", 10),
        Column("Open review notes", 10, wrap=True), Column("Prepared by", 16), Column("Prepared on", 16),
        Column("Reviewed by", 16), Column("Reviewed on", 16), Column("Sign-off state", 16, wrap=True)],
        summary_rows())

    def sample_rows():
        for ref, s, it in data.sample_items():
            yield [ref, f"{label(s.kind)} #{s.id}", it.position, it.key, it.occurred_on, label(it.result), it.note,
                   it.tested_by, it.tested_at]

    add_sheet(wb, "Samples", [
        Column("Control", 9), Column("Sample", 14), Column("#", 5), Column("Population key", 18),
        Column("Date", 12), Column("Result", 12), Column("Note", 50, wrap=True), Column("Tested by", 16),
        Column("Tested on", 16)], sample_rows())

    def request_rows():
        for r, owner, refs in data.requests():
            overdue = bool(r.due_on and r.due_on < today and r.status in OPEN_REQUEST_STATUSES)
            others = "; ".join(f"{k}: {v}" for k, v in (r.extra_fields or {}).items() if str(v).strip())
            yield [r.ref, r.description, " ".join(refs), owner, r.requested_on, r.due_on, r.received_on,
                   label(r.status), r.priority, "Overdue" if overdue else "", others]

    add_sheet(wb, "Requests", [
        Column("Request", 10), Column("Description", 60, wrap=True), Column("Controls", 16, wrap=True),
        Column("Owner", 20), Column("Requested", 12), Column("Due", 12), Column("Received", 12),
        Column("Status", 18), Column("Priority", 10), Column("Overdue", 9),
        Column("Other columns of the request list", 40, wrap=True)], request_rows())

    def exception_rows():
        for e in data.exceptions():
            x, r = e.exception, e.response
            yield [e.control_ref, x.id, x.instance, x.planned_control, x.deviation, label(x.exception_type),
                   label(x.effectiveness), r.root_cause if r else "", r.corrective_action if r else "",
                   r.compensating_controls if r else "", label(r.remediation_status) if r else "No response yet",
                   r.remediation_date if r else None]

    add_sheet(wb, "Exceptions", [
        Column("Control", 9), Column("#", 5), Column("Instance", 24, wrap=True),
        Column("Planned control", 40, wrap=True), Column("Deviation", 40, wrap=True), Column("Type", 12),
        Column("Effectiveness", 12), Column("Root cause", 40, wrap=True), Column("Corrective action", 40, wrap=True),
        Column("Compensating controls", 30, wrap=True), Column("Remediation", 16), Column("Remediation date", 14)],
        exception_rows())

    # one Testing sheet per sampled control: the matrix as the workpaper shows it, then the steps, the
    # wording per attribute and the legend below it
    for summary in data.controls:
        t = data.testing(summary)
        if not t.items or not t.steps.attributes:
            continue
        attrs = t.steps.attributes

        def testing_rows(t=t, attrs=attrs):
            for it in t.items:
                evidence = [f"#{it.evidence_id}"] if it.evidence_id else []
                evidence += [f"{a.letter}: #{c.evidence_id}" for a, c in zip(attrs, it.cells, strict=True) if c.evidence_id]
                notes = [it.note] if it.note else []
                notes += [f"{a.letter}: {c.note}" for a, c in zip(attrs, it.cells, strict=True) if c.note]
                yield [it.position, it.key, dt.date.fromisoformat(it.date) if it.date else None, it.kind,
                       *[tickmark(c) for c in it.cells], _RESULT_WORDS[it.result], ", ".join(evidence),
                       "\n".join(notes)]
            yield []
            yield [f"Objective: {t.steps.objective or '—'}"]
            for a in attrs:
                yield [f"{a.letter}: {a.description}" + (f" (rule: {a.rule})" if a.rule else "")]
            yield [f"Tested {t.counts.tested} of {t.counts.items} {t.noun}; {t.counts.deviations} with a deviation"
                   + (f"; {t.counts.proposed} proposed cells not yet confirmed" if t.counts.proposed else "")]
            for w in t.wordings:
                yield [w.text]
            yield []
            for mark, meaning in LEGEND:
                yield [f"{mark}  {meaning}"]

        add_sheet(wb, f"Testing {summary.control.ref}", [
            Column("#", 5), Column("Item", 18), Column("Date", 12), Column("Sample", 10),
            *[Column(a.spec().label(), 7) for a in attrs], Column("Result", 11), Column("Evidence", 14),
            Column("Notes", 60, wrap=True)], testing_rows())
    wb.save(fh)


_RESULT_WORDS = {SampleResult.passed: "pass", SampleResult.deviation: "deviation",
                 SampleResult.not_applicable: "n/a", SampleResult.untested: "untested"}


def canonical_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
