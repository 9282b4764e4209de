"""The application: one engagement at a time, five main views on number keys (Textual modes,
each with its own screen stack), an engagement picker when none is named.

`create_app(home, engagement)` is the one factory used by the CLI, the tests and the screenshot script.

Built on the kit: keys are handed to the screen that is shown, in order (`OrderedKeys`); the command
palette and `?` are generated from the bindings (`ScreenActions`, `HelpScreen`); the user's
`config.toml` rebinds keys by binding id and picks the theme; every rendered line passes the
control-character filter; every notification is shown as plain, safe text.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.keys import OrderedKeys
from fieldwork_tui.tui.kit.palette import ScreenActions
from fieldwork_tui.tui.kit.safe_text import ControlCharFilter, visible

log = logging.getLogger("fieldwork_tui.tui")

if TYPE_CHECKING:
    from fieldwork_tui.services.engagements import EngagementHandle
    from fieldwork_tui.services.startup import DashboardFigures


def _dashboard() -> Screen:
    from fieldwork_tui.tui.screens.dashboard import DashboardScreen

    return DashboardScreen()


def _controls() -> Screen:
    from fieldwork_tui.tui.screens.controls import ControlsScreen

    return ControlsScreen()


def _requests() -> Screen:
    from fieldwork_tui.tui.screens.requests import RequestsScreen

    return RequestsScreen()


def _interviews() -> Screen:
    from fieldwork_tui.tui.screens.interviews import InterviewsScreen

    return InterviewsScreen()


def _exceptions() -> Screen:
    from fieldwork_tui.tui.screens.exceptions import ExceptionsScreen

    return ExceptionsScreen()


def _picker() -> Screen:
    from fieldwork_tui.tui.screens.picker import PickerScreen

    return PickerScreen()


class FieldworkApp(OrderedKeys, App):
    KEYS_LABEL = "Everywhere"
    TITLE = "fieldwork"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {ScreenActions}
    MODES = {
        "picker": _picker,
        "dashboard": _dashboard,
        "controls": _controls,
        "requests": _requests,
        "interviews": _interviews,
        "exceptions": _exceptions,
    }
    BINDINGS = [
        Binding("e", "export_bundle", "Export", id="app.export",
                tooltip="Export the workpaper bundle (from the dashboard; elsewhere via ctrl+p)"),
        Binding("1", "view('dashboard')", "Dashboard", id="view.dashboard", tooltip="Phases, counts and flags"),
        Binding("2", "view('controls')", "Controls", id="view.controls", tooltip="Controls with evidence and flags"),
        Binding("3", "view('requests')", "Requests", id="view.requests", tooltip="Evidence request triage"),
        Binding("4", "view('interviews')", "Interviews", id="view.interviews", tooltip="Interviews and inquiry"),
        Binding("5", "view('exceptions')", "Exceptions", id="view.exceptions", tooltip="Exceptions register"),
        Binding("question_mark", "help", "Help", id="app.help", tooltip="The keys of this screen and what the flags mean"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, id="app.palette", priority=True,
                tooltip="Every action of this screen and its tabs, by name"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Quit (everything is already saved)",
                priority=True),
    ]

    def __init__(self, home: Path | str | None = None, handle: EngagementHandle | None = None, *,
                 control: str | None = None, population: bool = False, engagement: str | None = None,
                 cached_dashboard: DashboardFigures | None = None) -> None:
        super().__init__()
        self.home = home
        self._handle: EngagementHandle | None = handle
        # paint before the ORM: `engagement` is opened in a worker once the dashboard has painted
        # (from `cached_dashboard`, the start-up cache's figures, or its waiting state)
        self.opening: str | None = engagement if handle is None else None
        self._opener_started = False
        self.cached_dashboard = cached_dashboard
        # the direct route (`fieldwork open ENG --control REF [--population]`): the screen shown first
        self.start_control = control
        self.start_population = population
        # where the file picker opens: the folder of the last file attached in this session (else home)
        self.attach_folder: Path | None = None
        self._filters.append(ControlCharFilter())  # nothing in the data can drive the terminal

    @property
    def handle(self) -> EngagementHandle | None:
        """The open engagement (None: none, or still opening — screens show that they wait). Asked for
        before the app runs (a test or a script preparing the engagement), a pending open happens now."""
        if self._handle is None and self.opening and not self._opener_started and not self.is_running:
            self._handle = self._open(self.home, self.opening)
            self.opening = None
        return self._handle

    @handle.setter
    def handle(self, handle: EngagementHandle | None) -> None:
        self._handle = handle

    @staticmethod
    def _open(home: Path | str | None, name: str) -> EngagementHandle:
        from fieldwork_tui.services.team import open_any  # a local slug, or a team engagement's address

        return open_any(home, name)

    def on_mount(self) -> None:
        self._opener_started = bool(self.opening)
        self.start_ordered_keys()
        self._apply_settings()
        if self.handle is not None and self.start_control:
            self.switch_mode("controls")  # escape goes back to the Controls list, as after enter
            self.open_control(self.start_control, tab="sampling" if self.start_population else "inquiry")
        else:
            self.switch_mode("dashboard" if self.handle or self.opening else "picker")
        if self.opening:
            self.call_after_refresh(self.open_after_paint)
        else:
            self.check_database_in_background()

    def open_after_paint(self) -> None:
        """Open the engagement in a worker (SQLAlchemy, SQLModel and the models are imported there, after
        the first paint); the dashboard then loads its live figures. Keys typed meanwhile wait in order
        (the dashboard holds them until its live figures are shown)."""
        name, home = self.opening, self.home
        if name is None:
            return

        def open_it() -> EngagementHandle:
            handle = self._open(home, name)
            if not self.is_running:  # quit before the open finished: nobody will close it
                handle.close()
            return handle

        def failed(exc: BaseException) -> bool:
            self.opening = None
            self.cached_dashboard = None
            workers.report(self, exc)
            self.switch_mode("picker")
            return True

        workers.run(self, open_it, done=self._opened, failed=failed, retry_busy=False,
                    description="open the engagement")

    def _opened(self, handle: EngagementHandle) -> None:
        self.opening = None
        self.cached_dashboard = None
        self.handle = handle
        from fieldwork_tui.tui.screens.base import EngagementScreen

        for screen in self.screen_stack:
            if isinstance(screen, EngagementScreen) and screen.is_attached:
                screen.load()
        self.check_database_in_background()

    _gc_frozen = False  # once a process: what is built later (another app in a test run) is collected as usual

    def screen_ready(self, screen: Screen) -> None:
        super().screen_ready(screen)
        if self._handle is not None and not FieldworkApp._gc_frozen:
            # Started: the modules, the models, the mapper and the first screen with its live data are
            # built. Move them out of the garbage collector's generations, so later collections do not
            # traverse them again (measured over 200 view switches on the large engagement, median of 3
            # runs: 2.2 s in GC against 8.1 s without, the longest pause 0.16 s against 0.70 s).
            FieldworkApp._gc_frozen = True
            gc.freeze()

    def open_control(self, ref: str, tab: str = "inquiry") -> None:
        """Show control `ref`'s detail over the Controls list (the direct route and the dashboard's jump)."""
        from fieldwork_tui.tui.screens.control_detail import ControlDetailScreen

        if self.current_mode != "controls":
            self.switch_mode("controls")
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(ControlDetailScreen(ref, tab=tab))

    # -- engagement -----------------------------------------------------------
    def engagement_opened(self, handle: EngagementHandle) -> None:
        """Called by the picker once its worker has opened an engagement: show its dashboard."""
        self.handle = handle
        self.switch_mode("dashboard")
        self.check_database_in_background()

    def check_database_in_background(self) -> None:
        """An open that trusted the clean-close stamp skipped the full-file scan: run SQLite's quick
        check of every page in a worker and warn if the file is damaged (the UI never waits for it)."""
        handle = self.handle
        if handle is None or getattr(handle, "scanned_on_open", True):  # a server checks its own pages
            return
        def check() -> None:  # the warning goes to the app itself, whichever screen is showing by then
            from fieldwork_tui.services.maintenance import database_warning

            warning = database_warning(handle)
            if warning:
                self.call_from_thread(self._warn_damaged, warning)

        workers.run(self, check, group="integrity", description="checking the database")

    def _warn_damaged(self, warning: str) -> None:
        self.notify(warning, title="Database damaged", severity="error", timeout=60)

    def _apply_settings(self) -> None:
        from fieldwork_tui.services.settings import load_settings

        settings = load_settings()
        problems = list(settings.problems)
        if settings.theme:
            if settings.theme in self.available_themes:
                self.theme = settings.theme
            else:
                problems.append(f"{settings.path}: theme: no theme {settings.theme!r} "
                                f"(ctrl+p → theme lists them)")
        if settings.keymap:
            self.set_keymap(dict(settings.keymap))
            self._check_keymap(dict(settings.keymap), str(settings.path))
        for problem in problems:
            self.notify(problem, title="config.toml", severity="warning", timeout=10)

    def _check_keymap(self, keymap: dict[str, str], source: str) -> None:
        """Name keymap entries no binding has (a typo would otherwise do nothing), read off the UI thread."""
        from fieldwork_tui.services.settings import unknown_binding_ids
        from fieldwork_tui.tui.kit.catalogue import known_ids

        def report(problems: list[str]) -> None:
            for problem in problems:
                self.notify(problem, title="config.toml", severity="warning", timeout=10)

        workers.run(self, lambda: unknown_binding_ids(keymap, known_ids(), source), done=report,
                    description="check the keymap")

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Every notification as plain text with control characters visible: messages quote file names
        and client data, which must neither drive the terminal nor be read as markup."""
        super().notify(visible(message, keep_lines=True), title=visible(title), severity=severity,
                       timeout=timeout, markup=False)

    # -- engagement -----------------------------------------------------------
    def on_unmount(self) -> None:
        if self._handle is not None:
            self._keep_dashboard(self._handle)
            self._handle.close()

    @staticmethod
    def _keep_dashboard(handle: EngagementHandle) -> None:
        """A clean close brings the start-up cache up to date (next start: the dashboard paints at once)."""
        from fieldwork_tui.services.startup import keep_dashboard

        try:
            keep_dashboard(handle)
        except Exception:  # noqa: BLE001 - a cache: the next start then waits for its live figures
            log.warning("could not keep the dashboard's figures for the next start", exc_info=True)

    # -- navigation -----------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "view":
            return self._handle is not None
        if action == "export_bundle":  # the key works from the dashboard; the palette offers it everywhere
            return self._handle is not None and (type(self.screen).__name__ in ("DashboardScreen", "CommandPalette")
                                                or getattr(self, "running_palette_action", False))
        return True

    def action_view(self, mode: str) -> None:
        """Show a view's own list: `2` is the Controls list, even if a control was open in it."""
        if self.handle is None:
            return
        if self.current_mode != mode:
            self.switch_mode(mode)
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def action_export_bundle(self) -> None:
        from fieldwork_tui.tui.screens.export import ExportScreen

        if self.handle is not None and not isinstance(self.screen, ExportScreen):
            self.push_screen(ExportScreen())

    def action_help(self) -> None:
        from fieldwork_tui.tui.dialogs.help import help_screen

        if type(self.screen).__name__ != "HelpScreen":
            self.push_screen(help_screen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's own commands worth keeping (the theme picker); the app's actions come from the
        bindings (`ScreenActions`)."""
        yield from (c for c in super().get_system_commands(screen) if c.title in {"Theme"})


def create_app(home: Path | str | None = None, engagement: str | None = None, *, control: str | None = None,
               population: bool = False) -> FieldworkApp:
    """The app on `engagement` (or the picker); with `control`, straight on that control's detail (its
    Sampling tab with `population`).

    The dashboard paints before the ORM is loaded: a local engagement is found here with the standard
    library (an unknown name fails here, as before), its dashboard's cached figures read, and the
    engagement opened in a worker after the first paint. The direct route opens it here."""
    if engagement and not control:
        from fieldwork_tui.services.startup import cached_dashboard, check_local

        check_local(home, engagement)
        return FieldworkApp(home=home, engagement=engagement, cached_dashboard=cached_dashboard(home, engagement))
    from fieldwork_tui.services.team import open_any  # a local slug, or a team engagement's address

    handle = open_any(home, engagement) if engagement else None
    return FieldworkApp(home=home, handle=handle, control=control, population=population)
