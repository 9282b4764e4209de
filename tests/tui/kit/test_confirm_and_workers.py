"""The confirm dialog before destructive keys, and the one worker helper with its one error handler."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Label

from fieldwork_tui.services.errors import EngagementBusy, InvalidInput
from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.confirm import ConfirmDialog, confirm
from fieldwork_tui.tui.kit.keys import OrderedKeys
from fieldwork_tui.tui.kit.screen import KitScreen
from tests.tui.kit.support import settle, type_fast


class Home(KitScreen):
    def compose(self) -> ComposeResult:
        yield Label("home")


class TinyApp(OrderedKeys, App):
    def on_mount(self) -> None:
        self.start_ordered_keys()
        self.push_screen(Home())


@pytest.mark.parametrize(("keys", "done"), [(["y"], True), (["enter"], True), (["n"], False), (["escape"], False)])
async def test_confirm_runs_the_action_only_on_yes(keys, done):
    app = TinyApp()
    ran = []
    async with app.run_test():
        await settle(app)
        confirm(app.screen, "Remove evidence", "Remove \x1b]0;pwned\x07report.pdf from AC-01?", lambda: ran.append(1))
        await settle(app)
        assert isinstance(app.screen, ConfirmDialog)
        shown = app.screen.query_one(".confirm-message").render()
        assert "\x1b" not in str(shown) and "␛" in str(shown)
        type_fast(app, *keys)
        await settle(app)
        assert ran == ([1] if done else [])
        assert isinstance(app.screen, Home)


async def test_an_unexpected_error_in_a_worker_is_a_notification_not_a_crash():
    app = TinyApp()
    async with app.run_test():
        await settle(app)

        def boom():
            raise ZeroDivisionError("division by zero")

        workers.run(app.screen, boom)
        await settle(app)
        assert app.is_running
        messages = [n.message for n in app._notifications]
        assert messages == ["unexpected error: ZeroDivisionError: division by zero"]


async def test_user_errors_and_os_errors_are_one_line_notifications():
    app = TinyApp()
    async with app.run_test():
        await settle(app)

        def user_error():
            raise InvalidInput("as of '2026-13-01': expected YYYY-MM-DD")

        def os_error():
            raise FileNotFoundError(2, "No such file or directory", "/tmp/nope\x1b[2J.pdf")

        workers.run(app.screen, user_error)
        workers.run(app.screen, os_error)
        await settle(app)
        messages = sorted(n.message for n in app._notifications)
        assert messages == ["/tmp/nope␛[2J.pdf: No such file or directory", "as of '2026-13-01': expected YYYY-MM-DD"]


async def test_failed_handler_may_show_the_error_itself():
    app = TinyApp()
    shown = []
    async with app.run_test():
        await settle(app)

        def user_error():
            raise InvalidInput("size: expected a whole number")

        workers.run(app.screen, user_error, failed=lambda exc: shown.append(str(exc)) or True)
        await settle(app)
        assert shown == ["size: expected a whole number"] and not app._notifications


async def test_busy_writes_are_retried_until_they_succeed():
    app = TinyApp()
    tries, waits, results = [], [], []
    async with app.run_test():
        await settle(app)

        def write():
            tries.append(1)
            if len(tries) < 4:
                raise EngagementBusy("acme: the engagement is busy")
            return "saved"

        workers.run(app.screen, write, done=results.append, on_wait=waits.append)
        await settle(app)
        assert results == ["saved"] and waits == [1, 2, 3] and not app._notifications


async def test_a_busy_write_not_retried_is_reported():
    app = TinyApp()
    async with app.run_test():
        await settle(app)

        def write():
            raise EngagementBusy("acme: the engagement is busy (another fieldwork process kept it locked)")

        workers.run(app.screen, write, retry_busy=False)
        await settle(app)
        assert [n.message for n in app._notifications] == [
            "acme: the engagement is busy (another fieldwork process kept it locked)"]


async def test_an_exclusive_newer_worker_drops_the_older_result():
    import threading

    app = TinyApp()
    gate = threading.Event()
    results = []
    async with app.run_test():
        await settle(app)

        def slow():
            gate.wait(5)
            return "old"

        workers.run(app.screen, slow, done=results.append, group="q", exclusive=True)
        workers.run(app.screen, lambda: "new", done=results.append, group="q", exclusive=True)
        gate.set()
        await settle(app)
        assert results == ["new"]


async def test_a_role_resolves_to_the_theme_in_a_worker_as_on_the_ui_thread():
    """Rows are built in workers: a severe row (an overdue request) must be styled there exactly as on
    the UI thread, not fall back to plain text because the worker's thread has no active app."""
    from fieldwork_tui.tui.kit.styles import role

    app = TinyApp()
    seen = []
    async with app.run_test():
        await settle(app)
        on_ui = role("severe")
        workers.run(app.screen, lambda: role("severe"), done=seen.append)
        await settle(app)
        assert on_ui and str(on_ui) != "none"
        assert seen == [on_ui]
