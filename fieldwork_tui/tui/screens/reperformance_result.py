"""A re-performance's result: both lists (name, SHA-256, rows), keys and how they were normalised,
counts and every difference — only in A, only in B, differing fields, date-window breaches,
duplicate keys — with its disposition. `d` decides the difference under the cursor (exception,
explained, not a deviation), `D` decides every open difference of the same kind at once, `x` raises
the difference under the cursor as an exception, `c` concludes. The header counts the differences
still without a disposition (each keeps the control flagged `unresolved_differences`)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.safe_text import visible
from fieldwork_tui.tui.kit.styles import role, styled
from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, DetailLine, Row, VirtualTable

COLUMNS = [Column("kind", "Difference", 14, priority=0), Column("key", "Key", 28, priority=0, min_width=12),
           Column("details", "Details", 56, priority=1, min_width=20, grow=True),
           Column("disposition", "Disposition", 22, priority=0)]
KIND_LABEL = {"only_in_a": ("only in A", "warning"), "only_in_b": ("only in B", "warning"),
              "differing": ("differing", "info"), "date_window": ("date window", "severe"),
              "duplicate": ("duplicate key", "warning"), "rule": ("rule", "info")}
DISPOSITION_LABEL = {"exception": "exception", "explained": "explained", "not_deviation": "not a deviation"}


def disposition_cell(row) -> Text:
    """What the Disposition column shows for a DifferenceRow."""
    if row.disposition is None:
        return styled("open", "severe")
    label = DISPOSITION_LABEL.get(row.disposition, row.disposition)
    if row.exception_id:
        label += f" #{row.exception_id}"
    elif row.evidence_id:
        label += f" (ev #{row.evidence_id})"
    return styled(label, "warning" if row.disposition == "exception" else "ok")


class DifferenceSource:
    """Differences read a page at a time, in a worker (a comparison of two big lists can have thousands)."""

    columns = COLUMNS
    slow = True

    def __init__(self, handle, rp, control_ref: str) -> None:
        from fieldwork_tui.services.evidence import count_differences

        self.handle, self.rp, self.control_ref = handle, rp, control_ref
        self._count = count_differences(handle, rp.id)

    def count(self) -> int:
        return self._count

    def rows(self, offset: int, limit: int) -> list[Row]:
        from fieldwork_tui.services.evidence import list_differences

        out = []
        for d in list_differences(self.handle, self.control_ref, reperformance_id=self.rp.id,
                                  offset=offset, limit=limit):
            label, style = KIND_LABEL.get(d.kind, (d.kind, "muted"))
            text = d.description.split(": ", 1)[1] if ": " in d.description else d.description
            out.append(Row(key=d.id, cells=[Text(label, style=role(style)), visible(d.key), visible(text),
                                            disposition_cell(d)]))
        return out


class ReperformanceResultScreen(EngagementScreen):
    MAIN = "#differences"
    BINDINGS = [
        Binding("escape", "back", "Back", id="result.back", tooltip="Back to the control"),
        Binding("c", "conclude", "Conclude", id="result.conclude", tooltip="Write the conclusion of this re-performance"),
        Binding("d", "dispose", "Disposition", id="result.dispose",
                tooltip="Decide the difference under the cursor: exception, explained or not a deviation"),
        Binding("D", "dispose_alike", "Decide alike", id="result.dispose_alike",
                tooltip="Decide every open difference of the same kind as the one under the cursor"),
        Binding("x", "raise_exception", "Raise exception", id="result.exception",
                tooltip="Record the difference under the cursor as an exception"),
    ]
    DEFAULT_CSS = """
    ReperformanceResultScreen #result-header { height: auto; padding: 0 1; }
    """

    VIEW_NAME = "Re-performance"

    def __init__(self, reperformance_id: int) -> None:
        super().__init__()
        self.reperformance_id = reperformance_id
        self.view = None
        self.unresolved = 0

    def body(self) -> ComposeResult:
        yield Static(id="result-header")
        yield VirtualTable(DifferenceSourceEmpty(), id="differences", detail="difference-detail")
        yield DetailLine(id="difference-detail")

    def fetch(self):
        from fieldwork_tui.services.evidence import get_reperformance, unresolved_count

        view = get_reperformance(self.handle, self.reperformance_id)
        rp = view.reperformance
        return view, unresolved_count(self.handle, rp.id), DifferenceSource(self.handle, rp, view.control_ref)

    def show(self, data) -> None:
        view, self.unresolved, source = data
        self.view = view
        rp = view.reperformance
        t = Table.grid(padding=(0, 2), expand=True)
        t.add_column(style=role("strong"), width=12)
        t.add_column(ratio=1)
        t.add_row(Text(visible(view.control_ref), style=role("ref")), Text(visible(rp.title), style=role("strong")))
        for side, label, ev, count in (("A", rp.list_a_label, view.list_a, rp.count_a),
                                       ("B", rp.list_b_label, view.list_b, rp.count_b)):
            name = f"{visible(ev.original_name)} · sha256 {ev.sha256[:16]}…" if ev else "—"
            t.add_row(f"List {side}", f"{visible(label)}: {name} · {count} rows")
        mode = rp.options.get("key_mode", "casefold")
        t.add_row("Key", f"{visible(rp.key_a)} = {visible(rp.key_b)} ({mode}) · {rp.options.get('matched', 0)} matched")
        if rp.options.get("key_normalisation"):
            t.add_row("Keys", Text(visible(rp.options["key_normalisation"]), style=role("muted")))
        window = rp.options.get("date_window")
        summary = Text()
        summary.append(f"only in A {rp.only_in_a}", style=role("warning") if rp.only_in_a else role("ok"))
        summary.append(" · ")
        summary.append(f"only in B {rp.only_in_b}", style=role("warning") if rp.only_in_b else role("ok"))
        summary.append(" · ")
        summary.append(f"differing {rp.differing}", style=role("info") if rp.differing else role("ok"))
        if window:
            summary.append(" · ")
            summary.append(f"{visible(window['column_b'])} more than {window['days']} days after "
                           f"{visible(window['column_a'])}: {rp.date_window_breaches}",
                           style=role("severe") if rp.date_window_breaches else role("ok"))
        duplicates = rp.options.get("duplicates", 0)
        if duplicates:
            summary.append(" · ")
            summary.append(f"duplicate keys {duplicates}", style=role("warning"))
        t.add_row("Result", summary)
        t.add_row("Unresolved", styled(f"{self.unresolved} without a disposition — press d (D: all alike)", "severe")
                  if self.unresolved else styled("none: every difference has a disposition", "ok"))
        t.add_row("Conclusion", Text(visible(rp.conclusion) or "not concluded — press c",
                                     style="" if rp.conclusion else role("muted")))
        self.query_one("#result-header", Static).update(t)
        table = self.query_one(VirtualTable)
        table.empty_text = "No differences: the two lists agree."
        table.set_source(source)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_conclude(self) -> None:
        from fieldwork_tui.services.evidence import conclude_reperformance
        from fieldwork_tui.tui.kit.forms import PromptDialog

        handle, rid = self.handle, self.reperformance_id
        current = self.view.reperformance.conclusion if self.view else ""
        self.app.push_screen(PromptDialog("Conclude the re-performance", "What the comparison shows", current,
                                          placeholder="e.g. 2 users not on the reviewed list; followed up",
                                          multiline=True, save=lambda text: conclude_reperformance(handle, rid, text) or True),
                             lambda done: (self.notify("Conclusion saved."), self.load()) if done else None)

    def action_raise_exception(self) -> None:
        from fieldwork_tui.services.evidence import raise_exception

        key = self.query_one(VirtualTable).cursor_key
        if key is None:
            return
        handle, ref = self.handle, self.view.control_ref if self.view else ""

        def raised(ex) -> None:
            self.notify(f"Exception #{ex.id} raised on {ref}; add the management response in the Exceptions view (5).")
            self.load()

        workers.run(self, lambda: raise_exception(handle, key), done=raised)

    def _with_cursor_rows(self, then) -> None:
        """Read the differences (and the control's files, for the evidence choice) in a worker, then call
        `then(row under the cursor, all rows, files)` on the UI thread."""
        from fieldwork_tui.services.evidence import list_differences, list_files

        key = self.query_one(VirtualTable).cursor_key
        if key is None or self.view is None:
            return
        handle, ref, rid = self.handle, self.view.control_ref, self.reperformance_id

        def read():
            rows = list_differences(handle, ref, reperformance_id=rid)
            return next((r for r in rows if r.id == key), None), rows, list_files(handle, ref)

        def got(found) -> None:
            row, rows, files = found
            if row is not None:
                then(row, rows, files)

        workers.run(self, read, done=got, group="differences", exclusive=True)

    def action_dispose(self) -> None:
        self._with_cursor_rows(lambda row, rows, files: self._open_disposition([row], files))

    def action_dispose_alike(self) -> None:
        def alike(row, rows, files) -> None:
            same = [r for r in rows if r.kind == row.kind and r.open]
            if not same:
                self.notify(f"No open {KIND_LABEL.get(row.kind, (row.kind,))[0]} differences left.")
                return
            self._open_disposition(same, files)

        self._with_cursor_rows(alike)

    def _open_disposition(self, rows, files) -> None:
        from fieldwork_tui.domain.vocab import Disposition
        from fieldwork_tui.services.evidence import resolve_differences
        from fieldwork_tui.tui.dialogs.disposition import DispositionDialog

        if any(r.disposition == "exception" for r in rows):
            self.notify("Already raised as an exception: exceptions are never deleted.", title="Not done",
                        severity="error")
            return
        handle, ref, ids = self.handle, self.view.control_ref, [r.id for r in rows]
        evidence = [(visible(f.description or f.original_name), f.id) for f in files]
        first = rows[0]

        def save(values: dict):
            return resolve_differences(handle, ref, ids, values["disposition"], values["reason"],
                                       values["evidence_id"])

        def done(result) -> None:
            if result:
                self.notify(f"{len(result)} difference(s) decided on {ref}.")
                self.load()

        self.app.push_screen(DispositionDialog(
            len(rows), first.disposition or Disposition.explained, described=[visible(r.description) for r in rows],
            evidence=evidence, reason=first.reason if len(rows) == 1 else "", save=save), done)


class DifferenceSourceEmpty:
    columns = COLUMNS

    def count(self) -> int:
        return 0

    def rows(self, offset: int, limit: int) -> list[Row]:
        return []
