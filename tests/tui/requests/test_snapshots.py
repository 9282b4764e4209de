"""One snapshot per requests screen state a user sees (fixed size, blink and clock frozen)."""

from __future__ import annotations

SIZE = (130, 40)


def test_requests_triage(snap_compare, demo_app):
    assert snap_compare(demo_app, press=["3"], terminal_size=SIZE)


def test_requests_overdue_one_owner(snap_compare, demo_app):
    assert snap_compare(demo_app, press=["3", "o", "w"], terminal_size=SIZE)


def test_requests_owner_picker(snap_compare, demo_app):
    assert snap_compare(demo_app, press=["3", "W"], terminal_size=SIZE)


def test_requests_filtered(snap_compare, demo_app):
    assert snap_compare(demo_app, press=["3", "slash", *"population"], terminal_size=SIZE)


def test_requests_selection_and_status_dialog(snap_compare, demo_app):
    assert snap_compare(demo_app, press=["3", "space", "space", "b"], terminal_size=SIZE)


def test_requests_due_dialog(snap_compare, demo_app):
    assert snap_compare(demo_app, press=["3", "space", "d", *"+3"], terminal_size=SIZE)


def test_request_detail(snap_compare, demo_app):
    assert snap_compare(demo_app, press=["3", "o", "enter"], terminal_size=SIZE)


def test_request_follow_up_dialog(snap_compare, demo_app):
    assert snap_compare(demo_app, press=["3", "o", "enter", "f", *"Chased again"], terminal_size=SIZE)


def test_request_export_dialog(snap_compare, demo_app, monkeypatch, tmp_path):
    monkeypatch.chdir("/tmp")  # the default path shows the working folder: keep it stable
    assert snap_compare(demo_app, press=["3", "e"], terminal_size=SIZE)


def test_requests_at_80x24(snap_compare, demo_app):
    """Issue 15 item 3: ref, status and due stay at 80 columns; the highlighted request in full below."""
    assert snap_compare(demo_app, press=["3", "down"], terminal_size=(80, 24))


def test_request_import_mapping_step(snap_compare, demo_app):
    """Issue 22: headers the importer does not know, shown beside the app's fields with the first rows
    (a fixed path: the dialog names the file)."""
    from pathlib import Path

    folder = Path("/tmp/fieldwork-snapshot-files")
    folder.mkdir(exist_ok=True)
    (folder / "tracker.csv").write_text("ACME FY26 evidence tracker,,,\nTicket,What we need,Who,Anything else\n"
                                        "T-1,Terminated users list,Ana,pulled by HR\nT-2,Firewall rule review,Bo,\n",
                                        encoding="utf-8")
    assert snap_compare(demo_app, press=["3", "i", *str(folder / "tracker.csv"), "ctrl+s"], terminal_size=SIZE)
