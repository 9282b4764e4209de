"""The engagement uid is fixed at creation (issue 21): every sample's seed derives from it. The app
refuses a change and journals the refusal; any other writer is refused by the database itself."""

from __future__ import annotations

import re
import sqlite3

import pytest
from sqlmodel import select

from fieldwork_tui.services.demo.core import DEMO_UID
from fieldwork_tui.services.engagements import create_engagement
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.store.models import Control, Engagement, JournalEntry


def _journal(handle) -> list[JournalEntry]:
    with handle.read() as s:
        return list(s.exec(select(JournalEntry).order_by(JournalEntry.id)))


def test_uid_is_set_at_creation(home):
    given = create_engagement(home, "Given uid", uid="eng-7c1e")
    random_ = create_engagement(home, "Random uid")
    try:
        assert given.engagement().uid == "eng-7c1e"
        assert re.fullmatch(r"[0-9a-f]{32}", random_.engagement().uid)
        created = [e for e in _journal(given) if e.entity == "engagement" and e.action == "create"]
        assert created[0].details["uid"] == "eng-7c1e"
    finally:
        given.close()
        random_.close()


def test_a_change_is_refused_rolled_back_and_journaled(engagement):
    before = engagement.engagement().uid
    with pytest.raises(InvalidInput, match="fixed when the engagement is created"):
        with engagement.session() as s:
            s.add(Control(ref="ZZ-01", title="added in the same transaction"))
            eng = s.exec(select(Engagement)).one()
            eng.uid = "someone-elses-uid"
    assert engagement.engagement().uid == before
    with engagement.read() as s:
        assert s.exec(select(Control).where(Control.ref == "ZZ-01")).first() is None  # nothing half-written
    last = _journal(engagement)[-1]
    assert (last.action, last.entity) == ("refused", "engagement")
    assert last.details == {"column": "uid", "from": before, "to": "someone-elses-uid",
                            "reason": "fixed when the engagement was created"}
    assert last.actor == "elena"


def test_setting_the_same_uid_is_no_change(engagement):
    uid = engagement.engagement().uid
    with engagement.session() as s:
        eng = s.exec(select(Engagement)).one()
        eng.uid = uid
        eng.name = "Renamed"
    assert engagement.engagement().name == "Renamed"


def test_the_database_refuses_any_other_writer(engagement):
    conn = sqlite3.connect(engagement.db_path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="fixed when the engagement is created"):
            conn.execute("UPDATE engagement SET uid = 'forged'")
        conn.execute("UPDATE engagement SET name = 'still editable'")
        conn.commit()
    finally:
        conn.close()


def test_the_demo_never_changes_its_uid(demo):
    assert demo.engagement().uid == DEMO_UID
    entries = [e for e in _journal(demo) if e.entity == "engagement"]
    assert entries[0].action == "create" and entries[0].details["uid"] == DEMO_UID
    assert not [e for e in entries if e.action == "update" and "uid" in e.details]
