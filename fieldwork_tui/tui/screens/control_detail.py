"""Control detail: the control as described, its evidence by technique and its flags, with the
seven tabs of fieldwork (Inquiry, Observation, Inspection, Re-performance, Sampling, Exceptions, Review).

Opening a control reads everything it shows in ONE worker (the control's records and what each tab
adds); keys typed meanwhile wait and then go to the tab that is shown. Only the tab shown first is
composed; another is composed when it is first shown, with the data already read, and the screen
takes no keys until it is (so `ctrl+→ a` typed at once attaches on the Inspection tab).
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static, TabbedContent, TabPane

from fieldwork_tui.domain.flags import is_defensible
from fieldwork_tui.tui.kit.safe_text import safe_text, visible
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.messages import DataChanged
from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.tabs.base import ControlTab
from fieldwork_tui.tui.tabs.exceptions import ExceptionsTab
from fieldwork_tui.tui.tabs.inquiry import InquiryTab
from fieldwork_tui.tui.tabs.inspection import InspectionTab
from fieldwork_tui.tui.tabs.observation import ObservationTab
from fieldwork_tui.tui.tabs.reperformance import ReperformanceTab
from fieldwork_tui.tui.tabs.review import ReviewTab
from fieldwork_tui.tui.tabs.sampling import SamplingTab
from fieldwork_tui.tui.widgets.flags import badges_text, flags_text, hold_text

TABS: list[tuple[str, str, type[ControlTab]]] = [
    ("inquiry", "Inquiry", InquiryTab),
    ("observation", "Observation", ObservationTab),
    ("inspection", "Inspection", InspectionTab),
    ("reperformance", "Re-performance", ReperformanceTab),
    ("sampling", "Sampling", SamplingTab),
    ("exceptions", "Exceptions", ExceptionsTab),
    ("review", "Review", ReviewTab),
]


class ControlDetailScreen(EngagementScreen):
    KEYS_LABEL = "Control detail"
    BINDINGS = [
        Binding("escape", "back", "Back", id="control.back", tooltip="Back to the list"),
        Binding("ctrl+right", "next_tab", "Next tab", id="control.next_tab", tooltip="Next technique tab",
                priority=True),
        Binding("ctrl+left", "previous_tab", "Prev tab", show=False, id="control.prev_tab",
                tooltip="Previous technique tab", priority=True),
    ] + [
        Binding(f"alt+{i + 1}", f"show_tab('{key}')", f"{label} tab", show=False, id=f"control.tab_{key}",
                tooltip=f"Show the {label} tab")
        for i, (key, label, _cls) in enumerate(TABS)
    ]
    DEFAULT_CSS = """
    ControlDetailScreen #control-header { height: auto; max-height: 9; padding: 0 1; }
    ControlDetailScreen TabbedContent { height: 1fr; }
    """

    def __init__(self, ref: str, tab: str = "inquiry") -> None:
        super().__init__()
        self.ref = ref
        self.initial_tab = tab
        self.records = None

    @property
    def VIEW_NAME(self) -> str:  # noqa: N802 - shown in the engagement bar
        return f"Control {self.ref}"

    def body(self) -> ComposeResult:
        yield Static(id="control-header")
        with TabbedContent(initial=self.initial_tab):
            for key, label, cls in TABS:
                with TabPane(label, id=key):
                    yield cls(self.ref, id=f"tab-{key}", built=key == self.initial_tab)

    def on_mount(self) -> None:
        self._tabs = {f"tab-{key}": tab for key, _l, _c in TABS for tab in [self.query_one(f"#tab-{key}", ControlTab)]}
        self._extras: dict = {}
        self._composed = {tab_id for tab_id, tab in self._tabs.items() if tab.built}  # filled by `show`

    def main_widget(self):
        active = self.query_one(TabbedContent).active or self.initial_tab
        tab = self.query_one(f"#tab-{active}", ControlTab)
        return tab.main_widget() if tab.built and tab.children else None

    # -- tabs composed when first shown ----------------------------------------------------------------
    def show_tab(self, pane_id: str) -> None:
        tab = self._tabs.get(f"tab-{pane_id}")
        if tab is not None and not tab.built:
            self.app.screen_not_ready(self)  # type: ignore[attr-defined] - keys wait for the new tab
        super().show_tab(pane_id)

    @on(TabbedContent.TabActivated)
    async def _build_shown_tab(self, event: TabbedContent.TabActivated) -> None:
        tab = next(iter(event.pane.query(ControlTab)), None)
        if tab is not None:
            await self.build_tab(tab)

    async def build_tab(self, tab: ControlTab) -> None:
        """Compose `tab` (first showing), fill it from the data already read and focus it; keys typed
        meanwhile wait and then go to it."""
        if tab.built:
            return
        tab.built = True
        self.app.screen_not_ready(self)  # type: ignore[attr-defined]
        try:
            await tab.recompose()
            self._composed.add(tab.id)
            if self._kit_has_data and self.records is not None:
                tab.show(self.records, self._extras.get(tab.id))
            if self.query_one(TabbedContent).active == (tab.id or "").removeprefix("tab-"):
                target = tab.main_widget()
                if target is not None:
                    self.set_focus(target)
        finally:
            if self._kit_loaded:  # before the first load, that load says when the screen is ready
                self.app.screen_ready(self)  # type: ignore[attr-defined]

    # -- the data: one worker for the control and its tabs ----------------------------------------------
    def fetch(self):
        from fieldwork_tui.services.controls import control_records
        from fieldwork_tui.services.team import control_holds

        handle, ref = self.handle, self.ref
        records = control_records(handle, ref)
        hold = next((h for h in control_holds(handle) if h.ref == records.control.ref), None)
        return records, {tab_id: tab.fetch(handle, ref) for tab_id, tab in self._tabs.items()}, hold

    def show(self, data) -> None:
        records, extras, hold = data
        self.records = records
        self._extras = extras
        self.query_one("#control-header", Static).update(self._header(records, hold))
        for tab_id, tab in self._tabs.items():
            if tab_id in self._composed:
                tab.show(records, extras.get(tab_id))

    def _header(self, rec, hold=None) -> Table:
        c = rec.control
        t = Table.grid(padding=(0, 2), expand=True)
        t.add_column(style=role("strong"), width=12)
        t.add_column(ratio=1)
        t.add_row(Text(visible(c.ref), style=role("ref")), Text(visible(c.title), style=role("strong")))
        description = Text(visible(c.description), overflow="ellipsis")
        t.add_row("Description", description)
        t.add_row("Criteria", " ".join(c.criteria) or "—")
        t.add_row("Frequency", f"{c.frequency.value.replace('_', ' ')} · {c.nature.value}"
                  f"{' · ' + c.control_type.replace('_', '-') if c.control_type else ''}"
                  f"{' · key control' if c.key else ''} · owner {visible(rec.owner.name) if rec.owner else '—'}")
        for name, value in (c.extra_fields or {}).items():  # the matrix's own columns, kept as imported
            t.add_row(safe_text(name, "italic"), safe_text(value))
        evidence = badges_text(rec.evidence_types)
        evidence.append("   ")
        evidence.append(f"required: {', '.join(c.required_types) or 'none'}", style=role("muted"))
        t.add_row("Evidence", evidence)
        flags = flags_text(rec.flags, compact=False) if rec.flags else Text("none", style=role("ok"))
        flags.append("  ")  # the gap unstyled: a styled run's leading spaces vanish in some renderings
        if is_defensible(rec.flags):
            flags.append("— conclusion defensible", style=role("ok"))
        else:
            flags.append("— not yet defensible", style=role("muted"))
        t.add_row("Flags", flags)
        t.add_row("Status", f"{rec.status.replace('_', ' ')}"
                  f"{' · conclusion: ' + c.conclusion.value.replace('_', ' ') if c.conclusion else ''}")
        if hold is not None:
            t.add_row("Checked out", hold_text(hold))
        return t

    def on_data_changed(self, event: DataChanged) -> None:
        event.stop()
        self.load()

    # -- keys -------------------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_show_tab(self, key: str) -> None:
        self.show_tab(key)

    def _step_tab(self, delta: int) -> None:
        keys = [k for k, _l, _c in TABS]
        tc = self.query_one(TabbedContent)
        self.show_tab(keys[(keys.index(tc.active) + delta) % len(keys)])

    def action_next_tab(self) -> None:
        self._step_tab(1)

    def action_previous_tab(self) -> None:
        self._step_tab(-1)
