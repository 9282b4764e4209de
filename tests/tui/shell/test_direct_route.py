"""The direct route to a control: `fieldwork open ENGAGEMENT --control REF [--population]` and the
dashboard's `g` (go to control)."""

from __future__ import annotations

from typer.testing import CliRunner

from fieldwork_tui.cli import app as cli
from fieldwork_tui.services.demo import DEMO_SLUG
from fieldwork_tui.tui.app import create_app
from fieldwork_tui.tui.kit.forms import PromptDialog
from fieldwork_tui.tui.screens.control_detail import ControlDetailScreen
from fieldwork_tui.tui.screens.controls import ControlsScreen
from fieldwork_tui.tui.screens.dashboard import DashboardScreen

from ..support import settle

SIZE = (130, 40)


class _Launched:
    """Stands in for the app: records what `fieldwork open` constructed it with, never runs it."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def __call__(self, home, engagement, **kw):
        self.calls.append((engagement, kw))
        return self

    def run(self) -> None:
        pass


def _open(monkeypatch, *args: str):
    import fieldwork_tui.tui.app as tui_app

    launched = _Launched()
    monkeypatch.setattr(tui_app, "create_app", launched)
    return CliRunner().invoke(cli, ["open", *args]), launched.calls


def test_open_control_constructs_the_app_on_that_control(demo_home, monkeypatch):
    r, calls = _open(monkeypatch, DEMO_SLUG, "--control", "ac-03")  # the usual ref matching: case-blind
    assert r.exit_code == 0, r.output
    assert calls == [(DEMO_SLUG, {"control": "AC-03", "population": False})]
    r, calls = _open(monkeypatch, str(demo_home / DEMO_SLUG), "--control", "AC-03", "--population")  # a path
    assert r.exit_code == 0, r.output
    assert calls == [(str(demo_home / DEMO_SLUG), {"control": "AC-03", "population": True})]


def test_open_unknown_control_names_it_and_does_not_start(demo_home, monkeypatch):
    r, calls = _open(monkeypatch, DEMO_SLUG, "--control", "ZZ-99")
    assert r.exit_code == 1 and calls == []
    assert "ZZ-99" in r.output and "not found" in r.output


def test_open_population_needs_control_and_engagement(demo_home, monkeypatch):
    r, calls = _open(monkeypatch, DEMO_SLUG, "--population")
    assert r.exit_code == 1 and calls == [] and "--control" in r.output
    r, calls = _open(monkeypatch, "--control", "AC-03")
    assert r.exit_code == 1 and calls == [] and "ENGAGEMENT" in r.output


def test_open_without_control_is_unchanged(demo_home, monkeypatch):
    r, calls = _open(monkeypatch, DEMO_SLUG)
    assert r.exit_code == 0 and calls == [(DEMO_SLUG, {"control": None, "population": False})]


async def test_app_starts_on_the_control_detail(demo_home):
    app = create_app(demo_home, DEMO_SLUG, control="AC-03")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ControlDetailScreen) and screen.ref == "AC-03"
        assert screen.records is not None and screen.records.control.ref == "AC-03"
        assert screen.query_one("TabbedContent").active == "inquiry"
        await pilot.press("escape")  # back to the Controls list, as after opening it from there
        await settle(pilot)
        assert isinstance(app.screen, ControlsScreen)


async def test_app_starts_on_the_population(demo_home):
    app = create_app(demo_home, DEMO_SLUG, control="AC-03", population=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ControlDetailScreen)
        assert screen.query_one("TabbedContent").active == "sampling"
        assert app.focused in screen.query_one("#tab-sampling").walk_children(with_self=True) or \
            app.focused is None


async def test_dashboard_go_to_control(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(demo_app.screen, DashboardScreen)
        await pilot.press("g", *"zz-99", "enter")  # an unknown ref: named, the dialog stays open
        await settle(pilot)
        assert isinstance(demo_app.screen, PromptDialog)
        error = str(demo_app.screen.query_one("#form-error").render())
        assert "ZZ-99" in error.upper() and "Not saved" not in error  # a jump saves nothing
        await pilot.press(*["backspace"] * 5, *"ac-03", "enter")
        await settle(pilot)
        assert isinstance(demo_app.screen, ControlDetailScreen) and demo_app.screen.ref == "AC-03"
        assert demo_app.current_mode == "controls"
