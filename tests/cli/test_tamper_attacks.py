"""Issue 13: each attack by someone holding a copy of the files, as a test (CLI, real engagement)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from fieldwork_tui.cli import app
from fieldwork_tui.services.engagements import open_engagement, set_phase
from fieldwork_tui.services.findings.content import content_digests as workpaper_hashes
from fieldwork_tui.store import journal

runner = CliRunner()


def _sql(db, *statements):
    conn = sqlite3.connect(db)
    try:
        for st in statements:
            conn.execute(st)
        conn.commit()
    finally:
        conn.close()


def _check():
    return runner.invoke(app, ["check", "demo"])


def test_sql_edit_with_recomputed_signoff_hashes_is_reported(demo_home, demo):
    db = demo.db_path
    _sql(db, "UPDATE control SET description = 'Access is never reviewed.' WHERE ref = 'AC-01'")
    with demo.read() as s:  # recompute the sign-off hashes with the app's own functions
        hashes = workpaper_hashes(s)
        ids = {ref: cid for cid, ref in s.connection().exec_driver_sql("SELECT id, ref FROM control")}
    _sql(db, f"UPDATE signoff SET content_hash = '{hashes[ids['AC-01']]}' WHERE control_id = {ids['AC-01']}")
    demo.close()
    r = _check()
    assert r.exit_code == 1
    assert "control #" in r.output and "AC-01" in r.output and "description is 'Access is never" in r.output
    assert "signature does not verify" in r.output and "counts as absent" in r.output
    status = json.loads(runner.invoke(app, ["status", "demo", "--json"]).output)
    ac01 = next(c for c in status["controls"] if c["ref"] == "AC-01")
    assert "unsigned" in ac01["flags"]
    for role in ("preparer", "reviewer"):
        assert ac01["signoffs"][role]["signature"] == "signature does not verify"
        assert ac01["signoffs"][role]["counts"] is False


def test_final_report_deletions_are_refused_by_the_database_and_reported_if_forced(demo_home, demo):
    set_phase(demo, "final_report")
    db = demo.db_path
    demo.close()
    for statement in ("DELETE FROM controlexception WHERE id = (SELECT min(id) FROM controlexception)",
                      "DELETE FROM evidencecontrol WHERE rowid = (SELECT min(rowid) FROM evidencecontrol)",
                      "DELETE FROM sampleitem WHERE id = (SELECT min(id) FROM sampleitem)",
                      "UPDATE control SET title = 'x'"):
        with pytest.raises(sqlite3.IntegrityError, match="locked"):
            _sql(db, statement)
    assert _check().exit_code == 0
    conn = sqlite3.connect(db)
    triggers = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")]
    for t in triggers:
        conn.execute(f'DROP TRIGGER "{t}"')
    conn.execute("DELETE FROM controlexception WHERE id = (SELECT min(id) FROM controlexception)")
    conn.commit()
    conn.close()
    r = _check()
    assert r.exit_code == 1 and "fw_lock_controlexception_delete is missing" in r.output
    assert "controlexception #" in r.output and "missing from the database" in r.output
    fixed = runner.invoke(app, ["check", "demo", "--restore-locks"])
    assert f"restored {len(triggers)} lock trigger(s)" in fixed.output and "is missing:" not in fixed.output
    with pytest.raises(sqlite3.IntegrityError, match="locked"):
        _sql(db, "DELETE FROM sampleitem")


def _rewrite_journal(db, change):
    """Recompute every prev_hash/hash after `change(entries)`, as an attacker with the app's code would."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    for t in ("fw_lock_journalentry_update", "fw_lock_journalentry_delete"):
        conn.execute(f'DROP TRIGGER "{t}"')
    rows = [dict(r) for r in conn.execute("SELECT * FROM journalentry ORDER BY id")]
    for r in rows:
        r["details"] = json.loads(r["details"])
    change(rows)
    prev = journal.GENESIS
    conn.execute("DELETE FROM journalentry")
    for r in rows:
        at = r["at"].replace(" ", "T").replace(".000000", "") + "+00:00"
        r["prev_hash"] = prev
        r["hash"] = prev = journal.entry_hash(prev, at, r["actor"], r["action"], r["entity"], r["entity_id"],
                                              r["details"])
        conn.execute("INSERT INTO journalentry (id, at, actor, action, entity, entity_id, details, prev_hash, hash) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (r["id"], r["at"], r["actor"], r["action"], r["entity"], r["entity_id"],
                      json.dumps(r["details"]), r["prev_hash"], r["hash"]))
    conn.commit()
    conn.close()


def test_a_full_journal_rewrite_is_reported_through_the_anchors(demo_home, demo):
    db = demo.db_path
    demo.close()

    def forge(rows):
        rows[3]["actor"] = "mallory"  # any change before a signed head

    _rewrite_journal(db, forge)
    handle = open_engagement(demo_home, "demo")
    with handle.read() as s:
        assert list(journal.verify_chain(journal.iter_entries(s))) == []  # the chain itself holds
    handle.close()
    r = _check()
    assert r.exit_code == 1 and "no longer contains the head it anchored" in r.output
    assert "journal was rewritten after this was signed" in r.output
