"""The testing part of the Sampling tab: the control's test steps, the testing matrix as a keyboard
grid, and what drives it — rules that propose cells once the extract's completeness and accuracy is
recorded, confirmation, notes, evidence, exceptions worded from the attribute, the testing workbook
round trip, and the single test of a Type I or automated control.

A key repaints at once: the grid shows the new cell, the panel recounts the matrix in memory (the
same domain rule the services use), and the write runs in a worker; a refused write puts the stored
cell back and says why. Writes are coalesced into one `DataChanged` when the last of them lands, so
the control's flags follow without reloading the matrix on every key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from fieldwork_tui.domain.attributes import (
    SAMPLE,
    TICKMARKS,
    Cell,
    matrix_counts,
    pass_basis_problem,
)
from fieldwork_tui.domain.vocab import SampleResult
from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.safe_text import safe_text, visible
from fieldwork_tui.tui.kit.screen import ActionArea
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.messages import DataChanged
from fieldwork_tui.tui.widgets.testing_grid import GridColumn, GridRow, TestingGrid

R = SampleResult
RESULT_WORD = {R.untested: "untested", R.passed: "pass", R.deviation: "deviation", R.not_applicable: "n/a"}


@dataclass(frozen=True)
class PanelData:
    """What the panel shows, read in a worker (plain data from the services)."""

    matrix: Any  # services' MatrixView
    evidence: tuple[tuple[int, str], ...]
    single: Any  # services' SingleTestView


def fetch_panel(handle, ref: str) -> PanelData:
    from fieldwork_tui.services import sampling

    return PanelData(sampling.matrix(handle, ref), tuple(sampling.sample_evidence_choices(handle, ref)),
                     sampling.single_test(handle, ref))


def grid_row(item) -> GridRow:
    """A services MatrixItem as the grid shows it."""
    return GridRow(item.item_id, item.position, item.key, item.date, item.kind, tuple(item.cells), item.note,
                   f"#{item.evidence_id}" if item.evidence_id else "")


class TestingPanel(ActionArea, can_focus=True):
    """Steps, grid and detail line; its keys work while the grid (or, with no grid, the panel) has the focus."""

    __test__ = False
    AREA_LABEL = "Testing matrix"
    MAIN = "#testing-grid"

    class DeviationMarked(Message):
        """A deviation was stored in a cell: the tab prompts the expansion or the exception."""

        def __init__(self, key: str, item_id: int, letter: str) -> None:
            super().__init__()
            self.key, self.item_id, self.letter = key, item_id, letter

    BINDINGS = [
        Binding("a", "edit_steps", "Steps", id="testing.steps",
                tooltip="Edit the test objective and attributes (rules checked as you type)"),
        Binding("L", "library_steps", "Library steps", show=False, id="testing.library",
                tooltip="Take the firm library's test steps for this control"),
        Binding("k", "extract", "C&A", id="testing.extract",
                tooltip="Record the population's completeness and accuracy: source system, query, client's count"),
        Binding("r", "propose", "Propose", show=False, id="testing.propose",
                tooltip="Let the attributes' rules propose every untested cell from the item's columns"),
        Binding("R", "run_population", "Rules on population", show=False, id="testing.run_population",
                tooltip="Run the rules over the whole population (recorded as a re-performance)"),
        Binding("o", "note", "Note", id="testing.note", tooltip="Write a note on the cell under the cursor"),
        Binding("l", "link", "Evidence", id="testing.link", tooltip="Link an evidence file to the item"),
        Binding("f", "attach", "Attach file", show=False, id="testing.attach",
                tooltip="Copy a file into the vault and link it to the item"),
        Binding("x", "exception", "Exception", show=False, id="testing.exception",
                tooltip="Record the exception for the deviating cell, worded from its attribute"),
        Binding("E", "export_workbook", "Export workbook", show=False, id="testing.export",
                tooltip="Write the testing workbook (.xlsx) to fill in at the client site"),
        Binding("I", "import_workbook", "Import workbook", show=False, id="testing.import",
                tooltip="Read a filled-in testing workbook back (all or nothing)"),
        Binding("w", "single_test", "Walkthrough", id="testing.single",  # shown only when it applies (check_action)
                tooltip="Record the walkthrough (Type I) or the test of one (automated control)"),
    ]
    DEFAULT_CSS = """
    TestingPanel { height: 1fr; }
    TestingPanel #testing-steps { height: auto; padding: 0 1; }
    TestingPanel #testing-detail { height: auto; min-height: 1; padding: 0 1; color: $text-muted; }
    TestingPanel #testing-single { height: auto; padding: 1 1; }
    """

    def __init__(self, ref: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ref = ref
        self.data: PanelData | None = None
        self._pending = 0

    @property
    def handle(self):
        return self.app.handle  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Static(id="testing-steps")
        yield Static(id="testing-single")
        yield TestingGrid(id="testing-grid")
        yield Static(id="testing-detail", markup=False)

    @property
    def grid(self) -> TestingGrid:
        return self.query_one("#testing-grid", TestingGrid)

    # -- showing ------------------------------------------------------------------------------------------
    def show(self, data: PanelData) -> None:
        if self._pending and self.data is not None:
            return  # a write is still landing: its DataChanged brings fresher data than this
        self.data = data
        m = data.matrix
        single = m.approach.kind != SAMPLE
        self.query_one("#testing-single", Static).display = single
        self.grid.display = not single or bool(m.items)
        if single:
            self.query_one("#testing-single", Static).update(self._single_text(data))
            if not self.grid.display and (self.app.focused is None or self.app.focused is self.grid):
                self.focus()  # the keys (w, a, L) stay at hand with no grid to hold the focus
        columns = [GridColumn(a.letter, a.description, bool(a.rule) and a.letter not in m.rule_problems)
                   for a in m.steps.attributes]
        self.grid.empty_text = ("No sample yet: press t to select it." if m.population_id else
                                "No population yet: press i to import it.")
        self.grid.set_data(columns, [grid_row(it) for it in m.items])
        self._update_steps()
        self._update_detail()
        self.refresh_bindings()  # `w` applies only to a walkthrough or test of one (check_action)

    def focus_first_open(self) -> None:
        """Put the cursor on the first item with a cell still to test or to confirm (after a selection)."""
        grid = self.grid
        for i, row in enumerate(grid.rows):
            for n, cell in enumerate(row.cells):
                if cell.proposed or cell.result is R.untested:
                    grid.move_to(i, n)
                    grid.focus()
                    return
        grid.focus()

    def _update_steps(self) -> None:
        m = self.data.matrix
        text = Text()
        objective = m.steps.objective or "no test objective yet (a)"
        text.append("Objective  ", style="bold")
        text.append_text(safe_text(objective))
        for a in m.steps.attributes:
            text.append(f"\n{a.letter:>9}  ", style="bold")
            text.append_text(safe_text(a.description))
            if a.rule:
                problem = m.rule_problems.get(a.letter)
                text.append("  rule ", style=role("done"))
                text.append_text(safe_text(a.rule, role("warning") if problem else role("accent")))
                if problem:
                    text.append(f"  ✗ {visible(problem)}", style=role("warning"))
        if not m.steps.attributes:
            text.append("\n           no attributes yet: a to set them, L for the library's", style=role("warning"))
        if m.approach.kind != SAMPLE:  # a walkthrough or test of one: no matrix to count, no extract to read
            self.query_one("#testing-steps", Static).update(text)
            return
        text.append("\nC&A        ", style="bold")
        if m.population_id is None:
            text.append("no population yet", style=role("done"))
        elif m.rules_offered:
            ex = m.extract
            text.append_text(safe_text(f"{ex.source_system} · {ex.query} · {ex.rows:,} rows reconciled to the "
                                       f"client's {ex.client_count:,}", role("ok")))
        else:
            text.append(f"rules wait for {', '.join(m.ipe_gaps)} (k)", style=role("warning"))
        text.append("\n")
        text.append_text(self._counts_text())
        self.query_one("#testing-steps", Static).update(text)

    def _counts_text(self) -> Text:
        letters = [c.letter for c in self.grid.columns]
        counts = matrix_counts(letters, [dict(zip(letters, r.cells, strict=False)) for r in self.grid.rows])
        text = Text("Tested     ", style="bold")
        text.append(f"{counts.tested} of {counts.items} items · ")
        text.append(f"{counts.deviations} with a deviation", style=role("severe") if counts.deviations else role("ok"))
        if counts.proposed:
            text.append(f" · {counts.proposed} proposed cells to confirm (y cell · Y column)", style=role("warning"))
        per = [f"{lt} {n}" for lt, n in counts.by_attribute.items() if n]
        if per:
            text.append(" · by attribute: " + ", ".join(per), style=role("done"))
        legend = "   " + "  ".join(TICKMARKS[r] if TICKMARKS[r] == RESULT_WORD[r] else f"{TICKMARKS[r]} {RESULT_WORD[r]}"
                                   for r in (R.passed, R.deviation, R.not_applicable, R.untested))
        text.append(legend + "  ✓? proposed  * has a rule", style=role("done"))
        return text

    def _single_text(self, data: PanelData) -> Text:
        view = data.single
        text = Text()
        t = view.test if view else None
        if t is None:
            text.append("Nothing recorded yet: press w to record it.", style=role("warning"))
            return text
        what = "Walkthrough" if t.kind == "walkthrough" else "Test of one"
        text.append(f"{what} of ", style="bold")
        text.append_text(safe_text(f"{t.instance} on {t.performed_on}: {RESULT_WORD[t.result]}"))
        text.append("\n")
        text.append_text(safe_text(t.description))
        if t.kind != "walkthrough":
            text.append("\nConfiguration ", style="bold")
            text.append_text(safe_text(t.configuration))
            text.append("\nITGC reliance ", style="bold")
            text.append_text(safe_text(f"{', '.join(t.itgc_refs)} — {t.itgc_basis}"))
        for p in view.problems:
            text.append(f"\nstill needed: {visible(p)}", style=role("warning"))
        return text

    def _update_detail(self) -> None:
        grid = self.grid
        row, letter = grid.cursor_row, grid.cursor_letter
        detail = self.query_one("#testing-detail", Static)
        if row is None or letter is None or self.data is None:
            detail.update("")
            return
        attr = next(a for a in self.data.matrix.steps.attributes if a.letter == letter)
        cell = grid.cell_at(row, letter)
        state = RESULT_WORD[cell.result]
        if cell.proposed and cell.result is not R.untested:
            state = f"proposed {state} — y confirms"
        basis = (f"evidence #{cell.evidence_id}" if cell.evidence_id else "seen in the population extract"
                 if cell.seen_in_extract else row.evidence and f"item evidence {row.evidence}" or "—")
        parts = [f"{row.key} · {letter} — {attr.description}: {state}", f"basis {basis}"]
        if cell.reason:
            parts.append(f"rule: {cell.reason}")
        if cell.note:
            parts.append(f"note: {cell.note}")
        detail.update(visible(" · ".join(parts)))

    def on_testing_grid_cursor_moved(self, event: TestingGrid.CursorMoved) -> None:
        event.stop()
        self._update_detail()

    # -- writing cells (optimistic, in workers) --------------------------------------------------------------
    def _written(self, item) -> None:
        self.grid.replace_row(grid_row(item))
        self._settle_write()

    def _settle_write(self) -> None:
        self._pending -= 1
        self._update_steps()
        self._update_detail()
        if self._pending <= 0:
            self._pending = 0
            self.post_message(DataChanged("testing"))

    def _write(self, fn, revert, then=None) -> None:
        self._pending += 1

        def failed(exc: BaseException) -> bool:
            revert()
            self._settle_write()
            return False  # the kit's handler says why

        def done(item) -> None:
            self._written(item)
            if then is not None:
                then()

        workers.run(self, fn, done=done, failed=failed, group="testing-cells")

    def on_testing_grid_cell_chosen(self, event: TestingGrid.CellChosen) -> None:
        from fieldwork_tui.services import sampling

        event.stop()
        row, letter, result, previous = event.row, event.letter, event.result, event.previous
        confirms_proposal = previous.proposed and previous.result is R.passed
        item_evidence = int(row.evidence[1:]) if row.evidence else None
        if result is R.passed and not confirms_proposal and pass_basis_problem(previous, item_evidence):
            self._ask_basis(row, letter)
            return
        shown = Cell(result, False, previous.note, previous.evidence_id,
                     previous.seen_in_extract or (confirms_proposal and result is R.passed),
                     previous.reason if result is not R.untested else "")
        self.grid.apply(row.item_id, letter, shown)
        if result is not R.untested:
            self.grid.advance()
        self._update_steps()
        self._update_detail()
        deviates = result is R.deviation and previous.counted is not R.deviation
        self._write(lambda: sampling.set_cell(self.handle, row.item_id, letter, result),
                    lambda: self.grid.apply(row.item_id, letter, previous),
                    then=(lambda: self.post_message(self.DeviationMarked(row.key, row.item_id, letter)))
                    if deviates else None)

    def _ask_basis(self, row: GridRow, letter: str | None) -> None:
        """A pass without a basis: ask for it (the extract, or an evidence file) before writing."""
        from fieldwork_tui.services import sampling
        from fieldwork_tui.tui.dialogs.testing import PassBasisForm

        evidence = self.data.evidence if self.data else ()
        what = f"{visible(row.key)} · {letter}" if letter else f"{visible(row.key)} · every attribute"

        def save(v: dict):
            if letter:
                return sampling.set_cell(self.handle, row.item_id, letter, R.passed, **v)
            if v["evidence_id"] is not None:
                sampling.link_evidence(self.handle, row.item_id, v["evidence_id"])
            return sampling.pass_row(self.handle, row.item_id, seen_in_extract=v["seen_in_extract"])

        def saved(item) -> None:
            if item is not None:
                self._pending += 1
                self._written(item)
                self.grid.advance()

        self.app.push_screen(PassBasisForm(what, evidence, save=save), saved)

    def on_testing_grid_row_passed(self, event: TestingGrid.RowPassed) -> None:
        from fieldwork_tui.services import sampling

        event.stop()
        row = event.row
        item_evidence = int(row.evidence[1:]) if row.evidence else None
        lacking = [c for c in row.cells if not (c.proposed and c.result is R.passed)
                   and pass_basis_problem(c, item_evidence)]
        if lacking:
            self._ask_basis(row, None)
            return
        before = row
        passed = tuple(Cell(R.passed, False, c.note, c.evidence_id, c.seen_in_extract or c.proposed, c.reason)
                       for c in row.cells)
        self.grid.replace_row(replace(row, cells=passed))
        self.grid.advance()
        self._update_steps()
        self._write(lambda: sampling.pass_row(self.handle, row.item_id), lambda: self.grid.replace_row(before))

    def on_testing_grid_confirm_requested(self, event: TestingGrid.ConfirmRequested) -> None:
        from fieldwork_tui.services import sampling
        from fieldwork_tui.tui.kit.confirm import confirm

        event.stop()
        letter, row = event.letter, event.row
        if row is not None:
            cell = self.grid.cell_at(row, letter)
            if not (cell.proposed and cell.result is not R.untested):
                self.app.notify("Nothing proposed in this cell to confirm.", severity="warning")
                return
            self.grid.apply(row.item_id, letter, replace(cell, proposed=False,
                                                         seen_in_extract=cell.seen_in_extract or cell.result is R.passed))
            self.grid.advance()
            self._update_steps()
            self._pending += 1
            workers.run(self, lambda: sampling.confirm(self.handle, self.ref, letter, [row.item_id]),
                        done=lambda _n: self._settle_write(),
                        failed=lambda _e: (self.grid.apply(row.item_id, letter, cell), self._settle_write())[-1],
                        group="testing-cells")
            return
        proposed = sum(1 for r in self.grid.rows for c in [self.grid.cell_at(r, letter)]
                       if c.proposed and c.result is not R.untested)
        if not proposed:
            self.app.notify(f"No proposals to confirm in attribute {letter}.", severity="warning")
            return

        def go() -> None:
            workers.run(self, lambda: sampling.confirm(self.handle, self.ref, letter),
                        done=lambda n: self._reload(f"{n} proposals of {letter} confirmed"), group="testing")

        confirm(self, f"Confirm attribute {letter}", f"Confirm the {proposed} results the rule proposed for "
                f"attribute {letter}? They then count as tested; a confirmed pass rests on the population extract "
                f"the rule read.", go, yes="Confirm")

    # -- everything else reloads the panel -------------------------------------------------------------------
    def _reload(self, message: str | None = None) -> None:
        if message:
            self.app.notify(visible(message))
        workers.run(self, lambda: fetch_panel(self.handle, self.ref), done=self.show, group="testing-load",
                    exclusive=True)
        self.post_message(DataChanged("testing"))

    def action_edit_steps(self) -> None:
        from fieldwork_tui.services import sampling
        from fieldwork_tui.tui.dialogs.testing import TestStepsForm

        if self.data is None:
            return
        m = self.data.matrix
        specs = [a.spec() for a in m.steps.attributes]
        columns = list(m.columns) if m.population_id else None

        def save(v: dict):
            return sampling.set_steps(self.handle, self.ref, v["objective"], v["attributes"], drop_results=v["drop_results"])

        self.app.push_screen(TestStepsForm(self.ref, m.steps.objective, specs, columns, save=save),
                             lambda r: r is not None and self._reload("Test steps saved"))

    def action_library_steps(self) -> None:
        from fieldwork_tui.services import sampling
        from fieldwork_tui.tui.kit.confirm import confirm

        def go() -> None:
            workers.run(self, lambda: sampling.steps_from_library(self.handle, self.ref),
                        done=lambda v: self._reload(f"Library steps taken ({v.source.removeprefix('library:')})"),
                        group="testing")

        confirm(self, "Library steps", f"Replace the test steps of {self.ref} with the firm library's? Attributes "
                "keep their results where the letter stays.", go, yes="Replace")

    def action_extract(self) -> None:
        from fieldwork_tui.services import sampling
        from fieldwork_tui.tui.dialogs.testing import ExtractForm

        if self.data is None or self.data.matrix.population_id is None:
            self.app.notify("Import the population first (i).", severity="warning")
            return
        ex = self.data.matrix.extract

        def save(v: dict):
            return sampling.record_extract(self.handle, self.ref, **v)

        self.app.push_screen(ExtractForm(self.ref, ex.rows, ex.source_system, ex.query, ex.client_count, ex.note, save=save),
                             lambda r: r is not None and self._reload("Completeness and accuracy recorded"))

    def action_propose(self) -> None:
        from fieldwork_tui.services import sampling

        def done(summary) -> None:
            total = sum(p + d for p, d, _u in summary.proposed.values())
            self._reload(f"{total} cells proposed from the rules; confirm them (y, Y)")

        workers.run(self, lambda: sampling.propose(self.handle, self.ref), done=done, group="testing")

    def action_run_population(self) -> None:
        from fieldwork_tui.services import sampling

        def done(runs) -> None:
            lines = [f"{r.letter}: {r.not_met + r.undecided} of {r.rows} rows differ" for r in runs]
            open_ = sum(r.not_met + r.undecided for r in runs)
            tail = (f" — {open_} need a disposition (Re-performance tab, d)" if open_
                    else " (Re-performance tab)")
            self._reload("Re-performed over the population — " + "; ".join(lines) + tail)

        workers.run(self, lambda: sampling.run_over_population(self.handle, self.ref), done=done, group="testing")

    def action_note(self) -> None:
        from fieldwork_tui.services import sampling
        from fieldwork_tui.tui.kit.forms import PromptDialog

        row, letter = self.grid.cursor_row, self.grid.cursor_letter
        if row is None or letter is None:
            return
        cell = self.grid.cell_at(row, letter)
        self.app.push_screen(
            PromptDialog(f"Note on {visible(row.key)} · {letter}", "What was inspected, what was found", cell.note,
                         multiline=True, save=lambda text: sampling.set_cell_note(self.handle, row.item_id, letter, text)),
            lambda item: item is not None and (self.grid.replace_row(grid_row(item)), self._update_detail()))

    def action_link(self) -> None:
        from fieldwork_tui.services.sampling import link_evidence
        from fieldwork_tui.tui.dialogs.sampling import LinkEvidenceDialog

        row = self.grid.cursor_row
        if row is None or self.data is None:
            return
        current = int(row.evidence[1:]) if row.evidence else None
        handle, choices = self.handle, list(self.data.evidence)
        self.app.push_screen(
            LinkEvidenceDialog(row.key, current, fetch=lambda: choices,
                               save=lambda v: link_evidence(handle, row.item_id, v["evidence_id"])),
            lambda saved: saved is not None and self._reload("Evidence linked"))

    def action_attach(self) -> None:
        from fieldwork_tui.services.sampling import attach_item_file
        from fieldwork_tui.tui.kit.forms import PromptDialog

        row = self.grid.cursor_row
        if row is None:
            return

        def chosen(path: str | None) -> None:
            if path and path.strip():
                workers.run(self, lambda: attach_item_file(self.handle, row.item_id, path.strip()),
                            done=lambda _i: self._reload("File attached and linked to the item"), group="testing")

        self.app.push_screen(PromptDialog(f"Attach a file to {visible(row.key)}", "Path of the file",
                                          required="path: the file to attach"), chosen)

    def action_exception(self) -> None:
        row, letter = self.grid.cursor_row, self.grid.cursor_letter
        if row is None or letter is None:
            return
        if self.grid.cell_at(row, letter).counted is not R.deviation:
            self.app.notify("Only a confirmed deviation becomes an exception (mark it with d).", severity="warning")
            return
        self.exception_for(row.item_id, letter)

    def exception_for(self, item_id: int, letter: str) -> None:
        """The exception form for a deviating cell, its wording drafted from the attribute."""
        from fieldwork_tui.services import sampling
        from fieldwork_tui.tui.screens.exceptions import open_exception_form

        workers.run(self, lambda: sampling.exception_draft(self.handle, item_id, letter),
                    done=lambda draft: open_exception_form(self.screen, draft,
                                                           on_saved=lambda: self._reload("Exception recorded")),
                    group="testing")

    def action_export_workbook(self) -> None:
        from fieldwork_tui.services.sampling import export_testing
        from fieldwork_tui.tui.kit.forms import PromptDialog

        default = str(Path.home() / f"testing-{self.ref}.xlsx")
        self.app.push_screen(PromptDialog(f"Export the testing workbook of {self.ref}", "Write to (.xlsx)", default,
                                          required="path: where to write the workbook",
                                          save=lambda path: export_testing(self.handle, self.ref, path)),
                             lambda r: r is not None and self.app.notify(visible(r.describe())))

    def action_import_workbook(self) -> None:
        from fieldwork_tui.services.sampling import import_testing
        from fieldwork_tui.tui.kit.forms import PromptDialog

        self.app.push_screen(PromptDialog(f"Import a testing workbook into {self.ref}", "Read from (.xlsx)",
                                          required="path: the filled-in workbook",
                                          subtitle="All or nothing: a bad cell is named and nothing is imported.",
                                          save=lambda path: import_testing(self.handle, self.ref, path)),
                             lambda r: r is not None and self._reload(r.describe()))

    def action_single_test(self) -> None:
        from fieldwork_tui.services import sampling
        from fieldwork_tui.services.engagements import today
        from fieldwork_tui.tui.dialogs.testing import SingleTestForm

        if self.data is None:
            return
        m = self.data.matrix
        if m.approach.kind == SAMPLE:
            self.app.notify(m.approach.explanation, severity="warning")
            return
        t = self.data.single.test if self.data.single else None
        current = None if t is None else {
            "instance": t.instance, "performed_on": t.performed_on, "description": t.description,
            "configuration": t.configuration, "itgc_refs": t.itgc_refs, "itgc_basis": t.itgc_basis,
            "evidence_ids": t.evidence_ids, "result": t.result.value}
        self.app.push_screen(
            SingleTestForm(self.ref, m.approach.kind, m.approach.explanation, current, list(self.data.evidence),
                           today().isoformat(), save=lambda v: sampling.record_single_test(self.handle, self.ref, **v)),
            lambda r: r is not None and self._reload("Recorded"))

    #: Items of the sample that cannot be tested (set by the Sampling tab): while there are any, `r`
    #: is the tab's "replace them in rank order", not "propose".
    untestable = 0

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "propose" and self.untestable:
            return False
        if self.data is None:
            return True
        sample = self.data.matrix.approach.kind == SAMPLE
        if action == "single_test":
            return not sample
        return True
