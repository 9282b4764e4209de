"""The base of every screen and dialog: focus on the main widget after every switch, one place where a
screen loads its data (off the UI thread), keys held until the screen is ready.

A screen declares

* `MAIN` — a selector of its main widget (the table, the first field): focus lands there whenever
  the screen is shown, and when one of its tabs is;
* `fetch()` — what it shows, read from the services in a worker thread (plain data), and
  `show(data)` — puts it on screen (UI thread). `load()` runs both; it is THE seam where a screen
  reads its data (the first load decides when the screen takes keys);
* `BINDINGS` with an `id`, a description and a tooltip — the command palette and `?` are built
  from them (see `kit.actions`).

`ActionArea` marks a part of a screen with its own bindings (a tab of the control detail): its actions
are offered by the palette and listed by `?` even while the tab is hidden; running one shows the tab.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import events, on
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from fieldwork_tui.tui.kit import workers


class ReadyMixin:
    """Screen mixin: tells the app when the screen can take keys, and focuses its main widget."""

    DECLARES_READY: ClassVar[bool] = True
    MAIN: ClassVar[str | None] = None
    #: Load data on every return to the screen (a view switch, closing a screen pushed over it).
    RELOAD_ON_RESUME: ClassVar[bool] = True

    _kit_loaded = False  # the first load has been shown (or failed)
    _kit_first_load_running = False
    _kit_data: Any = None
    _kit_has_data = False
    _kit_after_modal = False
    _kit_was_suspended = False  # a resume that does not follow a suspend is the first showing

    # -- main widget and focus -------------------------------------------------------------------------
    def main_widget(self) -> Widget | None:
        """The widget that takes the keys when the screen (or its active tab) is shown."""
        if self.MAIN:
            for widget in self.query(self.MAIN):  # type: ignore[attr-defined]
                if widget.focusable:
                    return widget
        for widget in self.focus_chain:  # type: ignore[attr-defined]
            return widget
        return None

    def focus_main(self) -> None:
        """Focus the main widget now (synchronously: the next key already goes to it)."""
        widget = self.main_widget()
        if widget is not None:
            self.set_focus(widget)  # type: ignore[attr-defined]

    def _kit_declare_ready(self) -> None:
        set_ready = getattr(self.app, "screen_ready", None)  # type: ignore[attr-defined]
        if set_ready is not None:
            set_ready(self)

    # -- the data seam ----------------------------------------------------------------------------------
    def fetch(self) -> Any:
        """Read what the screen shows (runs in a worker thread; return plain data)."""
        return None

    def show(self, data: Any) -> None:
        """Put `data` (from `fetch`) on screen (UI thread)."""

    def _kit_fetch(self) -> Any:
        """What `load()` runs in the worker (a base screen may add to `fetch()`, e.g. its header)."""
        return self.fetch()

    def _kit_show(self, data: Any) -> None:
        self.show(data)

    def _kit_fetches(self) -> bool:
        return type(self).fetch is not ReadyMixin.fetch

    def set_loading(self, on: bool) -> None:
        """Show that the screen is reading its data: nothing by default; a screen may show it (the
        engagement bar says "loading…"). Never a CSS class on the screen: that restyles every widget
        on it, twice a load (a tenth of a second on the control detail)."""

    @property
    def first_load_running(self) -> bool:
        """The screen is reading what it shows first (the keys typed meanwhile wait for it)."""
        return self._kit_first_load_running

    def load(self) -> None:
        """Fetch in a worker, then show. The first load decides when the screen takes keys."""
        if not self._kit_fetches():
            self._kit_shown(None)
            return
        self._kit_first_load_running = not self._kit_loaded
        self.set_loading(True)
        workers.run(self, self._kit_fetch, done=self._kit_shown, failed=self._kit_load_failed,  # type: ignore[arg-type]
                    group="load", exclusive=True, description=f"load {type(self).__name__}")

    def _kit_shown(self, data: Any) -> None:
        self._kit_data, self._kit_has_data = data, True
        self.set_loading(False)
        try:
            self._kit_show(data)
        finally:
            # keys that depend on the data (check_action) change with it: the key bar, the palette and
            # `?` read the bindings again now, not at the next focus change
            self.refresh_bindings()  # type: ignore[attr-defined]
            self._kit_first_load_done()

    def commit(self, work: Any, *, success: str | None = None, then: Any = None, reload: bool = True,
               failed: Any = None) -> None:
        """Run a change (a service call) in a worker; then say `success`, run `then(result)` and load
        the screen again. Errors go to the one handler (or `failed`)."""

        def done(result: Any) -> None:
            if success:
                self.app.notify(success, markup=False)  # type: ignore[attr-defined]
            if then is not None:
                then(result)
            if reload and self.is_attached:  # type: ignore[attr-defined]
                self.load()

        workers.run(self, work, done=done, failed=failed, group="commit",  # type: ignore[arg-type]
                    description=getattr(work, "__name__", "change"))

    def _kit_load_failed(self, exc: BaseException) -> bool:
        self.set_loading(False)
        self._kit_first_load_done()
        return False  # the one error handler shows it

    def _kit_first_load_done(self) -> None:
        self._kit_first_load_running = False
        if not self._kit_loaded:
            self._kit_loaded = True
            self.focus_main()
            self._kit_declare_ready()

    def repaint(self) -> None:
        """Show the last data again (after a theme change: colours come from the theme)."""
        if self._kit_has_data:
            self._kit_show(self._kit_data)

    # -- lifecycle --------------------------------------------------------------------------------------
    def _kit_mounted(self) -> None:
        app = self.app  # type: ignore[attr-defined]
        signal = getattr(app, "theme_changed_signal", None)
        if signal is not None:
            signal.subscribe(self, lambda _theme: self.repaint())
        self.load()

    def _kit_resumed(self) -> None:
        if not self._kit_was_suspended or not self._kit_loaded:
            return  # the first showing: the first load declares the screen ready
        self._kit_was_suspended = False
        if self._kit_after_modal and self.focused is not None and self.focused.is_attached:  # type: ignore[attr-defined]
            pass  # a dialog closed: the focus stays where the auditor left it
        else:
            self.focus_main()
        self._kit_after_modal = False
        self._kit_declare_ready()
        if self.RELOAD_ON_RESUME:
            self.load()

    def _kit_suspended(self) -> None:
        self._kit_was_suspended = True
        self._kit_after_modal = isinstance(self.app.screen, ModalScreen)  # type: ignore[attr-defined]


class KitScreen(ReadyMixin, Screen):
    """A full screen of the app (views, the control detail, the population browser …).

    Subclasses may define their own `on_mount` (it runs first; Textual calls the handler of every
    class) — they need not call the base."""

    @on(events.Mount)
    def _kit_on_mount(self) -> None:
        self._kit_mounted()

    @on(events.ScreenResume)
    def _kit_on_resume(self) -> None:
        self._kit_resumed()

    @on(events.ScreenSuspend)
    def _kit_on_suspend(self) -> None:
        self._kit_suspended()

    # -- tabs ------------------------------------------------------------------------------------------
    def show_tab(self, pane_id: str) -> None:
        """Show a tab and focus its main widget at once (the next key goes to the tab)."""
        tabs = self.query_one(TabbedContent)
        tabs.active = pane_id
        self._focus_pane(tabs.get_pane(pane_id))

    def _focus_pane(self, pane: TabPane) -> None:
        area = next(iter(pane.query(ActionArea)), None)
        target = area.main_widget() if area is not None else next(
            (w for w in pane.query("*") if w.focusable and w.can_focus), None)
        if target is not None:
            self.set_focus(target)

    @on(TabbedContent.TabActivated)
    def _kit_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        focused = self.focused
        if focused is None or event.pane not in focused.ancestors_with_self:
            self._focus_pane(event.pane)


class KitModal(ReadyMixin, ModalScreen):
    """A dialog: ready (and focused on its first field) once mounted; never reloads on resume."""

    RELOAD_ON_RESUME = False

    @on(events.Mount)
    def _kit_on_mount(self) -> None:
        self._kit_mounted()

    @on(events.ScreenResume)
    def _kit_on_resume(self) -> None:
        self._kit_resumed()

    @on(events.ScreenSuspend)
    def _kit_on_suspend(self) -> None:
        self._kit_suspended()


class ActionArea(Vertical):
    """A part of a screen with its own bindings (a tab): palette and help list them by `AREA_LABEL`;
    running one of its actions from the palette reveals it first."""

    AREA_LABEL: ClassVar[str] = ""
    MAIN: ClassVar[str | None] = None

    def main_widget(self) -> Widget | None:
        if self.MAIN:
            for widget in self.query(self.MAIN):
                if widget.can_focus:
                    return widget
        return next((w for w in self.query("*") if w.can_focus and w.focusable), None)

    async def prepare(self) -> None:
        """Called after `reveal()` and before one of the area's actions runs from the palette: an area
        composed on demand (a tab built when first shown) builds itself here."""

    def reveal(self) -> None:
        """Show this area (its tab) and focus its main widget."""
        reveal(self)


def reveal(node: Widget) -> None:
    """Make `node` visible: activate every tab it sits in, then focus the area's main widget."""
    screen = node.screen
    for ancestor in reversed(list(node.ancestors)):
        if isinstance(ancestor, TabPane) and ancestor.id:
            tabs = next((a for a in ancestor.ancestors if isinstance(a, TabbedContent)), None)
            if tabs is not None and tabs.active != ancestor.id:
                tabs.active = ancestor.id
    target = node.main_widget() if isinstance(node, ActionArea) else None
    if target is not None:
        screen.set_focus(target)
