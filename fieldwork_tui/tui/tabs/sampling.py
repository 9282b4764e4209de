"""Sampling tab: the control's population, the policy size with its detection probabilities, the
sample, and its testing matrix (`tabs.testing_panel`: the test steps, the grid of items × attributes —
p pass · d deviation · n not applicable · P pass the row · y/Y confirm the rules' proposals — notes,
evidence, exceptions, the testing workbook). A deviation prompts the expansion (or says why it cannot
be sampled away). A Type I engagement (walkthrough) and an automated control (test of one) say so here
instead of sampling. Items that cannot be tested (outside the audit period, dated after today)
say why; r replaces them in rank order. m shows the sample's whole method record (engagement uid,
method, seed, population hash, strata of every draw, reconciliation) — what a reviewer needs to
re-derive it (docs/sampling-method.md).

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

from fieldwork_tui.domain.attributes import SAMPLE
from fieldwork_tui.domain.vocab import DeviationConclusion, SampleResult
from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.safe_text import safe_text
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.tabs.base import ControlTab
from fieldwork_tui.tui.tabs.testing_panel import TestingPanel, fetch_panel


def _pct(p: float) -> str:
    return f"{p:.0%}"


class SamplingTab(ControlTab):
    BINDINGS = [
        Binding("i", "import_population", "Import", id="sampling.import", tooltip="Import the population (CSV/XLSX)"),
        Binding("t", "take_sample", "Sample", id="sampling.take", tooltip="Select the sample from the population"),
        Binding("e", "expand", "Expand", id="sampling.expand", tooltip="Expand the sample after a deviation"),
        Binding("c", "conclude", "Conclude", id="sampling.conclude", tooltip="Conclude on the deviation"),
        Binding("b", "browse", "Population", show=False, id="sampling.browse", tooltip="Browse the population rows"),
        Binding("r", "replace_untestable", "Replace", show=False, id="sampling.replace",
                tooltip="Replace items that cannot be tested by the next in rank order in their stratum"),
        Binding("m", "method_record", "Method", show=False, id="sampling.method",
                tooltip="Show or hide the sample's whole method record (uid, seed, hash, strata, reconciliation)"),
        Binding("v", "verify", "Verify", show=False, id="sampling.verify",
                tooltip="Re-derive the selection from the stored population"),
    ]
    DEFAULT_CSS = """
    SamplingTab #sampling-summary { height: auto; padding: 0 1; }
    SamplingTab #sampling-progress { height: auto; padding: 0 1; display: none; }
    SamplingTab #sampling-progress.busy { display: block; }
    SamplingTab #sampling-testing { height: 1fr; }
    """

    def __init__(self, ref: str, **kwargs) -> None:
        super().__init__(ref, **kwargs)
        self.view = None
        self.approach = None  # how the control is tested (sample, walkthrough, test of one): from the matrix
        self._to_untested = False  # after a selection: put the cursor on the first item to test
        self.show_method = False  # m: the whole method record in the summary

    def compose(self) -> ComposeResult:
        yield Static(id="sampling-summary")
        yield ProgressBar(id="sampling-progress", show_eta=False)
        yield TestingPanel(self.ref, id="sampling-testing")

    @property
    def panel(self) -> TestingPanel:
        return self.query_one("#sampling-testing", TestingPanel)

    def on_show(self) -> None:
        grid = self.panel.grid
        (grid if grid.display else self.panel).focus()

    # -- data ---------------------------------------------------------------------------------------
    def refresh_data(self, records=None) -> None:
        from fieldwork_tui.services.sampling import sample_view

        view = self.screen.run_guarded(lambda: sample_view(self.handle, self.ref))
        if view is None:
            return
        self.view = view
        self.panel.untestable = len(view.untestable)
        self.query_one("#sampling-summary", Static).update(self._summary(view))
        workers.run(self, lambda: fetch_panel(self.handle, self.ref), done=self._show_panel, group="sampling-panel",
                    exclusive=True, description="load the testing matrix")

    def _show_panel(self, data) -> None:
        self.approach = data.matrix.approach
        if self.view is not None:
            self.query_one("#sampling-summary", Static).update(self._summary(self.view))
        self.panel.show(data)
        if self._to_untested:
            self._to_untested = False
            self.panel.focus_first_open()

    def _summary(self, view) -> Table:
        p = view.plan
        t = Table.grid(padding=(0, 2), expand=True)
        t.add_column(style="bold", width=14)
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
        if self.approach is not None and self.approach.kind != SAMPLE:
            t.add_row("Approach", safe_text(self.approach.explanation, role("accent")))
            return t
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
            if s.override_reason:
                line.append(f" · override: {s.override_reason}", style="yellow")
            t.add_row("Sample", line)
            if self.show_method:
                self._method_rows(t, view)
            else:
                uid = view.engagement_uid if len(view.engagement_uid) <= 12 else view.engagement_uid[:8] + "…"
                t.add_row("Method", Text(f"{s.method} · seed {s.seed[:12]}… · engagement uid {uid} · "
                                         "m shows the whole record", style="dim"))
                empty = [f"{x.number} ({x.start.isoformat()} to {x.end.isoformat()})"
                         for strata in view.strata.values() for x in strata if x.empty]
                if empty:
                    t.add_row("Strata", Text("no population rows in " + ", ".join(empty), style="yellow"))
            if view.untestable:
                n = len(view.untestable)
                t.add_row("Untestable", Text(f"{n} item{'s' if n != 1 else ''} cannot be tested (outside the audit "
                                             "period or dated after today): r replaces them by the next in rank "
                                             "order in their stratum", style="bold yellow"))
            if view.passed_over or view.replaced:
                t.add_row("Not drawn", Text(f"{len(view.passed_over)} passed over at selection, {len(view.replaced)} "
                                            "replaced — not testable in the period; the workpaper lists each with "
                                            "its reason", style="dim"))
            if devs:
                t.add_row("Deviation", self._rule_text(view))
        return t

    def _method_rows(self, t: Table, view) -> None:
        """The sample's whole method record, as `fieldwork sample` prints it and the workpaper lists it."""
        s = view.initial
        t.add_row("Method", Text(f"{s.method} (docs/sampling-method.md)"))
        t.add_row("Engagement uid", Text(view.engagement_uid, style="cyan"))
        t.add_row("Seed", Text(s.seed, style="cyan"))
        t.add_row("Pop. SHA-256", Text(s.population_sha256, style="cyan"))
        if s.strata_start and s.strata_end:
            t.add_row("Strata span", Text(f"{s.strata_start.isoformat()} to {s.strata_end.isoformat()}"
                                          + (f" · drawn on {s.selected_on.isoformat()}" if s.selected_on else "")))
        for draw_id, strata in view.strata.items():
            if not strata:  # a v1 draw without a date column records no strata
                continue
            kind = "initial" if draw_id == s.id else "expansion"
            # a stratum is never split over two lines: wrapped here at the summary's width
            width = max((self.size.width or 130) - 20, 40)
            line, used = Text(f"{kind} #{draw_id}: "), len(f"{kind} #{draw_id}: ")
            for n, x in enumerate(strata):
                cell = (f"{x.number}) {x.start.isoformat()} to {x.end.isoformat()}: {x.rows} "
                        f"row{'s' if x.rows != 1 else ''}, {x.selected} drawn")
                if n and used + 3 + len(cell) > width:
                    line.append(" ·\n")
                    used = 0
                elif n:
                    line.append(" · ")
                    used += 3
                line.append(cell, style="yellow" if x.empty else "")
                used += len(cell)
            t.add_row("Strata", line)
        for n, text in enumerate(view.reconciliation):
            t.add_row("Reconciliation" if n == 0 else "", Text(text, style="red" if "NOT reconciled" in text else ""))

    def action_method_record(self) -> None:
        if self.view is None or self.view.initial is None:
            self.notify("No sample yet: the method record is written when the sample is drawn.", severity="warning")
            return
        self.show_method = not self.show_method
        self.query_one("#sampling-summary", Static).update(self._summary(self.view))

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

    # -- after a deviation ---------------------------------------------------------------------------
    def on_testing_panel_deviation_marked(self, event: TestingPanel.DeviationMarked) -> None:
        event.stop()
        self._prompt_deviation(event.key, event.item_id, event.letter)

    def _prompt_deviation(self, key: str, item_id: int, letter: str) -> None:
        """Expand the sample, record the exception, or decide later (and why expanding cannot help)."""
        from fieldwork_tui.domain.sampling import cannot_sample_away_message
        from fieldwork_tui.tui.dialogs.sampling import DeviationDialog

        view = self.view
        if view is None or view.initial is None:
            return
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
                self.panel.exception_for(item_id, letter)

        self.app.push_screen(DeviationDialog(f"{key} · {letter}", message, expand), chosen)

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

    def action_replace_untestable(self) -> None:
        if self.view is None or not self.view.untestable:
            self.notify("Every item of the sample can be tested; nothing to replace.")
            return
        self._busy(True)
        self._replace_worker()

    @work(thread=True, exclusive=True, group="sampling")
    def _replace_worker(self) -> None:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.sampling import replace_untestable

        before = {r.key for r in self.view.replaced} if self.view else set()
        try:
            view = replace_untestable(self.handle, self.ref)
        except FieldworkError as exc:
            self.app.call_from_thread(self._done, None, str(exc))
            return
        done = [r for r in view.replaced if r.key not in before]
        words = ", ".join(f"{r.key} → {r.replaced_by or 'none left in its stratum (removed)'}" for r in done)
        self.app.call_from_thread(self._done, f"Replaced {len(done)}: {words}", None)

    def palette_commands(self):
        yield ("Import population", f"Import the population of {self.ref}", self.action_import_population)
        yield ("Take sample", f"Select the sample of {self.ref}", self.action_take_sample)
        yield ("Expand sample", "Expand after a deviation", self.action_expand)
        yield ("Conclude deviation", "Isolated or systematic", self.action_conclude)
        yield ("Browse population", "Scroll the population rows", self.action_browse)
        yield ("Edit test steps", f"The test objective and attributes of {self.ref}", self.panel.action_edit_steps)
        yield ("Record completeness and accuracy", "Source system, query and the client's count of the population",
               self.panel.action_extract)
        yield ("Propose from rules", "The attributes' rules propose the untested cells", self.panel.action_propose)
        yield ("Rules over the population", "Re-perform the rules over every row", self.panel.action_run_population)
        yield ("Export testing workbook", "The matrix as .xlsx to fill in at the client", self.panel.action_export_workbook)
        yield ("Import testing workbook", "Read a filled-in workbook back", self.panel.action_import_workbook)
        yield ("Attach file to item", "Copy a file into the vault for the item under the cursor", self.panel.action_attach)
        yield ("Walkthrough / test of one", "Type I or automated: record the single test", self.panel.action_single_test)
        yield ("Verify sample", "Re-derive the selection from the stored population", self.action_verify)
        yield ("Replace untestable items", "Items outside the period or after today: next in rank order",
               self.action_replace_untestable)

