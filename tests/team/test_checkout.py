"""Offline check-out, check-in and sync of a team engagement on a real PostgreSQL server (tests/pg.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldwork_tui.domain.vocab import Phase
from fieldwork_tui.services.controls.catalog import set_conclusion
from fieldwork_tui.services.engagements import open_path, set_phase
from fieldwork_tui.services.errors import EngagementLocked, FieldworkError, SaveConflict
from fieldwork_tui.services.evidence import attach, list_files
from fieldwork_tui.services.findings import add_note, answer_note, conclusion_view, list_notes
from fieldwork_tui.services.maintenance import check_engagement
from fieldwork_tui.services.team import checkin, checkout, control_holds, open_any, publish_engagement, sync
from fieldwork_tui.services.team import offline as checkout_module
from fieldwork_tui.services.team.publish import _digests
from fieldwork_tui.store import journal
from fieldwork_tui.store.holds import ControlHeld
from fieldwork_tui.store.models import ControlHold, ReviewNote
from tests import pg

pytestmark = pytest.mark.postgres


@pytest.fixture
def team(demo, home: Path):
    """The demo published to a fresh database on the test server: its URL (dropped afterwards)."""
    name = pg.new_name()
    url = pg.database_url(name)
    publish_engagement(demo, url)
    yield url
    pg.drop_database(name)


@pytest.fixture
def as_user(monkeypatch):
    def become(name: str) -> None:
        monkeypatch.setenv("FIELDWORK_USER", name)
    return become


class Server:
    """The team engagement as one person opens it, for one block of work."""

    def __init__(self, home: Path, url: str) -> None:
        self.handle = open_any(home, url)

    def __enter__(self):
        return self.handle

    def __exit__(self, *exc) -> None:
        self.handle.close()


def _state(home: Path, url: str):
    """What a failed check-in must leave exactly as it was: the journal head, every table's digest."""
    with Server(home, url) as h, h.read() as s:
        return journal.head(s), _digests(s.connection())


def _conclude_offline(home: Path, url: str, replica: Path) -> None:
    """Check out CE-01 into `replica` and conclude it there, offline."""
    checkout(home, url, "CE-01", out=replica)
    h = open_path(replica)
    try:
        set_conclusion(h, "CE-01", "effective", "tested offline")
    finally:
        h.close()


