"""Offline check-out, check-in and sync of a team engagement on a real PostgreSQL server (tests/pg.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldwork_tui.services.controls.catalog import set_conclusion
from fieldwork_tui.services.engagements import open_path
from fieldwork_tui.services.findings import conclusion_view
from fieldwork_tui.services.maintenance import check_engagement
from fieldwork_tui.services.team import checkin, checkout, control_holds, open_any, publish_engagement, sync
from fieldwork_tui.store import journal
from fieldwork_tui.store.holds import ControlHeld
from tests import pg

pytestmark = pytest.mark.postgres


@pytest.fixture
def team(demo, home: Path, monkeypatch):
    """The demo published to a fresh database on the test server: its URL (dropped afterwards)."""
    name = pg.new_name()
    url = pg.database_url(name)
    publish_engagement(demo, url)
    yield url
    pg.drop_database(name)


def as_user(monkeypatch, name: str) -> None:
    monkeypatch.setenv("FIELDWORK_USER", name)


def _head(handle) -> tuple[str, int]:
    with handle.read() as s:
        return journal.head(s)


def test_check_out_one_control_edit_offline_and_check_in(team, home: Path, tmp_path: Path, monkeypatch) -> None:
    as_user(monkeypatch, "elena")
    result = checkout(home, team, "CE-01", out=tmp_path / "elena")
    assert result.controls == ("CE-01",)
    server = open_any(home, team)
    try:
        [hold] = control_holds(server)
        assert (hold.ref, hold.holder) == ("CE-01", "elena")
        as_user(monkeypatch, "sam")
        server.actor = "sam"
        with pytest.raises(ControlHeld, match="CE-01 is checked out to elena since"):
            set_conclusion(server, "CE-01", "effective", "tested")
        set_conclusion(server, "CE-02", "effective", "tested on the server")  # not held: fine
    finally:
        server.close()

    as_user(monkeypatch, "elena")
    replica = open_path(tmp_path / "elena")
    try:
        set_conclusion(replica, "CE-01", "effective", "tested offline")
        with pytest.raises(ControlHeld, match="CE-02: a read-only copy in this replica"):
            set_conclusion(replica, "CE-02", "not_effective", "no")
    finally:
        replica.close()

    done = checkin(home, str(tmp_path / "elena"))
    assert done.entries >= 1
    server = open_any(home, team)
    try:
        assert control_holds(server) == []
        assert conclusion_view(server, "CE-01").note == "tested offline"
        assert check_engagement(server).problems == []
        set_conclusion(server, "CE-01", "effective", "released: the server takes changes again")
    finally:
        server.close()
