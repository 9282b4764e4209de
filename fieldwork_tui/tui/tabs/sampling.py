"""Sampling tab: the control's population, the policy size with its detection probabilities, the
sample, and its testing matrix (`tabs.testing_panel`: the test steps, the grid of items × attributes —
p pass · d deviation · n not applicable · P pass the row · y/Y confirm the rules' proposals — notes,
evidence, exceptions, the testing workbook). A deviation prompts the expansion (or says why it cannot
be sampled away). A Type I engagement (walkthrough) and an automated control (test of one) say so here
instead of sampling. Items that cannot be tested (outside the audit period, dated after today)
say why; r replaces them in rank order, once confirmed. m shows the sample's whole method record
(engagement uid, method, seed, population hash, strata of every draw, reconciliation) — what a
reviewer needs to re-derive it (docs/sampling-method.md).

Every write runs in a worker (`kit.workers`); importing and selecting read whole populations, with a
progress bar.
"""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import ProgressBar, Static

from fieldwork_tui.domain.attributes import SAMPLE
from fieldwork_tui.domain.vocab import DeviationConclusion, SampleResult
from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.confirm import confirm
from fieldwork_tui.tui.kit.safe_text import safe_text, visible
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.tabs.base import ControlTab
from fieldwork_tui.tui.tabs.testing_panel import TestingPanel, fetch_panel


def _pct(p: float) -> str:
    return f"{p:.0%}"


