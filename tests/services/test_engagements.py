"""Engagement folders: one folder each, private permissions, lookup by slug or prefix."""

from __future__ import annotations

import datetime as dt
import stat

import pytest

from fieldwork_tui.domain.vocab import Phase
from fieldwork_tui.services.engagements import (
    create_engagement,
    list_engagements,
    open_engagement,
    parse_categories,
    parse_period,
    set_phase,
)
from fieldwork_tui.services.errors import EngagementLocked, InvalidInput, NotFound


def test_folder_layout_and_permissions(engagement):
    root = engagement.root
    assert (root / "fieldwork.db").is_file() and (root / "vault").is_dir()
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "vault").stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "fieldwork.db").stat().st_mode) == 0o600


def test_engagement_record(engagement):
    eng = engagement.engagement()
    assert eng.name == "Acme Cloud 2026"
    assert (eng.period_start, eng.period_end) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert eng.categories == ["security", "availability"]
    assert eng.phase is Phase.kickoff


def test_lookup_by_prefix_and_errors(home, engagement):
    create_engagement(home, "Acme Payments 2026").close()
    assert open_engagement(home, "acme-cloud").slug == "acme-cloud-2026"
    with pytest.raises(InvalidInput, match="ambiguous"):
        open_engagement(home, "acme")
    with pytest.raises(NotFound, match="not found"):
        open_engagement(home, "zeta")


def test_list(home, engagement):
    items = list_engagements(home)
    assert [i["slug"] for i in items] == ["acme-cloud-2026"]
    assert set(items[0]) >= {"name", "slug", "type", "period_start", "period_end", "phase", "path"}


def test_duplicate_name_refused(home, engagement):
    with pytest.raises(InvalidInput, match="already exists"):
        create_engagement(home, "Acme Cloud 2026")


@pytest.mark.parametrize("text", ["2026-01-01", "2026-12-31..2026-01-01", "soon..later"])
def test_bad_period(text):
    with pytest.raises(InvalidInput, match="period"):
        parse_period(text)


def test_categories():
    assert parse_categories("availability, Processing Integrity") == ["security", "availability",
                                                                      "processing_integrity"]
    with pytest.raises(InvalidInput, match="category 'integrity'"):
        parse_categories("integrity")


def test_type1_is_a_date(home):
    h = create_engagement(home, "Design only", type=1, period="2026-01-01..2026-06-30")
    eng = h.engagement()
    assert eng.period_start == eng.period_end == dt.date(2026, 6, 30)
    h.close()


def test_final_report_locks_edits(engagement):
    from fieldwork_tui.services.controls.catalog import add_control, set_conclusion

    add_control(engagement, "AC-01", "Access review", criteria=["CC6.1"])
    set_phase(engagement, Phase.final_report)
    with pytest.raises(EngagementLocked):
        set_conclusion(engagement, "AC-01", "effective")
    # additions stay possible (dated and attributed by the journal)
    add_control(engagement, "AC-02", "Late addition", criteria=["CC6.2"])


def test_every_change_is_journaled(engagement):
    from sqlmodel import select

    from fieldwork_tui.services.controls.catalog import add_control, set_conclusion
    from fieldwork_tui.store.journal import verify_chain
    from fieldwork_tui.store.models import JournalEntry

    add_control(engagement, "AC-01", "Access review", criteria=["CC6.1"])
    set_conclusion(engagement, "AC-01", "effective", "No exceptions noted.")
    with engagement.read() as s:
        entries = s.exec(select(JournalEntry).order_by(JournalEntry.id)).all()
    actions = [(e.action, e.entity) for e in entries]
    assert ("create", "control") in actions and ("update", "control") in actions
    update = [e for e in entries if e.action == "update" and e.entity == "control"][-1]
    assert update.details["conclusion"] == {"from": None, "to": "effective"}
    assert update.actor == "elena"
    rows = [e.model_dump() for e in entries]
    assert list(verify_chain(rows)) == []
    rows[1]["details"] = {"tampered": True}
    assert list(verify_chain(rows))
