"""Control detail: the control as described, its evidence by technique and its flags, with the
seven tabs of fieldwork (Inquiry, Observation, Inspection, Re-performance, Sampling, Exceptions, Review)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static, TabbedContent, TabPane

from fieldwork_tui.domain.flags import is_defensible
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
from fieldwork_tui.tui.widgets.flags import badges_text, flags_text

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
    BINDINGS = [
        Binding("escape", "back", "Back", id="control.back", tooltip="Back to the list"),
        Binding("ctrl+right", "next_tab", "Next tab", id="control.next_tab", tooltip="Next technique tab"),
        Binding("ctrl+left", "previous_tab", "Prev tab", show=False, id="control.prev_tab",
                tooltip="Previous technique tab"),
    ] + [
        Binding(f"alt+{i + 1}", f"show_tab('{key}')", label, show=False, id=f"control.tab_{key}",
                tooltip=f"Show the {label} tab")
        for i, (key, label, _cls) in enumerate(TABS)
    ]
    DEFAULT_CSS = """
    ControlDetailScreen #control-header { height: auto; padding: 0 1; }
    ControlDetailScreen TabbedContent { height: 1fr; }
    """

    def __init__(self, ref: str, tab: str = "inquiry") -> None:
        super().__init__()
        self.ref = ref
        self.initial_tab = tab

    @property
    def VIEW_NAME(self) -> str:  # noqa: N802 - shown in the engagement bar
        return f"Control {self.ref}"

    def body(self) -> ComposeResult:
        yield Static(id="control-header")
        with TabbedContent(initial=self.initial_tab):
            for key, label, cls in TABS:
                with TabPane(label, id=key):
                    yield cls(self.ref, id=f"tab-{key}")

    def refresh_data(self) -> None:
        from fieldwork_tui.services.controls import control_records

        rec = self.run_guarded(lambda: control_records(self.handle, self.ref))
        if rec is None:
            return
        self.records = rec
        self.query_one("#control-header", Static).update(self._header(rec))
        for tab in self.query(ControlTab):
            tab.refresh_data(rec)

    def _header(self, rec) -> Table:
        c = rec.control
        t = Table.grid(padding=(0, 2), expand=True)
        t.add_column(style="bold", width=12)
        t.add_column(ratio=1)
        t.add_row(Text(c.ref, style="bold cyan"), Text(c.title, style="bold"))
        t.add_row("Description", c.description)
        t.add_row("Criteria", " ".join(c.criteria) or "—")
        t.add_row("Frequency", f"{c.frequency.value.replace('_', ' ')} · {c.nature.value}"
                  f"{' · key control' if c.key else ''} · owner {rec.owner.name if rec.owner else '—'}")
        evidence = badges_text(rec.evidence_types)
        evidence.append(f"   required: {', '.join(c.required_types) or 'none'}", style="dim")
        t.add_row("Evidence", evidence)
        flags = flags_text(rec.flags, compact=False) if rec.flags else Text("none", style="green")
        if is_defensible(rec.flags):
            flags.append("  — conclusion defensible", style="green")
        else:
            flags.append("  — not yet defensible", style="dim")
        t.add_row("Flags", flags)
        t.add_row("Status", f"{rec.status.replace('_', ' ')}"
                  f"{' · conclusion: ' + c.conclusion.value.replace('_', ' ') if c.conclusion else ''}")
        return t

    def on_data_changed(self, event: DataChanged) -> None:
        event.stop()
        self.refresh_data()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_show_tab(self, key: str) -> None:
        self.query_one(TabbedContent).active = key

    def _step_tab(self, delta: int) -> None:
        keys = [k for k, _l, _c in TABS]
        tc = self.query_one(TabbedContent)
        tc.active = keys[(keys.index(tc.active) + delta) % len(keys)]

    def action_next_tab(self) -> None:
        self._step_tab(1)

    def action_previous_tab(self) -> None:
        self._step_tab(-1)

    def palette_commands(self):
        for key, label, _cls in TABS:
            yield (f"Show {label} tab", f"Switch to the {label} tab of {self.ref}",
                   lambda key=key: self.action_show_tab(key))
        active = self.query_one(TabbedContent).active
        tab = self.query_one(f"#tab-{active}", ControlTab) if active else None
        yield from getattr(tab, "palette_commands", tuple)()  # the active tab's own actions
