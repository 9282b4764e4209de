"""Sampling tab: the control's population, the policy size with its detection probabilities, the
sample, and a fast keyboard loop over its items (p pass · d deviation · n not applicable · o note ·
l link evidence). A deviation prompts the expansion (or says why it cannot be sampled away).

Importing and selecting read whole populations, so they run in worker threads with a progress bar.
"""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import ProgressBar, Static

from fieldwork_tui.domain.vocab import DeviationConclusion, SampleResult
from fieldwork_tui.tui.tabs.base import ControlTab
from fieldwork_tui.tui.widgets.virtual_table import Column, ListSource, Row, VirtualTable

ITEM_COLUMNS = [Column("pos", "#", 4, justify="right"), Column("key", "Item", 16), Column("date", "Date", 10),
                Column("kind", "Sample", 9), Column("result", "Result", 14), Column("note", "Note", 44),
                Column("evidence", "Evidence", 8)]
RESULT_STYLE = {SampleResult.untested: "dim", SampleResult.passed: "green", SampleResult.deviation: "bold red",
                SampleResult.not_applicable: "cyan"}
RESULT_LABEL = {SampleResult.untested: "untested", SampleResult.passed: "pass", SampleResult.deviation: "DEVIATION",
                SampleResult.not_applicable: "n/a"}


def _pct(p: float) -> str:
    return f"{p:.0%}"


