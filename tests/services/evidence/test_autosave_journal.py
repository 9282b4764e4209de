"""Issue 14 item 7: autosave of a long statement journals the change, not the whole text, and replays."""

from __future__ import annotations

from fieldwork_tui.services.evidence import interviews
from fieldwork_tui.services.maintenance import replay as replay_check
from fieldwork_tui.store import journal


def _journal_bytes(handle) -> int:
    with handle.read() as s:
        return sum(len(journal.entry_line(e)) for e in journal.iter_entries(s))


def test_ten_keystrokes_into_a_1mb_statement_journal_kilobytes_and_replay(engagement):
    iv = interviews.create_interview(engagement, "Dana Ito", role="IT manager", held_on="2026-03-02")
    st = interviews.add_statement(engagement, iv.id, "")
    text = "The quarterly access review covers every system. " * 21_000  # about 1 MB
    interviews.save_statement_text(engagement, st.id, text)
    before = _journal_bytes(engagement)
    for ch in "reviewed!!":
        text = text[:500_000] + ch + text[500_000:]
        interviews.save_statement_text(engagement, st.id, text)
    grown = _journal_bytes(engagement) - before
    assert grown < 10_000, f"ten keystrokes added {grown:,} bytes to the journal"
    with engagement.read() as s:
        findings, _ = replay_check.replay_findings(s.connection(), journal.iter_entries(s))
        chain = list(journal.verify_chain(journal.iter_entries(s)))
    assert findings == [] and chain == []
