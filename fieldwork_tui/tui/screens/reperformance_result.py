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

from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, Row, VirtualTable

COLUMNS = [Column("kind", "Difference", 14), Column("key", "Key", 28), Column("details", "Details", 56),
           Column("disposition", "Disposition", 22)]
KIND_LABEL = {"only_in_a": ("only in A", "yellow"), "only_in_b": ("only in B", "yellow"),
              "differing": ("differing", "cyan"), "date_window": ("date window", "bold red"),
              "duplicate": ("duplicate key", "yellow")}
DISPOSITION_LABEL = {"exception": "exception", "explained": "explained", "not_deviation": "not a deviation"}


def disposition_cell(row) -> Text:
    """What the Disposition column shows for a DifferenceRow."""
    from fieldwork_tui.tui.kit.styles import styled

    if row.disposition is None:
        return styled("open", "severe")
    label = DISPOSITION_LABEL.get(row.disposition, row.disposition)
    if row.exception_id:
        label += f" #{row.exception_id}"
    elif row.evidence_id:
        label += f" (ev #{row.evidence_id})"
    return styled(label, "warning" if row.disposition == "exception" else "ok")


class DifferenceSource:
    """Differences read a page at a time (a comparison of two big lists can have thousands)."""

    columns = COLUMNS

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
            label, style = KIND_LABEL.get(d.kind, (d.kind, ""))
            text = d.description.split(": ", 1)[1] if ": " in d.description else d.description
            out.append(Row(key=d.id, cells=[Text(label, style=style), d.key, text, disposition_cell(d)]))
        return out


