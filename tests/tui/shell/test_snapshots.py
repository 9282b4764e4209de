"""One snapshot per shell screen state a user sees (fixed size, blink frozen, clock frozen)."""

from __future__ import annotations

from fieldwork_tui.tui.app import create_app

SIZE = (130, 40)


def test_picker(snap_compare, demo_home, monkeypatch):
    import fcntl
    import shutil
    from pathlib import Path

    # The picker shows the home path, so it is one fixed folder shared by every run on the machine
    # (xdist workers, other checkouts): one run at a time holds it, under an exclusive lock.
    fixed = Path("/tmp/fieldwork-snapshot-home")
    with open(f"{fixed}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            shutil.rmtree(fixed, ignore_errors=True)
            shutil.copytree(demo_home, fixed)
            assert snap_compare(create_app(fixed, None), terminal_size=SIZE)
        finally:
            shutil.rmtree(fixed, ignore_errors=True)
            fcntl.flock(lock, fcntl.LOCK_UN)


def test_dashboard(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=SIZE)


def test_controls(snap_compare, demo_app):
    assert snap_compare(demo_app, press=["2"], terminal_size=SIZE)


def test_controls_filtered(snap_compare, demo_app):
    assert snap_compare(demo_app, press=["2", "slash", *"access"], terminal_size=SIZE)


def test_control_detail(snap_compare, demo_app):
    assert snap_compare(demo_app, press=["2", "enter"], terminal_size=SIZE)


def test_help(snap_compare, demo_app):
    assert snap_compare(demo_app, press=["question_mark"], terminal_size=SIZE)


# Issue 15 item 3: at 80×24 ref, flags and status stay; the rest is truncated or hidden; the highlighted
# row's full text is in the detail line.
SMALL = (80, 24)


def test_controls_at_80x24(snap_compare, demo_app):
    assert snap_compare(demo_app, press=["2", "down", "down"], terminal_size=SMALL)


def test_control_detail_at_80x24(snap_compare, demo_app):
    assert snap_compare(demo_app, press=["2", "enter", "alt+2"], terminal_size=SMALL)


# Issue 15 item 11: flag colours follow the theme (the flag table's severities, theme variables only).
def _theme(name: str):
    def run_before(pilot) -> None:
        pilot.app.theme = name

    return run_before


def test_controls_flags_in_the_light_theme(snap_compare, demo_app):
    assert snap_compare(demo_app, run_before=_theme("textual-light"), press=["2"], terminal_size=SIZE)


def test_controls_flags_in_the_gruvbox_theme(snap_compare, demo_app):
    assert snap_compare(demo_app, run_before=_theme("gruvbox"), press=["2"], terminal_size=SIZE)



# Issue 19 item 2: the first paint from the start-up cache, before the engagement is open — frozen in
# that state (the open never starts), so the snapshot is the same every run.
def test_dashboard_updating_from_the_start_up_cache(snap_compare, demo_home, monkeypatch):
    from fieldwork_tui.services.demo import DEMO_SLUG
    from fieldwork_tui.services.engagements import open_engagement
    from fieldwork_tui.services.startup import live_dashboard
    from fieldwork_tui.tui.app import FieldworkApp

    handle = open_engagement(demo_home, DEMO_SLUG)
    live_dashboard(handle)  # what a session's live load leaves in the start-up cache
    handle.close()
    monkeypatch.setattr(FieldworkApp, "open_after_paint", lambda self: None)
    app = create_app(demo_home, DEMO_SLUG)
    assert app.cached_dashboard is not None
    assert snap_compare(app, terminal_size=SIZE)
