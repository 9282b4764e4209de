"""Dashboard: the phase timeline, where the controls stand, which conclusions are not yet
defensible, and what the client still owes."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import Static

from fieldwork_tui.domain import flags as flag_table
from fieldwork_tui.domain.phases import PHASES, next_phase, previous_phase
from fieldwork_tui.domain.vocab import ControlStatus, Flag, Phase, RequestStatus
from fieldwork_tui.services.startup import DashboardFigures
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.bar import EngagementBar
from fieldwork_tui.tui.widgets.flags import flag_style


class DashboardScreen(EngagementScreen):
    VIEW_NAME = "Dashboard"
    BINDINGS = [
        Binding("right_square_bracket", "advance_phase", "Next phase", id="dashboard.next_phase",
                tooltip="Move the engagement to its next phase"),
        Binding("left_square_bracket", "return_phase", "Previous phase", id="dashboard.prev_phase",
                tooltip="Return the engagement to its previous phase"),
        Binding("f", "show_flagged", "Flagged controls", id="dashboard.flagged",
                tooltip="Open the controls view filtered to the controls not yet defensible"),
        Binding("g", "go_to_control", "Go to control", id="dashboard.go_to_control",
                tooltip="Type a control's ref and open its detail"),
    ]
    MAIN = "#dashboard-body"
    DEFAULT_CSS = """
    DashboardScreen #timeline { height: auto; padding: 0 1; }
    DashboardScreen #dashboard-state { height: 1; padding: 0 1; display: none; }
    DashboardScreen Grid { grid-size: 2; grid-gutter: 0 1; height: auto; padding: 0 1; }
    DashboardScreen .panel { height: auto; }
    """

    def body(self) -> ComposeResult:
        with VerticalScroll(id="dashboard-body"):
            yield Static(id="dashboard-state")
            yield Static(id="timeline")
            with Grid():
                yield Static(id="controls-panel", classes="panel")
                yield Static(id="flags-panel", classes="panel")
                yield Static(id="requests-panel", classes="panel")
                yield Static(id="findings-panel", classes="panel")

    overview: DashboardFigures | None = None  # the live figures (the phase keys act on these only)
    cached: DashboardFigures | None = None  # figures from the start-up cache, shown until the live ones

    def on_mount(self) -> None:
        if self.handle is None:  # the app is still opening the engagement (after this first paint)
            cached = getattr(self.app, "cached_dashboard", None)
            if cached is not None:
                self.cached = cached
                self.query_one(EngagementBar).show(cached.summary, self.VIEW_NAME)
                self.show(cached)

    def load(self) -> None:
        """Load the live figures, once the engagement is open: until then the start-up cache's
        figures (if any) are shown, marked "updating…", or the waiting state."""
        if self.handle is None:
            self.set_loading(True)
            return
        super().load()

    def holds_keys(self) -> bool:
        """The keys typed while the engagement opens wait for the live figures (kit: OrderedKeys)."""
        return self.handle is None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.handle is None and action in {"advance_phase", "return_phase", "show_flagged", "go_to_control"}:
            return None  # shown, not yet usable: the engagement is still opening
        return True

    def fetch(self):
        from fieldwork_tui.services.startup import live_dashboard

        return live_dashboard(self.handle)

    def show(self, data: DashboardFigures) -> None:
        if not data.cached:
            self.overview = data
        state = self.query_one("#dashboard-state", Static)
        state.display = data.cached
        if data.cached:
            line = Text("updating… ", style=role("warning"))
            line.append("the figures kept at the last session's same journal entry; the live ones replace them",
                        style=role("muted"))
            state.update(line)
        self.query_one("#timeline", Static).update(self._timeline(Phase(data.phase), data.kickoff_on))
        self.query_one("#controls-panel", Static).update(self._controls_panel(data))
        self.query_one("#flags-panel", Static).update(self._flags_panel(data))
        self.query_one("#requests-panel", Static).update(self._requests_panel(data))
        self.query_one("#findings-panel", Static).update(self._findings_panel(data))

    def _timeline(self, current: Phase, kickoff=None) -> Table:
        """Six phases side by side: done ✓, current ●, ahead ○; week ranges of the fieldwork guide
        and, once the kickoff date is known, the calendar dates."""
        table = Table(box=None, expand=True, show_header=False, padding=(0, 0))
        reached = True
        labels, weeks, dates = [], [], []
        for p in PHASES:
            table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
            if p.phase is current:
                style, mark = role("current"), "●"
                reached = False
            elif reached:
                style, mark = role("ok"), "✓"
            else:
                style, mark = role("muted"), "○"
            labels.append(Text(f"{mark} {p.label.replace('Management', 'Mgmt.')}", style=style))
            weeks.append(Text(p.weeks, style=role("muted")))
            if kickoff is not None:
                start, end = p.dates(kickoff)
                dates.append(Text(f"{start:%b %d} – {end:%b %d}", style=role("muted")))
        table.add_row(*labels)
        table.add_row(*weeks)
        if dates:
            table.add_row(*dates)
        return table

    def _controls_panel(self, ov: DashboardFigures) -> Table:
        t = Table(title="Controls", box=None, expand=True, show_header=False, title_style="bold")
        t.add_column()
        t.add_column(justify="right")
        t.add_row("Total", str(ov.controls_total))
        for st in ControlStatus:
            t.add_row(st.value.replace("_", " "), str(ov.status_counts.get(st.value, 0)))
        t.add_row(Text("Conclusion defensible", style=role("strong")), Text(str(ov.defensible), style=role("ok.strong")))
        t.add_row(Text("Not yet defensible", style=role("strong")), Text(str(ov.not_defensible), style=role("strong")))
        return t

    def _flags_panel(self, ov: DashboardFigures) -> Table:
        t = Table(title="Not yet defensible", box=None, expand=True, show_header=False, title_style="bold")
        t.add_column()
        t.add_column(justify="right")
        any_flag = False
        for flag in Flag:
            n = ov.flag_counts.get(flag, 0)
            if n:
                any_flag = True
                t.add_row(Text(flag_table.label(flag), style=flag_style(flag)), str(n))
        if not any_flag:
            t.add_row(Text("No flags: every conclusion is supported", style=role("ok")), "")
        return t

    def _requests_panel(self, ov: DashboardFigures) -> Table:
        t = Table(title="Requests", box=None, expand=True, show_header=False, title_style="bold")
        t.add_column()
        t.add_column(justify="right")
        total = sum(ov.requests_by_status.values())
        t.add_row("Total", str(total))
        for st in RequestStatus:
            n = ov.requests_by_status.get(st.value, 0)
            if n:
                t.add_row(st.value.replace("_", " "), str(n))
        t.add_row(Text("Overdue", style=role("severe") if ov.requests_overdue else ""), str(ov.requests_overdue))
        if ov.oldest_overdue:
            t.add_row("Oldest overdue, due", ov.oldest_overdue.isoformat())
        return t

    def _findings_panel(self, ov: DashboardFigures) -> Table:
        t = Table(title="Exceptions and review", box=None, expand=True, show_header=False, title_style="bold")
        t.add_column()
        t.add_column(justify="right")
        t.add_row("Exceptions", str(ov.exceptions_total))
        t.add_row(Text("Without management response", style=role("severe") if ov.exceptions_without_response else ""),
                  str(ov.exceptions_without_response))
        t.add_row("Open review notes", str(ov.open_review_notes))
        return t

    def _set_phase(self, phase: Phase | None) -> None:
        if phase is None:
            self.notify("No phase in that direction.", severity="warning")
            return
        from fieldwork_tui.services.engagements import set_phase

        handle = self.handle
        self.commit(lambda: set_phase(handle, phase), success=f"Phase: {phase.value.replace('_', ' ')}")

    def action_advance_phase(self) -> None:
        if self.overview is not None:
            self._set_phase(next_phase(self.overview.phase))

    def action_return_phase(self) -> None:
        if self.overview is not None:
            self._set_phase(previous_phase(self.overview.phase))

    def action_show_flagged(self) -> None:
        from fieldwork_tui.tui.screens.controls import ControlsScreen

        ControlsScreen.open_flagged(self.app)

    def action_go_to_control(self) -> None:
        """Ask for a ref (checked in a worker: an unknown ref is named in the dialog, which stays open),
        then show that control's detail over the Controls list."""
        from fieldwork_tui.services.controls import control_ref
        from fieldwork_tui.tui.kit.forms import PromptDialog

        handle = self.handle
        dialog = PromptDialog("Go to control", "Control ref", placeholder="e.g. CC6.1-01",
                              required="ref: type a control's ref", save_label="Go",
                              save=lambda text: control_ref(handle, text), failed_label="Cannot go there")

        def chosen(ref: str | None) -> None:
            if ref:
                self.app.open_control(ref)  # type: ignore[attr-defined]

        self.app.push_screen(dialog, chosen)