class ReperformanceResultScreen(EngagementScreen):
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

    def __init__(self, reperformance_id: int) -> None:
        super().__init__()
        self.reperformance_id = reperformance_id

    VIEW_NAME = "Re-performance"

    def body(self) -> ComposeResult:
        yield Static(id="result-header")
        yield VirtualTable(DifferenceSourceEmpty(), id="differences")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(VirtualTable).focus()

    def refresh_data(self) -> None:
        from fieldwork_tui.services.evidence import get_reperformance

        view = self.run_guarded(lambda: get_reperformance(self.handle, self.reperformance_id))
        if view is None:
            return
        self.view = view
        rp = view.reperformance
        t = Table.grid(padding=(0, 2), expand=True)
        t.add_column(style="bold", width=12)
        t.add_column(ratio=1)
        t.add_row(Text(view.control_ref, style="bold cyan"), Text(rp.title, style="bold"))
        for side, label, ev, count in (("A", rp.list_a_label, view.list_a, rp.count_a),
                                       ("B", rp.list_b_label, view.list_b, rp.count_b)):
            name = f"{ev.original_name} · sha256 {ev.sha256[:16]}…" if ev else "—"
            t.add_row(f"List {side}", f"{label}: {name} · {count} rows")
        mode = rp.options.get("key_mode", "casefold")
        t.add_row("Key", f"{rp.key_a} = {rp.key_b} ({mode}) · {rp.options.get('matched', 0)} matched")
        if rp.options.get("key_normalisation"):
            t.add_row("Keys", Text(rp.options["key_normalisation"], style="dim"))
        window = rp.options.get("date_window")
        summary = Text()
        summary.append(f"only in A {rp.only_in_a}", style="yellow" if rp.only_in_a else "green")
        summary.append(" · ")
        summary.append(f"only in B {rp.only_in_b}", style="yellow" if rp.only_in_b else "green")
        summary.append(" · ")
        summary.append(f"differing {rp.differing}", style="cyan" if rp.differing else "green")
        if window:
            summary.append(" · ")
            summary.append(f"{window['column_b']} more than {window['days']} days after {window['column_a']}: "
                           f"{rp.date_window_breaches}", style="bold red" if rp.date_window_breaches else "green")
        duplicates = rp.options.get("duplicates", 0)
        if duplicates:
            summary.append(" · ")
            summary.append(f"duplicate keys {duplicates}", style="yellow")
        t.add_row("Result", summary)
        from fieldwork_tui.services.evidence import unresolved_count
        from fieldwork_tui.tui.kit.styles import styled

        self.unresolved = unresolved_count(self.handle, rp.id)
        t.add_row("Unresolved", styled(f"{self.unresolved} without a disposition — press d (D: all alike)", "severe")
                  if self.unresolved else styled("none: every difference has a disposition", "ok"))
        t.add_row("Conclusion", Text(rp.conclusion or "not concluded — press c", style="" if rp.conclusion else "dim"))
        self.query_one("#result-header", Static).update(t)
        table = self.query_one(VirtualTable)
        table.empty_text = "No differences: the two lists agree."
        table.set_source(DifferenceSource(self.handle, rp, view.control_ref))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_conclude(self) -> None:
        from fieldwork_tui.services.evidence import conclude_reperformance
        from fieldwork_tui.tui.dialogs.prompt import PromptDialog

        def done(text: str | None) -> None:
            if text is not None:
                self.run_guarded(lambda: conclude_reperformance(self.handle, self.reperformance_id, text), "Conclusion saved.")
                self.refresh_data()

        current = self.view.reperformance.conclusion if hasattr(self, "view") else ""
        self.app.push_screen(PromptDialog("Conclude the re-performance", "What the comparison shows", current,
                                          "e.g. 2 users not on the reviewed list; followed up"), done)

    def action_raise_exception(self) -> None:
        from fieldwork_tui.services.evidence import raise_exception

        key = self.query_one(VirtualTable).cursor_key
        if key is None:
            return
        ex = self.run_guarded(lambda: raise_exception(self.handle, key))
        if ex is not None:
            self.notify(f"Exception #{ex.id} raised on {self.view.control_ref}; add the management response "
                        "in the Exceptions view (5).")
            self.refresh_data()

    def _cursor_row(self):
        from fieldwork_tui.services.evidence import list_differences

        key = self.query_one(VirtualTable).cursor_key
        if key is None or not hasattr(self, "view"):
            return None
        rows = list_differences(self.handle, self.view.control_ref, reperformance_id=self.reperformance_id)
        return next((r for r in rows if r.id == key), None), rows

    def action_dispose(self) -> None:
        found = self._cursor_row()
        if found is None or found[0] is None:
            return
        self._open_disposition([found[0]])

    def action_dispose_alike(self) -> None:
        found = self._cursor_row()
        if found is None or found[0] is None:
            return
        row, rows = found
        alike = [r for r in rows if r.kind == row.kind and r.open]
        if not alike:
            self.notify(f"No open {KIND_LABEL.get(row.kind, (row.kind,))[0]} differences left.")
            return
        self._open_disposition(alike)

    def _open_disposition(self, rows) -> None:
        from fieldwork_tui.domain.vocab import Disposition
        from fieldwork_tui.services.evidence import list_files, resolve_differences
        from fieldwork_tui.tui.dialogs.disposition import DispositionDialog

        if any(r.disposition == "exception" for r in rows):
            self.notify("Already raised as an exception: exceptions are never deleted.", title="Not done",
                        severity="error")
            return
        ref, ids = self.view.control_ref, [r.id for r in rows]
        evidence = [(f.description or f.original_name, f.id) for f in list_files(self.handle, ref)]
        first = rows[0]

        def save(values: dict):
            return resolve_differences(self.handle, ref, ids, values["disposition"], values["reason"],
                                       values["evidence_id"])

        def done(result) -> None:
            if result:
                self.notify(f"{len(result)} difference(s) decided on {ref}.")
                self.refresh_data()

        self.app.push_screen(DispositionDialog(
            len(rows), first.disposition or Disposition.explained, described=[r.description for r in rows],
            evidence=evidence, reason=first.reason if len(rows) == 1 else "", save=save), done)

    def palette_commands(self):
        yield ("Conclude re-performance", "Write what the comparison shows", self.action_conclude)
        yield ("Raise exception", "Record the difference under the cursor as an exception", self.action_raise_exception)
        yield ("Disposition", "Decide the difference under the cursor", self.action_dispose)
        yield ("Decide alike", "Decide every open difference of the same kind", self.action_dispose_alike)


class DifferenceSourceEmpty:
    columns = COLUMNS

    def count(self) -> int:
        return 0

    def rows(self, offset: int, limit: int) -> list[Row]:
        return []