class SamplingTab(ControlTab):
    BINDINGS = [
        Binding("p", "mark('passed')", "Pass", id="sampling.pass", tooltip="Mark the item as passed and go to the next"),
        Binding("d", "mark('deviation')", "Deviation", id="sampling.deviation",
                tooltip="Mark the item as a deviation (prompts the expansion)"),
        Binding("n", "mark('not_applicable')", "N/A", id="sampling.na", tooltip="Mark the item not applicable"),
        Binding("u", "mark('untested')", "Untested", show=False, id="sampling.untested",
                tooltip="Reset the item to untested"),
        Binding("o", "note", "Note", id="sampling.note", tooltip="Write a note on the item"),
        Binding("l", "link", "Evidence", id="sampling.link", tooltip="Link an evidence file to the item"),
        Binding("f", "attach", "Attach file", show=False, id="sampling.attach",
                tooltip="Copy a file into the vault and link it to the item"),
        Binding("x", "exception", "Exception", show=False, id="sampling.exception",
                tooltip="Record an exception for the deviating item"),
        Binding("i", "import_population", "Import", id="sampling.import", tooltip="Import the population (CSV/XLSX)"),
        Binding("t", "take_sample", "Sample", id="sampling.take", tooltip="Select the sample from the population"),
        Binding("e", "expand", "Expand", id="sampling.expand", tooltip="Expand the sample after a deviation"),
        Binding("c", "conclude", "Conclude", id="sampling.conclude", tooltip="Conclude on the deviation"),
        Binding("b", "browse", "Population", show=False, id="sampling.browse", tooltip="Browse the population rows"),
        Binding("v", "verify", "Verify", show=False, id="sampling.verify",
                tooltip="Re-derive the selection from the stored population"),
    ]
    DEFAULT_CSS = """
    SamplingTab #sampling-summary { height: auto; padding: 0 1; }
    SamplingTab #sampling-progress { height: auto; padding: 0 1; display: none; }
    SamplingTab #sampling-progress.busy { display: block; }
    SamplingTab #sampling-items { height: 1fr; }
    """

    def __init__(self, ref: str, **kwargs) -> None:
        super().__init__(ref, **kwargs)
        self.view = None
        self._to_untested = False  # after a selection: put the cursor on the first item to test

    def compose(self) -> ComposeResult:
        yield Static(id="sampling-summary")
        yield ProgressBar(id="sampling-progress", show_eta=False)
        yield VirtualTable(ListSource(ITEM_COLUMNS, []), id="sampling-items")

    def on_show(self) -> None:
        self.query_one("#sampling-items", VirtualTable).focus()

    # -- data ---------------------------------------------------------------------------------------
    def refresh_data(self, records=None) -> None:
        from fieldwork_tui.services.sampling import sample_view

        view = self.screen.run_guarded(lambda: sample_view(self.handle, self.ref))
        if view is None:
            return
        self.view = view
        self.query_one("#sampling-summary", Static).update(self._summary(view))
        table = self.query_one("#sampling-items", VirtualTable)
        table.empty_text = ("No population yet: press i to import it." if view.plan.population is None
                            else "No sample yet: press t to select it.")
        kinds = {view.initial.id: "initial"} if view.initial else {}
        kinds.update({x.id: "expansion" for x in view.expansions})
        rows = [Row(key=item.id, cells=[
            str(n), item.key, item.occurred_on.isoformat() if item.occurred_on else "", kinds.get(item.sample_id, ""),
            Text(RESULT_LABEL[item.result], style=RESULT_STYLE[item.result]), item.note,
            f"#{item.evidence_id}" if item.evidence_id else ""]) for n, item in enumerate(view.items, 1)]
        table.set_source(ListSource(ITEM_COLUMNS, rows))
        if self._to_untested:
            self._to_untested = False
            untested = [n for n, item in enumerate(view.items) if item.result is SampleResult.untested]
            if untested:
                table.move_cursor(untested[0])

    def _summary(self, view) -> Table:
        p = view.plan
        t = Table.grid(padding=(0, 2), expand=True)
        t.add_column(style="bold", width=11)
        t.add_column(ratio=1)
        pop = p.population
        if pop is None:
            t.add_row("Population", Text("none imported (i)", style="yellow"))
        else:
            rec = Text(f"{pop.row_count:,} rows from {pop.source_name} · key {pop.key_column}"
                       f"{' · date ' + pop.date_column if pop.date_column else ''} · SHA-256 {pop.sha256[:12]}")
            if pop.expected_count is not None:
                ok = pop.expected_count == pop.row_count
                rec.append(f" · client count {pop.expected_count:,} ", style="")
                rec.append("reconciled" if ok else "NOT RECONCILED", style="green" if ok else "bold red")
            t.add_row("Population", rec)
        d = p.detection()
        policy = Text(f"{p.policy.name}: {p.size} ", style="")
        policy.append(f"({p.decision.label})", style="yellow" if p.decision.label == "judgmental" else "cyan")
        policy.append(f" · detects a control failing 5% of the time {_pct(d[0.05])}, 10%: {_pct(d[0.10])}")
        t.add_row("Policy", policy)
        t.add_row("", Text(p.decision.reason, style="dim"))
        if view.initial is not None:
            s = view.initial
            tested = view.size - view.count(SampleResult.untested)
            line = Text(f"{view.size} items ({s.size} initial"
                        f"{' + ' + str(view.size - s.size) + ' expansion' if view.expanded else ''}) · "
                        f"tested {tested}/{view.size} · ")
            devs = view.count(SampleResult.deviation)
            line.append(f"{devs} deviation{'s' if devs != 1 else ''}", style="bold red" if devs else "green")
            line.append(f" · seed {s.seed[:12]} · {s.method}", style="dim")
            if s.override_reason:
                line.append(f" · override: {s.override_reason}", style="yellow")
            t.add_row("Sample", line)
            if devs:
                t.add_row("Deviation", self._rule_text(view))
        return t

    def _rule_text(self, view) -> Text:
        from fieldwork_tui.domain.sampling import cannot_sample_away_message

        s = view.initial
        if s.conclusion is not None:
            text = Text(f"concluded {s.conclusion.value}",
                        style="bold red" if s.conclusion is DeviationConclusion.systematic else "bold green")
            if s.conclusion_reason:
                text.append(f" — {s.conclusion_reason}", style="")
            return text
        if view.plan.cannot_sample_away:
            return Text(cannot_sample_away_message(view.plan.frequency) + " Conclude (c).", style="yellow")
        if not view.expanded:
            return Text(f"expand {s.size} → {view.plan.policy.expanded_total(view.plan.frequency, s.size)} (e) "
                        f"or conclude (c)", style="bold yellow")
        rule = view.rule
        return Text(f"rule: {rule.conclusion.value if rule.conclusion else 'pending'} — {rule.explanation} (c)",
                    style="yellow")

    # -- item loop ----------------------------------------------------------------------------------
    @property
    def table(self) -> VirtualTable:
        return self.query_one("#sampling-items", VirtualTable)

    def _current_item(self):
        key = self.table.cursor_key
        if self.view is None or key is None:
            self.notify("No sample item here.", severity="warning")
            return None
        return next((i for i in self.view.items if i.id == key), None)

    def action_mark(self, result: str) -> None:
        from fieldwork_tui.services.sampling import mark

        item = self._current_item()
        if item is None:
            return
        if self.screen.run_guarded(lambda: mark(self.handle, item.id, result)) is None:
            return
        index = self.table.cursor
        self.changed("sample item")
        if result != SampleResult.untested.value:
            self.table.move_cursor(self._next_untested(index))
        if result == SampleResult.deviation.value:
            self.call_after_refresh(self._prompt_deviation, item.key, item.id)

    def _next_untested(self, index: int) -> int:
        items = self.view.items if self.view else []
        for i in list(range(index + 1, len(items))) + list(range(0, index)):
            if items[i].result is SampleResult.untested:
                return i
        return min(index + 1, max(len(items) - 1, 0))

    def _prompt_deviation(self, key: str, item_id: int) -> None:
        from fieldwork_tui.domain.sampling import cannot_sample_away_message
        from fieldwork_tui.tui.dialogs.sampling import DeviationDialog

        view = self.view
        p = view.plan
        if p.cannot_sample_away:
            message, expand = cannot_sample_away_message(p.frequency), None
        elif view.expanded:
            message, expand = ("A further deviation after the expansion: the rule concludes systematic. "
                               "Record the exception."), None
        else:
            total = p.policy.expanded_total(p.frequency, view.initial.size)
            message = (f"Investigate the cause, then expand the sample ({view.initial.size} → {total}, drawn "
                       f"deterministically, excluding the items already selected) or conclude the control is not "
                       f"operating effectively.")
            expand = f"Expand {view.initial.size} → {total}"

        def chosen(what: str | None) -> None:
            if what == "expand":
                self.action_expand()
            elif what == "exception":
                self._exception_for(item_id)

        self.app.push_screen(DeviationDialog(key, message, expand), chosen)

    def action_note(self) -> None:
        from fieldwork_tui.services.sampling import set_note
        from fieldwork_tui.tui.dialogs.sampling import TextDialog

        item = self._current_item()
        if item is None:
            return

        def save(text: str | None) -> None:
            if text is not None and self.screen.run_guarded(lambda: set_note(self.handle, item.id, text)) is not None:
                self.changed("sample item note")

        self.app.push_screen(TextDialog(f"Note on {item.key}", "What was inspected, what was found", item.note), save)

    def action_link(self) -> None:
        from fieldwork_tui.services.sampling import link_evidence, sample_evidence_choices
        from fieldwork_tui.tui.dialogs.sampling import LinkEvidenceDialog

        item = self._current_item()
        if item is None:
            return
        choices = self.screen.run_guarded(lambda: sample_evidence_choices(self.handle, self.ref)) or []

        def save(value: dict | None) -> None:
            if value is not None and self.screen.run_guarded(
                    lambda: link_evidence(self.handle, item.id, value["evidence_id"]), "Evidence linked") is not None:
                self.changed("sample item evidence")

        self.app.push_screen(LinkEvidenceDialog(item.key, choices, item.evidence_id), save)

    def action_attach(self) -> None:
        from fieldwork_tui.tui.dialogs.sampling import TextDialog

        item = self._current_item()
        if item is None:
            return

        def go(path: str | None) -> None:
            if path and path.strip():
                self._busy(True)
                self._attach_worker(item.id, path.strip())

        self.app.push_screen(TextDialog(f"Attach a file to {item.key}", "Path of the file", ""), go)

    @work(thread=True, exclusive=True, group="sampling")
    def _attach_worker(self, item_id: int, path: str) -> None:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.sampling import attach_item_file

        def progress(done, total, *_rest) -> None:
            self.app.call_from_thread(self.query_one("#sampling-progress", ProgressBar).update, total=total,
                                      progress=done)

        try:
            attach_item_file(self.handle, item_id, path, progress)
        except (FieldworkError, OSError) as exc:
            self.app.call_from_thread(self._done, None, str(exc))
            return
        self.app.call_from_thread(self._done, "File attached and linked to the item", None)

    def action_exception(self) -> None:
        item = self._current_item()
        if item is None:
            return
        if item.result is not SampleResult.deviation:
            self.notify("Only a deviating item becomes an exception (mark it with d).", severity="warning")
            return
        self._exception_for(item.id)

    def _exception_for(self, item_id: int) -> None:
        from fieldwork_tui.services.findings import draft_from_sample_item
        from fieldwork_tui.tui.screens.exceptions import open_exception_form

        draft = self.screen.run_guarded(lambda: draft_from_sample_item(self.handle, item_id))
        if draft is not None:
            open_exception_form(self.screen, draft, on_saved=lambda: self.changed("exception"))

    # -- population, selection, expansion, conclusion -----------------------------------------------
    def _busy(self, on: bool, total: int | None = None) -> None:
        bar = self.query_one("#sampling-progress", ProgressBar)
        bar.set_class(on, "busy")
        if on:
            bar.update(total=total, progress=0)

    def action_import_population(self) -> None:
        from fieldwork_tui.tui.dialogs.sampling import ImportPopulationDialog

        def go(values: dict | None) -> None:
            if values is not None:
                self._busy(True)
                self._import_worker(values)

        self.app.push_screen(ImportPopulationDialog(self.ref), go)

    @work(thread=True, exclusive=True, group="sampling")
    def _import_worker(self, values: dict) -> None:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.sampling import import_population

        def progress(done: int, total: int | None) -> None:
            self.app.call_from_thread(self.query_one("#sampling-progress", ProgressBar).update, total=total,
                                      progress=done)

        try:
            result = import_population(self.handle, self.ref, Path(values["path"]).expanduser(), key=values["key"],
                                       date=values["date"], expected_count=values["expected_count"],
                                       progress=progress)
        except FieldworkError as exc:
            self.app.call_from_thread(self._done, None, str(exc))
            return
        self.app.call_from_thread(self._done, result.describe(), None)

    def _done(self, message: str | None, error: str | None) -> None:
        self._busy(False)
        if error:
            self.notify(error, title="Not done", severity="error")
            return
        if message:
            self.notify(message)
        self.changed("sampling")

    def action_take_sample(self) -> None:
        from fieldwork_tui.tui.dialogs.sampling import SampleSizeDialog

        view = self.view
        if view is None or view.plan.population is None:
            self.notify("Import the population first (i).", severity="warning")
            return
        if view.initial is not None and view.initial.population_id == view.plan.population.id:
            self.notify(f"The sample of {view.initial.size} is already drawn from this population.")
            return
        p = view.plan

        def go(values: dict | None) -> None:
            if values is not None:
                self._busy(True)
                self._select_worker("take", values)

        self.app.push_screen(SampleSizeDialog(f"Select the sample of {self.ref}", p.size, p.decision.label,
                                              p.decision.reason), go)

    def action_expand(self) -> None:
        from fieldwork_tui.domain.sampling import cannot_sample_away_message
        from fieldwork_tui.tui.dialogs.sampling import SampleSizeDialog

        view = self.view
        if view is None or view.initial is None:
            self.notify("No sample to expand yet.", severity="warning")
            return
        p = view.plan
        if p.cannot_sample_away:
            self.notify(cannot_sample_away_message(p.frequency), severity="warning", timeout=8)
            return
        total = p.policy.expanded_total(p.frequency, view.initial.size)

        def go(values: dict | None) -> None:
            if values is not None:
                self._busy(True)
                self._select_worker("expand", values)

        self.app.push_screen(SampleSizeDialog(f"Expand the sample of {self.ref} (total after expansion)", total,
                                              "expansion", f"{p.policy.name}: {view.initial.size} → {total} after a "
                                              f"deviation; items already selected are excluded"), go)

    @work(thread=True, exclusive=True, group="sampling")
    def _select_worker(self, what: str, values: dict) -> None:
        from fieldwork_tui.services import sampling
        from fieldwork_tui.services.errors import FieldworkError

        try:
            fn = sampling.take_sample if what == "take" else sampling.expand
            view = fn(self.handle, self.ref, values["size"], values["reason"])
        except FieldworkError as exc:
            self.app.call_from_thread(self._done, None, str(exc))
            return
        self._to_untested = True
        self.app.call_from_thread(self._done, f"{view.size} items selected (seed {view.initial.seed[:12]})", None)

    def action_conclude(self) -> None:
        from fieldwork_tui.services.sampling import conclude_deviations
        from fieldwork_tui.tui.dialogs.sampling import ConcludeDialog

        view = self.view
        if view is None or view.initial is None or not view.count(SampleResult.deviation):
            self.notify("No deviation to conclude on.", severity="warning")
            return
        rule = view.rule
        options = [("isolated — no further deviation, one-off cause", "isolated"),
                   ("systematic — a pattern, a design gap or a repeat", "systematic")]

        def go(values: dict | None) -> None:
            if values is not None and self.screen.run_guarded(
                    lambda: conclude_deviations(self.handle, self.ref, values["conclusion"], values["reason"]),
                    f"Deviation concluded {values['conclusion']}") is not None:
                self.changed("sample conclusion")

        self.app.push_screen(ConcludeDialog(f"Conclude on the deviation · {self.ref}", options,
                                            rule.conclusion.value if rule and rule.conclusion else None,
                                            rule.explanation if rule else ""), go)

    def action_browse(self) -> None:
        from fieldwork_tui.tui.screens.population import PopulationScreen

        if self.view is None or self.view.plan.population is None:
            self.notify("No population imported yet (i).", severity="warning")
            return
        self.app.push_screen(PopulationScreen(self.ref, self.view.plan.population.id))

    def action_verify(self) -> None:
        if self.view is None or self.view.initial is None:
            self.notify("No sample to verify yet.", severity="warning")
            return
        self._busy(True)
        self._verify_worker()

    @work(thread=True, exclusive=True, group="sampling")
    def _verify_worker(self) -> None:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.sampling import verify_sample

        try:
            report = verify_sample(self.handle, self.ref)
        except FieldworkError as exc:
            self.app.call_from_thread(self._done, None, str(exc))
            return
        if report.ok:
            self.app.call_from_thread(self._done, "Verified: the same items re-derive from the stored population.",
                                      None)
        else:
            self.app.call_from_thread(self._done, None, "Selection does NOT re-derive: " + report.problems[0])

    def palette_commands(self):
        yield ("Import population", f"Import the population of {self.ref}", self.action_import_population)
        yield ("Take sample", f"Select the sample of {self.ref}", self.action_take_sample)
        yield ("Expand sample", "Expand after a deviation", self.action_expand)
        yield ("Conclude deviation", "Isolated or systematic", self.action_conclude)
        yield ("Browse population", "Scroll the population rows", self.action_browse)
        yield ("Attach file to item", "Copy a file into the vault for the item under the cursor", self.action_attach)
        yield ("Verify sample", "Re-derive the selection from the stored population", self.action_verify)

