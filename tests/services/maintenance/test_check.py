"""`fieldwork check`: database integrity, vault hashes, journal chain."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from fieldwork_tui.cli import app
from fieldwork_tui.services.maintenance.check import check_engagement, evidence_path

from ..support import attach_file, tamper


def test_clean_engagement_passes(demo):
    attach_file(demo, "AC-01", "a.pdf", b"aaa")
    report = check_engagement(demo)
    assert report.ok, report.problems
    assert report.vault_files >= 1 and report.journal_entries > 0


def test_altered_vault_file_is_caught_and_named(demo):
    ef = attach_file(demo, "AC-01", "review.pdf", b"the real review")
    data = bytearray(evidence_path(demo, ef.sha256).read_bytes())
    data[0] ^= 1
    tamper(demo, ef.sha256, bytes(data))
    report = check_engagement(demo)
    assert len(report.problems) == 1
    assert ef.sha256[:12] in report.problems[0] and "review.pdf" in report.problems[0]
    assert "altered" in report.problems[0]


def test_missing_vault_file_is_caught(demo):
    ef = attach_file(demo, "AC-01", "gone.pdf", b"gone")
    tamper(demo, ef.sha256)
    (problem,) = check_engagement(demo).problems
    assert "gone.pdf" in problem and "missing" in problem


def _forced(demo, statement):
    """Run SQL as an attacker would: the journal's append-only trigger dropped first."""
    conn = sqlite3.connect(demo.db_path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(statement)
    conn.execute('DROP TRIGGER "fw_lock_journalentry_update"')
    conn.execute('DROP TRIGGER "fw_lock_journalentry_delete"')
    conn.execute(statement)
    conn.commit()
    conn.close()
    problems = check_engagement(demo).problems
    assert sum("fw_lock_journalentry" in p for p in problems) == 2
    return [p for p in problems if "fw_lock_journalentry" not in p]


def test_tampered_journal_is_caught(demo):
    problems = _forced(demo, "UPDATE journalentry SET actor = 'mallory' WHERE id = 5")
    assert problems == ["journal entry 5: content does not match its hash"]


def test_deleted_journal_entry_breaks_the_chain(demo):
    problems = _forced(demo, "DELETE FROM journalentry WHERE id = 7")
    assert problems[0] == "journal entry 8: previous-hash link broken"


def test_cli_check_exit_codes(demo_home, demo):
    runner = CliRunner()
    ok = runner.invoke(app, ["check", "demo"])
    assert ok.exit_code == 0 and ok.output.startswith("ok:")
    ef = attach_file(demo, "AC-01", "x.pdf", b"xx")
    tamper(demo, ef.sha256, b"yy")
    res = runner.invoke(app, ["check", "demo"])
    assert res.exit_code == 1
    assert "1 problem(s)" in res.output and "x.pdf" in res.output
