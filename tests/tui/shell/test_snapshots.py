"""One snapshot per shell screen state a user sees (fixed size, blink frozen, clock frozen)."""

from __future__ import annotations

from fieldwork_tui.tui.app import create_app

SIZE = (130, 40)


def test_picker(snap_compare, demo_home, monkeypatch):
    import shutil
    from pathlib import Path

    fixed = Path("/tmp/fieldwork-snapshot-home")  # the picker shows the home path: keep it stable
    shutil.rmtree(fixed, ignore_errors=True)
    shutil.copytree(demo_home, fixed)
    try:
        assert snap_compare(create_app(fixed, None), terminal_size=SIZE)
    finally:
        shutil.rmtree(fixed, ignore_errors=True)


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