class SamplingTab(ControlTab):
    TAB_LABEL = "Sampling"
    MAIN = "#testing-grid"
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
    SamplingTab #sampling-summary { height: auto; max-height: 16; padding: 0 1; }
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

    def compose_tab(self) -> ComposeResult:
        yield Static(id="sampling-summary")
        yield ProgressBar(id="sampling-progress", show_eta=False)
        yield TestingPanel(self.ref, id="sampling-testing")

    @property
    def panel(self) -> TestingPanel:
        return self.query_one("#sampling-testing", TestingPanel)

    def tab_main_widget(self):
        grid = self.panel.grid
        return grid if grid.display else self.panel

    # -- data ---------------------------------------------------------------------------------------
    def fetch(self, handle, ref: str):
        from fieldwork_tui.services.sampling import sample_view

        return sample_view(handle, ref), fetch_panel(handle, ref)

    def show(self, records, extra) -> None:
        view, data = extra
        self.view = view
        self.approach = data.matrix.approach
        self.panel.untestable = len(view.untestable)
        self.query_one("#sampling-summary", Static).update(self._summary(view))
        self.panel.show(data)
        if self._to_untested:
            self._to_untested = False
            self.panel.focus_first_open()

    def _summary(self, view) -> Table:
        p = view.plan
        t = Table.grid(padding=(0, 2), expand=True)
        t.add_column(style=role("strong"), width=14)
        t.add_column(ratio=1)
        pop = p.population
        if pop is None:
            t.add_row("Population", Text("none imported (i)", style=role("warning")))
        else:
            rec = Text(f"{pop.row_count:,} rows from {visible(pop.source_name)} · key {pop.key_column}"
                       f"{' · date ' + pop.date_column if pop.date_column else ''} · SHA-256 {pop.sha256[:12]}")
            if pop.expected_count is not None:
                ok = pop.expected_count == pop.row_count
                rec.append(f" · client count {pop.expected_count:,} ", style="")
                rec.append("reconciled" if ok else "NOT RECONCILED", style=role("ok") if ok else role("severe"))
            t.add_row("Population", rec)
        if self.approach is not None and self.approach.kind != SAMPLE:
            t.add_row("Approach", safe_text(self.approach.explanation, role("accent")))
            return t
        d = p.detection()
        policy = Text(f"{p.policy.name}: {p.size} ", style="")
        policy.append(f"({p.decision.label})", style=role("warning") if p.decision.label == "judgmental" else role("info"))
        policy.append(f" · detects a control failing 5% of the time {_pct(d[0.05])}, 10%: {_pct(d[0.10])}")
        t.add_row("Policy", policy)
        t.add_row("", Text(visible(p.decision.reason), style=role("muted")))
        if view.initial is not None:
            s = view.initial
            tested = view.size - view.count(SampleResult.untested)
            line = Text(f"{view.size} items ({s.size} initial"
                        f"{' + ' + str(view.size - s.size) + ' expansion' if view.expanded else ''}) · "
                        f"tested {tested}/{view.size} · ")
            devs = view.count(SampleResult.deviation)
            line.append(f"{devs} deviation{'s' if devs != 1 else ''}", style=role("severe") if devs else role("ok"))
            if s.override_reason:
                line.append(f" · override: {visible(s.override_reason)}", style=role("warning"))
            t.add_row("Sample", line)
            if self.show_method:
                self._method_rows(t, view)
            else:
                uid = view.engagement_uid if len(view.engagement_uid) <= 12 else view.engagement_uid[:8] + "…"
                t.add_row("Method", Text(f"{s.method} · seed {s.seed[:12]}… · engagement uid {uid} · "
                                         "m shows the whole record", style=role("muted")))
                empty = [f"{x.number} ({x.start.isoformat()} to {x.end.isoformat()})"
                         for strata in view.strata.values() for x in strata if x.empty]
                if empty:
                    t.add_row("Strata", Text("no population rows in " + ", ".join(empty), style=role("warning")))
            if view.untestable:
                n = len(view.untestable)
                t.add_row("Untestable", Text(f"{n} item{'s' if n != 1 else ''} cannot be tested (outside the audit "
                                             "period or dated after today): r replaces them by the next in rank "
                                             "order in their stratum", style=role("warning") + role("strong")))
            if view.passed_over or view.replaced:
                t.add_row("Not drawn", Text(f"{len(view.passed_over)} passed over at selection, {len(view.replaced)} "
                                            "replaced — not testable in the period; the workpaper lists each with "
                                            "its reason", style=role("muted")))
            if devs:
                t.add_row("Deviation", self._rule_text(view))
        return t

    def _method_rows(self, t: Table, view) -> None:
        """The sample's whole method record, as `fieldwork sample` prints it and the workpaper lists it."""
        s = view.initial
        t.add_row("Method", Text(f"{s.method} (docs/sampling-method.md)"))
        t.add_row("Engagement uid", Text(view.engagement_uid, style=role("info")))
        t.add_row("Seed", Text(s.seed, style=role("info")))
        t.add_row("Pop. SHA-256", Text(s.population_sha256, style=role("info")))
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
                line.append(cell, style=role("warning") if x.empty else "")
                used += len(cell)
            t.add_row("Strata", line)
        for n, text in enumerate(view.reconciliation):
            t.add_row("Reconciliation" if n == 0 else "",
                      Text(visible(text), style=role("severe") if "NOT reconciled" in text else ""))

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
                        style=role("severe") if s.conclusion is DeviationConclusion.systematic else role("ok.strong"))
            if s.conclusion_reason:
                text.append(f" — {visible(s.conclusion_reason)}", style="")
            return text
        if view.plan.cannot_sample_away:
            return Text(cannot_sample_away_message(view.plan.frequency) + " Conclude (c).", style=role("warning"))
        if not view.expanded:
            return Text(f"expand {s.size} → {view.plan.policy.expanded_total(view.plan.frequency, s.size)} (e) "
                        f"or conclude (c)", style=role("warning") + role("strong"))
        rule = view.rule
        return Text(f"rule: {rule.conclusion.value if rule.conclusion else 'pending'} — {rule.explanation} (c)",
                    style=role("warning"))

    # -- after a deviation ---------------------------------------------------------------------------
    def on_testing_panel_deviation_marked(self, event: TestingPanel.DeviationMarked) -> None:
        event.stop()
        self._prompt_deviation(event.key, event.item_id, event.letter)

    def _prompt_deviation(self, key: str, item_id: int, letter: str) -> None:
        """Expand the sample, record the exception, or decide later (and why expanding cannot help)."""
        from fieldwork_tui.domain.sampling import cannot_sample_away_message
        from fieldwork_tui.tui.kit.confirm import ChoiceDialog

        view = self.view
        if view is None or view.initial is None:
            return
        p = view.plan
        choices = [("x", "Record exception", "exception")]
        if p.cannot_sample_away:
            message = cannot_sample_away_message(p.frequency)
        elif view.expanded:
            message = ("A further deviation after the expansion: the rule concludes systematic. "
                       "Record the exception.")
        else:
            total = p.policy.expanded_total(p.frequency, view.initial.size)
            message = (f"Investigate the cause, then expand the sample ({view.initial.size} → {total}, drawn "
                       f"deterministically, excluding the items already selected) or conclude the control is not "
                       f"operating effectively.")
            choices.append(("e", f"Expand {view.initial.size} → {total}", "expand"))

        def chosen(what: str | None) -> None:
            if what == "expand":
                self.action_expand()
            elif what == "exception":
                self.panel.exception_for(item_id, letter)

        self.app.push_screen(ChoiceDialog(f"Deviation on {visible(key)} · {letter}", message, choices), chosen)

    # -- population, selection, expansion, conclusion -----------------------------------------------
    def _busy(self, on: bool, total: int | None = None) -> None:
        bar = self.query_one("#sampling-progress", ProgressBar)
        bar.set_class(on, "busy")
        if on:
            bar.update(total=total, progress=0)

    def _progress(self, done: int, total: int | None = None, *_rest) -> None:
        self.app.call_from_thread(self.query_one("#sampling-progress", ProgressBar).update, total=total, progress=done)

    def _long(self, work, success) -> None:
        """A long change (a whole population): progress bar while it runs in a worker."""
        self._busy(True)

        def done(result) -> None:
            self._busy(False)
            self.notify(success(result))
            self.changed("sampling")

        def failed(_exc) -> bool:
            self._busy(False)
            return False

        workers.run(self, work, done=done, failed=failed, group="sampling", exclusive=True)

    def action_import_population(self) -> None:
        from fieldwork_tui.services.sampling import import_population
        from fieldwork_tui.tui.dialogs.sampling import ImportPopulationDialog

        handle, ref = self.handle, self.ref

        def go(values: dict | None) -> None:
            if values is not None:
                self._long(lambda: import_population(handle, ref, Path(values["path"]).expanduser(), key=values["key"],
                                                     date=values["date"], expected_count=values["expected_count"],
                                                     progress=self._progress),
                           lambda result: result.describe())

        self.app.push_screen(ImportPopulationDialog(ref), go)

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
        self.app.push_screen(SampleSizeDialog(f"Select the sample of {self.ref}", p.size, p.decision.label,
                                              p.decision.reason), lambda v: self._select("take", v))

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
        self.app.push_screen(SampleSizeDialog(f"Expand the sample of {self.ref} (total after expansion)", total,
                                              "expansion", f"{p.policy.name}: {view.initial.size} → {total} after a "
                                              f"deviation; items already selected are excluded"),
                             lambda v: self._select("expand", v))

    def _select(self, what: str, values: dict | None) -> None:
        from fieldwork_tui.services import sampling

        if values is None:
            return
        handle, ref = self.handle, self.ref
        fn = sampling.take_sample if what == "take" else sampling.expand

        def work():
            view = fn(handle, ref, values["size"], values["reason"])
            self._to_untested = True
            return view

        self._long(work, lambda view: f"{view.size} items selected (seed {view.initial.seed[:12]})")

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
        handle, ref = self.handle, self.ref
        self.app.push_screen(
            ConcludeDialog(f"Conclude on the deviation · {ref}", options,
                           rule.conclusion.value if rule and rule.conclusion else None, rule.explanation if rule else "",
                           save=lambda v: conclude_deviations(handle, ref, v["conclusion"], v["reason"]) and v["conclusion"]),
            lambda c: (self.notify(f"Deviation concluded {c}"), self.changed("sample conclusion")) if c else None)

    def action_browse(self) -> None:
        from fieldwork_tui.tui.screens.population import PopulationScreen

        if self.view is None or self.view.plan.population is None:
            self.notify("No population imported yet (i).", severity="warning")
            return
        self.app.push_screen(PopulationScreen(self.ref, self.view.plan.population.id))

    def action_verify(self) -> None:
        from fieldwork_tui.services.sampling import verify_sample

        if self.view is None or self.view.initial is None:
            self.notify("No sample to verify yet.", severity="warning")
            return
        handle, ref = self.handle, self.ref
        self._busy(True)

        def checked(report) -> None:
            self._busy(False)
            if report.ok:
                self.notify("Verified: the same items re-derive from the stored population.")
            else:
                self.notify("Selection does NOT re-derive: " + report.problems[0], severity="error", timeout=10)

        workers.run(self, lambda: verify_sample(handle, ref), done=checked,
                    failed=lambda _e: self._busy(False) or False, group="sampling", exclusive=True)

    def action_replace_untestable(self) -> None:
        from fieldwork_tui.services.sampling import replace_untestable

        if self.view is None or not self.view.untestable:
            self.notify("Every item of the sample can be tested; nothing to replace.")
            return
        handle, ref = self.handle, self.ref
        before = {r.key for r in self.view.replaced}

        def said(view) -> str:
            done = [r for r in view.replaced if r.key not in before]
            words = ", ".join(f"{r.key} → {r.replaced_by or 'none left in its stratum (removed)'}" for r in done)
            return f"Replaced {len(done)}: {words}"

        items = [i for i in self.view.items if i.id in self.view.untestable]
        n = len(items)
        keys = ", ".join(visible(i.key) for i in items[:6]) + (f" and {n - 6} more" if n > 6 else "")
        confirm(self, "Replace untestable items",
                f"Replace {n} item{'s' if n != 1 else ''} of the {visible(ref)} sample that cannot be tested "
                f"({keys}) by the next in rank order in their stratum? An item with none left in its stratum "
                "is removed; any result, note or attribute cell on a replaced item is dropped from the grid "
                "(recorded with the replacement).",
                lambda: self._long(lambda: replace_untestable(handle, ref), said), yes="Replace")
