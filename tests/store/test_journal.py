"""The hash-chained journal and the final-report lock."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from fieldwork_tui.domain.vocab import Flag, Phase
from fieldwork_tui.services.controls.catalog import add_control, find_control, set_conclusion
from fieldwork_tui.services.engagements import set_phase
from fieldwork_tui.services.errors import EngagementLocked
from fieldwork_tui.services.findings.review import add_note, answer_note, clear_note
from fieldwork_tui.services.findings.signoffs import sign
from fieldwork_tui.store import journal
from fieldwork_tui.store.models import JournalEntry, Observation


@pytest.fixture
def ctl(engagement):
    add_control(engagement, "AC-1", "Quarterly access review", criteria=["CC6.1"])
    return engagement


def _entries(handle):
    with handle.read() as s:
        return list(journal.iter_entries(s))


def test_every_change_is_journaled_with_actor_and_chained(ctl):
    set_conclusion(ctl, "AC-1", "effective", "fine")
    entries = _entries(ctl)
    last = entries[-1]
    assert (last["action"], last["entity"], last["actor"]) == ("update", "control", "elena")
    assert last["details"]["conclusion"] == {"from": None, "to": "effective"}
    assert entries[0]["prev_hash"] == journal.GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(entries, entries[1:], strict=False))
    assert list(journal.verify_chain(entries)) == []


def test_verify_chain_names_the_tampered_entry(ctl):
    add_note(ctl, "AC-1", "one")
    add_note(ctl, "AC-1", "two")
    entries = _entries(ctl)
    assert len(entries) >= 3
    entries[2]["details"] = {"forged": True}
    assert list(journal.verify_chain(entries)) == [f"journal entry {entries[2]['id']}: content does not match its hash"]


def test_iter_entries_reads_in_batches(ctl):
    for i in range(7):
        add_note(ctl, "AC-1", f"note {i}")
    with ctl.read() as s:
        small = list(journal.iter_entries(s, batch=3))
    assert small == _entries(ctl)
    assert journal.entry_line(small[0]).startswith("{") and "\n" not in journal.entry_line(small[0])


def test_final_report_locks_edits_and_deletes_but_allows_additions(ctl, become):
    set_phase(ctl, Phase.final_report)
    with pytest.raises(EngagementLocked, match="control #1 cannot be edited"):
        set_conclusion(ctl, "AC-1", "not_effective")
    with ctl.session() as s:
        c = find_control(s, "AC-1")
        s.add(Observation(control_id=c.id, observed_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC), description="late"))
    with ctl.read() as s:
        obs = s.exec(select(Observation)).one()
    with pytest.raises(EngagementLocked, match="nothing can be deleted"):
        with ctl.session() as s:
            s.delete(s.get(Observation, obs.id))
    # additions are dated and attributed by the journal
    with ctl.read() as s:
        added = s.exec(select(JournalEntry).where(JournalEntry.entity == "observation")).one()
    assert added.actor == "elena" and added.at.date() == dt.datetime.now(dt.UTC).date()
    # review notes can still be written, answered and cleared; sign-offs are additions
    note = add_note(ctl, "AC-1", "post-report note")
    ctl.actor = "sam"
    become("sam")
    answer_note(ctl, note.id, "answered after the report")
    ctl.actor = "elena"
    become("elena")
    clear_note(ctl, note.id)
    sign(ctl, "AC-1", "preparer", confirm_flags=[f.value for f in Flag])


def test_refused_edit_leaves_nothing_behind(ctl):
    set_phase(ctl, Phase.final_report)
    before = len(_entries(ctl))
    with pytest.raises(EngagementLocked):
        set_conclusion(ctl, "AC-1", "not_effective")
    assert len(_entries(ctl)) == before
