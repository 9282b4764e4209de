"""The application: one engagement at a time, five main views on number keys (Textual modes,
each with its own screen stack), an engagement picker when none is named.

`create_app(home, engagement)` is the one factory used by the CLI, the tests and the screenshot script.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from fieldwork_tui.services.engagements import EngagementHandle, open_engagement, open_path

VIEWS = {
    "dashboard": ("1", "Dashboard"),
    "controls": ("2", "Controls"),
    "requests": ("3", "Requests"),
    "interviews": ("4", "Interviews"),
    "exceptions": ("5", "Exceptions"),
}


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


class FieldworkApp(App):
    TITLE = "fieldwork"
    CSS_PATH = "app.tcss"
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
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Keys and what the flags mean"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Quit (everything is already saved)",
                priority=True),
    ]

    def __init__(self, home: Path | str | None = None, handle: EngagementHandle | None = None) -> None:
        super().__init__()
        self.home = home
        self.handle: EngagementHandle | None = handle
        # where the file picker opens: the folder of the last file attached in this session (else home)
        self.attach_folder: Path | None = None

    def on_mount(self) -> None:
        self.switch_mode("dashboard" if self.handle else "picker")

    # -- engagement -----------------------------------------------------------
    def open_engagement_at(self, root: Path) -> None:
        """Called by the picker: open the engagement and show its dashboard."""
        self.handle = open_path(root)
        self.switch_mode("dashboard")

    def on_unmount(self) -> None:
        if self.handle is not None:
            self.handle.close()

    # -- navigation -----------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "view":
            return self.handle is not None
        if action == "export_bundle":  # the key works from the dashboard; the palette offers it everywhere
            return self.handle is not None and type(self.screen).__name__ == "DashboardScreen"
        return True

    def action_view(self, mode: str) -> None:
        if self.handle is None:
            return
        if self.current_mode == mode:
            # pressing the view's number again goes back to its top screen
            while len(self.screen_stack) > 1:
                self.pop_screen()
            return
        self.switch_mode(mode)

    def action_export_bundle(self) -> None:
        from fieldwork_tui.tui.screens.export import ExportScreen

        if self.handle is not None and not isinstance(self.screen, ExportScreen):
            self.push_screen(ExportScreen())

    def action_help(self) -> None:
        from fieldwork_tui.tui.dialogs.help import HelpDialog

        self.push_screen(HelpDialog())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        if self.handle is not None:
            for mode, (key, title) in VIEWS.items():
                yield SystemCommand(f"Go to {title}", f"Switch to the {title} view (key {key})",
                                    lambda mode=mode: self.action_view(mode))
            yield SystemCommand("Export workpaper bundle", "Write the .zip for the manager, then verify it",
                                self.action_export_bundle)
        commands = getattr(screen, "palette_commands", None)
        if commands is not None:
            for title, help_text, callback in commands():
                yield SystemCommand(title, help_text, callback)
        yield SystemCommand("Help", "Keys, views and what the flags mean", self.action_help)
        yield SystemCommand("Quit", "Quit the application", self.exit)
        yield from (c for c in super().get_system_commands(screen) if c.title in {"Theme", "Keys"})


def create_app(home: Path | str | None = None, engagement: str | None = None) -> FieldworkApp:
    handle = open_engagement(home, engagement) if engagement else None
    return FieldworkApp(home=home, handle=handle)