def _evidence(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / "files" / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def test_check_out_one_control_edit_offline_and_check_in(team, home: Path, tmp_path: Path, as_user) -> None:
    as_user("elena")
    result = checkout(home, team, "CE-01", out=tmp_path / "elena")
    assert result.controls == ("CE-01",) and (tmp_path / "elena" / "fieldwork.db").is_file()
    as_user("sam")
    with Server(home, team) as server:
        [hold] = control_holds(server)
        assert (hold.ref, hold.holder, hold.here) == ("CE-01", "elena", False)
        with pytest.raises(ControlHeld, match="CE-01 is checked out to elena since .* UTC"):
            set_conclusion(server, "CE-01", "effective", "tested")
        set_conclusion(server, "CE-02", "effective", "tested on the server")  # not held: fine

    as_user("elena")
    replica = open_path(tmp_path / "elena")
    try:
        assert [h.here for h in control_holds(replica)] == [True]
        set_conclusion(replica, "CE-01", "effective", "tested offline")
        with pytest.raises(ControlHeld, match="CE-02: a read-only copy in this replica"):
            set_conclusion(replica, "CE-02", "not_effective", "no")
        assert check_engagement(replica).problems == []  # an ordinary engagement folder
    finally:
        replica.close()

    done = checkin(home, str(tmp_path / "elena"))
    assert done.entries >= 1
    as_user("sam")
    with Server(home, team) as server:
        assert control_holds(server) == []
        assert conclusion_view(server, "CE-01").note == "tested offline"
        assert conclusion_view(server, "CE-02").note == "tested on the server"
        assert check_engagement(server).problems == []
        with server.read() as s:
            entries = list(journal.iter_entries(s))
        merge = [e for e in entries if e["action"] == "checkin"][-1]
        assert merge["details"]["replica_head"] == done.replica_head
        reproduced = [e for e in entries if "_replica" in e["details"]]
        assert reproduced and all(e["actor"] == "elena" for e in reproduced)
        assert entries.index(merge) < entries.index(reproduced[0])
        set_conclusion(server, "CE-01", "effective", "released: the server takes changes again")
    with pytest.raises(ControlHeld, match="checked in"):  # the replica is done
        set_conclusion(open_path(tmp_path / "elena"), "CE-01", "effective", "more")


def test_two_staff_check_out_different_controls_work_offline_and_check_in(team, home: Path, tmp_path: Path,
                                                                          as_user) -> None:
    as_user("elena")
    checkout(home, team, "CE-01", out=tmp_path / "elena")
    as_user("priya")
    checkout(home, team, "CE-02,CE-03", out=tmp_path / "priya")
    for who, ref in (("elena", "CE-01"), ("priya", "CE-02")):
        as_user(who)
        h = open_path(tmp_path / who)
        try:
            attach(h, ref, [_evidence(tmp_path, f"{who}.txt", f"{who}'s evidence for {ref}")])
            set_conclusion(h, ref, "effective", f"{who} tested offline")
        finally:
            h.close()
    checkin(home, str(tmp_path / "priya"))  # in the other order than checked out
    checkin(home, str(tmp_path / "elena"))
    as_user("sam")
    with Server(home, team) as server:
        assert control_holds(server) == []
        assert conclusion_view(server, "CE-01").note == "elena tested offline"
        assert conclusion_view(server, "CE-02").note == "priya tested offline"
        report = check_engagement(server)
        assert report.problems == []
        [elena] = [e for e in list_files(server, "CE-01") if e.original_name == "elena.txt"]
        [priya] = [e for e in list_files(server, "CE-02") if e.original_name == "priya.txt"]
        with server.read() as s:  # each kept the id its replica gave it, from the range reserved for it
            ranges = {h.holder: (h.id_base, h.id_limit) for h in s.scalars(select(ControlHold))}
        assert ranges["elena"][0] <= elena.id < ranges["elena"][1]
        assert ranges["priya"][0] <= priya.id < ranges["priya"][1]
        assert ranges["elena"][1] <= ranges["priya"][0]


def test_a_conflicting_check_out_is_refused(team, home: Path, tmp_path: Path, as_user) -> None:
    as_user("elena")
    checkout(home, team, "CE-01", out=tmp_path / "elena")
    before = _state(home, team)
    as_user("priya")
    with pytest.raises(ControlHeld, match="CE-01 is checked out to elena since .*nothing was checked out"):
        checkout(home, team, "CE-03,CE-01", out=tmp_path / "priya")
    assert not (tmp_path / "priya").exists()
    assert _state(home, team) == before
    with Server(home, team) as server:
        assert [h.ref for h in control_holds(server)] == ["CE-01"]


def test_a_check_in_killed_halfway_leaves_the_server_unchanged(team, home: Path, tmp_path: Path, as_user,
                                                               monkeypatch) -> None:
    as_user("elena")
    checkout(home, team, "CE-01", out=tmp_path / "elena")
    h = open_path(tmp_path / "elena")
    try:
        attach(h, "CE-01", [_evidence(tmp_path, "a.txt", "evidence a")])
        set_conclusion(h, "CE-01", "effective", "tested offline")
    finally:
        h.close()
    before = _state(home, team)
    real = checkout_module.reproduce

    def dies_halfway(conn, entries, info):
        real(conn, entries[: len(entries) // 2], info)  # half the entries are written …
        raise RuntimeError("killed")  # … then the process dies

    monkeypatch.setattr(checkout_module, "reproduce", dies_halfway)
    with pytest.raises(RuntimeError, match="killed"):
        checkin(home, str(tmp_path / "elena"))
    assert _state(home, team) == before
    with Server(home, team) as server:
        assert [h.ref for h in control_holds(server)] == ["CE-01"]
    monkeypatch.setattr(checkout_module, "reproduce", real)
    checkin(home, str(tmp_path / "elena"))  # the replica is intact: checking in again works
    with Server(home, team) as server:
        assert check_engagement(server).problems == [] and control_holds(server) == []


def test_a_check_in_that_died_after_the_server_commit_is_recognised_on_retry(team, home: Path, tmp_path: Path,
                                                                              as_user, monkeypatch) -> None:
    """The server committed the merge, the process died before the replica's marker said so: the retry finds
    the merge (by the replica chain head its entry records), marks the replica and appends nothing again."""
    as_user("elena")
    _conclude_offline(home, team, tmp_path / "elena")

    def dies(_root):
        raise RuntimeError("killed after the server's commit")

    real = checkout_module._server_committed
    monkeypatch.setattr(checkout_module, "_server_committed", dies)
    with pytest.raises(RuntimeError, match="killed"):
        checkin(home, str(tmp_path / "elena"))
    after_commit = _state(home, team)
    monkeypatch.setattr(checkout_module, "_server_committed", real)
    again = checkin(home, str(tmp_path / "elena"))
    assert again.already and again.entries == 0 and "already checked in" in again.summary()
    assert _state(home, team) == after_commit  # nothing appended twice
    with pytest.raises(FieldworkError, match="already checked in"):
        checkin(home, str(tmp_path / "elena"))  # the marker now says so
    with Server(home, team) as server:
        assert check_engagement(server).problems == [] and control_holds(server) == []


def test_a_replica_journal_tampered_with_before_check_in_is_refused(team, home: Path, tmp_path: Path,
                                                                    as_user) -> None:
    as_user("elena")
    _conclude_offline(home, team, tmp_path / "elena")
    db = sqlite3.connect(tmp_path / "elena" / "fieldwork.db")
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journalentry'"):
        db.execute(f'DROP TRIGGER "{name}"')  # what someone rewriting the journal does first
    db.execute("UPDATE journalentry SET actor = 'sam' WHERE id = (SELECT max(id) FROM journalentry)")
    db.commit()
    db.close()
    before = _state(home, team)
    with pytest.raises(FieldworkError, match="its journal does not verify .*nothing was checked in"):
        checkin(home, str(tmp_path / "elena"))
    assert _state(home, team) == before


def test_a_replica_row_changed_outside_the_app_is_refused(team, home: Path, tmp_path: Path, as_user) -> None:
    as_user("elena")
    checkout(home, team, "CE-01", out=tmp_path / "elena")
    db = sqlite3.connect(tmp_path / "elena" / "fieldwork.db")
    db.execute("UPDATE control SET conclusion_note = 'edited with sqlite3' WHERE ref = 'CE-01'")
    db.commit()
    db.close()
    before = _state(home, team)
    with pytest.raises(FieldworkError, match="conclusion_note.*nothing was checked in"):
        checkin(home, str(tmp_path / "elena"))
    assert _state(home, team) == before


def test_check_out_and_check_in_are_refused_in_final_report(team, home: Path, tmp_path: Path, as_user) -> None:
    as_user("elena")
    checkout(home, team, "CE-01", out=tmp_path / "elena")
    as_user("sam")
    with Server(home, team) as server:
        set_phase(server, Phase.final_report)
    before = _state(home, team)
    with pytest.raises(EngagementLocked, match="final report"):
        checkout(home, team, "CE-02", out=tmp_path / "sam")
    as_user("elena")
    with pytest.raises(EngagementLocked, match="final report"):
        checkin(home, str(tmp_path / "elena"))
    assert _state(home, team) == before
    assert not (tmp_path / "sam").exists()


def test_sync_brings_a_review_note_and_refuses_a_row_changed_on_both_sides(team, home: Path, tmp_path: Path,
                                                                           as_user) -> None:
    as_user("elena")
    checkout(home, team, "CE-01", out=tmp_path / "elena")
    as_user("sam")
    with Server(home, team) as server:
        note = add_note(server, "CE-01", "Which population did you sample?")
        set_conclusion(server, "CE-02", "effective", "sam tested it")
    as_user("elena")
    result = sync(home, str(tmp_path / "elena"))
    assert result.notes == 1
    h = open_path(tmp_path / "elena")
    try:
        [mine] = list_notes(h, "CE-01")
        assert mine.text == "Which population did you sample?"
        assert conclusion_view(h, "CE-02").note == "sam tested it"
        answer_note(h, mine.id, "The Q3 joiners list.")
        assert check_engagement(h).problems == []
    finally:
        h.close()
    assert sync(home, str(tmp_path / "elena")).entries == 0
    as_user("sam")
    with Server(home, team) as server:
        with server.session() as s:
            row = s.get(ReviewNote, note.id)
            row.text = "Which population, and which period?"
    as_user("elena")
    with pytest.raises(SaveConflict, match=f"reviewnote #{note.id} was changed both on the server"):
        sync(home, str(tmp_path / "elena"))
    with pytest.raises(SaveConflict, match=f"reviewnote #{note.id} was changed on the server by sam"):
        checkin(home, str(tmp_path / "elena"))



def test_a_sign_off_made_offline_keeps_its_anchored_head_on_the_server(team, home: Path, tmp_path: Path,
                                                                       as_user) -> None:
    """The head a preparer signed in the replica is an entry of the replica's chain: after check-in the
    server's journal holds it as the hash of the entry a reproduced one stands for, so the signer's anchors
    record still finds it (`check`), nothing re-signed."""
    from fieldwork_tui.services.findings import ConfirmationNeeded, sign
    from fieldwork_tui.store import anchors

    as_user("elena")
    checkout(home, team, "CE-01", out=home / "elena-replica")
    h = open_path(home / "elena-replica")
    try:
        attach(h, "CE-01", [_evidence(tmp_path, "a.txt", "evidence a")])
        try:
            sign(h, "CE-01", "preparer")
        except ConfirmationNeeded as exc:
            sign(h, "CE-01", "preparer", confirm_flags=exc.flags)
        uid = h.engagement().uid
    finally:
        h.close()
    checkin(home, "elena-replica")
    record = anchors.anchors_file(home, uid)
    with Server(home, team) as server:
        # the anchors record the replica wrote is the one this machine keeps for the engagement
        server_record = anchors.anchors_file(server.root.parent, uid)
        server_record.parent.mkdir(parents=True, exist_ok=True)
        server_record.write_bytes(record.read_bytes())
        report = check_engagement(server)
        assert report.anchors >= 1 and report.problems == []


def _rewrite_server_journal(handle, entry_id: int, change) -> None:
    """What someone with the database's password does to rewrite history without `check`'s chain test
    noticing: change entry `entry_id` with SQL, then rehash the chain from there to the head."""
    from sqlalchemy import update

    j = journal._TABLE
    with handle.engine.connect() as conn:
        conn.exec_driver_sql('ALTER TABLE journalentry DISABLE TRIGGER "fw_lock_journalentry_update"')
        rows = [dict(r._mapping) for r in conn.execute(select(j).where(j.c.id >= entry_id).order_by(j.c.id))]
        prev = rows[0]["prev_hash"]
        for i, row in enumerate(rows):
            if i == 0:
                change(row)
            row["prev_hash"] = prev
            row["hash"] = prev = journal.entry_hash(prev, row["at"].isoformat(), row["actor"], row["action"],
                                                    row["entity"], row["entity_id"], row["details"])
            conn.execute(update(j).where(j.c.id == row["id"]).values(actor=row["actor"], details=row["details"],
                                                                     prev_hash=row["prev_hash"], hash=row["hash"]))
        conn.exec_driver_sql('ALTER TABLE journalentry ENABLE TRIGGER "fw_lock_journalentry_update"')
        conn.commit()


@pytest.mark.parametrize("tamper", ["author", "author and its replica hash"])
def test_check_on_the_server_rebuilds_each_replica_chain_and_names_a_rewritten_reproduced_entry(
        team, home: Path, tmp_path: Path, as_user, tamper) -> None:
    as_user("elena")
    checkout(home, team, "CE-01", out=tmp_path / "elena")
    as_user("sam")
    with Server(home, team) as server:
        note = add_note(server, "CE-01", "Which period does the list cover?")
    as_user("elena")
    sync(home, str(tmp_path / "elena"))  # the server's entries interleave with hers in the replica's chain
    replica = open_path(tmp_path / "elena")
    try:
        answer_note(replica, note.id, "July to September.")
        set_conclusion(replica, "CE-01", "effective", "tested offline")
    finally:
        replica.close()
    done = checkin(home, str(tmp_path / "elena"))
    as_user("sam")
    with Server(home, team) as server:
        assert check_engagement(server).problems == []  # the chain rebuilt ends at the replica head recorded
        with server.read() as s:
            reproduced = [e for e in journal.iter_entries(s) if "_replica" in e["details"]]
        assert len(reproduced) == done.entries >= 2
        target = reproduced[0] if tamper == "author" else reproduced[-1]

        def change(row) -> None:
            row["actor"] = "sam"  # "sam wrote it", not elena
            if tamper != "author":  # and the replica hash it records made to fit the new content
                ref = row["details"]["_replica"]
                original = {k: v for k, v in row["details"].items() if k != "_replica"}
                row["details"] = {**row["details"], "_replica": {**ref, "hash": journal.entry_hash(
                    ref["prev_hash"], row["at"].isoformat(), row["actor"], row["action"], row["entity"],
                    row["entity_id"], original)}}

        _rewrite_server_journal(server, target["id"], change)
        problems = check_engagement(server).problems
        assert not any("hash" in p and p.startswith("journal entry") and "content does not match" in p
                       for p in problems)  # the server's own chain verifies: it was rehashed
        assert len(problems) == 1, problems
        if tamper == "author":
            assert problems[0].startswith(f"journal entry {target['id']} (reproducing replica entry ")
            assert "no longer hashes to the replica entry's hash it records" in problems[0]
        else:
            assert f"up to journal entry {target['id']})" in problems[0]
            assert f"not at the replica head {done.replica_head[:12]}" in problems[0]
        assert "was changed after check-in" in problems[0]
