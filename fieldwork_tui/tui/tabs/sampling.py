"""Sampling tab: the control's population, the policy size with its detection probabilities, the
sample, and a fast keyboard loop over its items (p pass · d deviation · n not applicable · o note ·
l link evidence · f attach a file). A deviation prompts the expansion (or says why it cannot be
sampled away).

Every write runs in a worker (`kit.workers`); importing and selecting read whole populations, with a
progress bar. Marking moves the cursor at once, so `p p p` typed fast marks three items in turn.
"""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import ProgressBar, Static

from fieldwork_tui.domain.vocab import DeviationConclusion, SampleResult
from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.safe_text import visible
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.tabs.base import ControlTab
from fieldwork_tui.tui.widgets.virtual_table import Column, DetailLine, ListSource, Row, VirtualTable

ITEM_COLUMNS = [Column("pos", "#", 4, justify="right", priority=0), Column("key", "Item", 16, priority=0,
                                                                          min_width=10),
                Column("date", "Date", 10, priority=2), Column("kind", "Sample", 9, priority=3),
                Column("result", "Result", 10, priority=0), Column("note", "Note", 44, priority=1, min_width=12,
                                                                   grow=True),
                Column("evidence", "Evidence", 8, priority=2)]
RESULT_ROLE = {SampleResult.untested: "muted", SampleResult.passed: "ok", SampleResult.deviation: "severe",
               SampleResult.not_applicable: "info"}
RESULT_LABEL = {SampleResult.untested: "untested", SampleResult.passed: "pass", SampleResult.deviation: "DEVIATION",
                SampleResult.not_applicable: "n/a"}


def _pct(p: float) -> str:
    return f"{p:.0%}"


class SamplingTab(ControlTab):
    TAB_LABEL = "Sampling"
    MAIN = "#sampling-items"
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
                tooltip="Copy a file into the vault and link it to the item under the cursor"),
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
    SamplingTab #sampling-summary { height: auto; max-height: 8; padding: 0 1; }
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
        yield VirtualTable(ListSource(ITEM_COLUMNS, []), id="sampling-items", detail="sampling-detail")
        yield DetailLine(id="sampling-detail")

    # -- data ---------------------------------------------------------------------------------------
    def fetch(self, handle, ref: str):
        from fieldwork_tui.services.sampling import sample_view

        return sample_view(handle, ref)

    def show(self, records, view) -> None:
        self.view = view
        self.query_one("#sampling-summary", Static).update(self._summary(view))
        table = self.table
        table.empty_text = ("No population yet: press i to import it." if view.plan.population is None
                            else "No sample yet: press t to select it.")
        kinds = {view.initial.id: "initial"} if view.initial else {}
        kinds.update({x.id: "expansion" for x in view.expansions})
        rows = [Row(key=item.id, cells=[
            str(n), item.key, item.occurred_on.isoformat() if item.occurred_on else "", kinds.get(item.sample_id, ""),
            Text(RESULT_LABEL[item.result], style=role(RESULT_ROLE[item.result])), item.note,
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
        t.add_column(style=role("strong"), width=11)
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
            line.append(f" · seed {s.seed[:12]} · {s.method}", style=role("muted"))
            if s.override_reason:
                line.append(f" · override: {visible(s.override_reason)}", style=role("warning"))
            t.add_row("Sample", line)
            if devs:
                t.add_row("Deviation", self._rule_text(view))
        return t

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
        handle, index = self.handle, self.table.cursor
        if result != SampleResult.untested.value:
            self.table.move_cursor(self._next_untested(index, skip=item.id))  # the next key acts on the next item

        def marked(_item) -> None:
            self.changed("sample item")
            if result == SampleResult.deviation.value:
                self.call_after_refresh(self._prompt_deviation, item.key, item.id)

        workers.run(self, lambda: mark(handle, item.id, result), done=marked, group="sampling-mark")

    def _next_untested(self, index: int, skip: int | None = None) -> int:
        items = self.view.items if self.view else []
        for i in list(range(index + 1, len(items))) + list(range(0, index)):
            if items[i].result is SampleResult.untested and items[i].id != skip:
                return i
        return min(index + 1, max(len(items) - 1, 0))

    def _prompt_deviation(self, key: str, item_id: int) -> None:
        from fieldwork_tui.domain.sampling import cannot_sample_away_message
        from fieldwork_tui.tui.kit.confirm import ChoiceDialog

        view = self.view
        if view is None:
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
                self._exception_for(item_id)

        self.app.push_screen(ChoiceDialog(f"Deviation on {key}", message, choices), chosen)

    def action_note(self) -> None:
        from fieldwork_tui.services.sampling import set_note
        from fieldwork_tui.tui.kit.forms import PromptDialog

        item = self._current_item()
        if item is None:
            return
        handle = self.handle
        self.app.push_screen(
            PromptDialog(f"Note on {item.key}", "What was inspected, what was found", item.note, multiline=True,
                         save=lambda text: set_note(handle, item.id, text)),
            lambda saved: self.changed("sample item note") if saved is not None else None)

    def action_link(self) -> None:
        from fieldwork_tui.services.sampling import link_evidence, sample_evidence_choices
        from fieldwork_tui.tui.dialogs.sampling import LinkEvidenceDialog

        item = self._current_item()
        if item is None:
            return
        handle, ref = self.handle, self.ref
        self.app.push_screen(
            LinkEvidenceDialog(item.key, item.evidence_id, fetch=lambda: sample_evidence_choices(handle, ref),
                               save=lambda v: link_evidence(handle, item.id, v["evidence_id"])),
            lambda saved: (self.notify("Evidence linked"), self.changed("sample item evidence"))
            if saved is not None else None)

    def action_attach(self) -> None:
        from fieldwork_tui.services.sampling import attach_item_file
        from fieldwork_tui.tui.kit.forms import PromptDialog

        item = self._current_item()
        if item is None:
            return
        handle = self.handle

        def attach(path: str):
            self.app.call_from_thread(self._busy, True)
            try:
                return attach_item_file(handle, item.id, path.strip(), self._progress)
            finally:
                self.app.call_from_thread(self._busy, False)

        self.app.push_screen(
            PromptDialog(f"Attach a file to {item.key}", "Path of the file (copied into the vault)",
                         required="path: give the path of the file", save_label="Attach", save=attach),
            lambda done: (self.notify("File attached and linked to the item"), self.changed("sample item file"))
            if done is not None else None)

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

        handle = self.handle
        workers.run(self, lambda: draft_from_sample_item(handle, item_id),
                    done=lambda draft: open_exception_form(self, draft, on_saved=lambda: self.changed("exception")))

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
