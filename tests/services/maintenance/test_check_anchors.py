"""`check` against the anchors record outside the engagement folder (services/maintenance/check.py)."""

from __future__ import annotations

import sqlite3

from fieldwork_tui.services.findings.signoffs import sign
from fieldwork_tui.services.maintenance.check import check_engagement
from fieldwork_tui.store import anchors


def _force(db, *statements):
    conn = sqlite3.connect(db)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f'DROP TRIGGER "{name}"')
    for st in statements:
        conn.execute(st)
    conn.commit()
    conn.close()


def test_every_signoff_and_export_is_anchored(demo, demo_home):
    uid = demo.engagement().uid
    before = len(anchors.read_lines(demo_home, uid))
    sign(demo, "AC-05", "preparer", confirm_flags=["missing_required_type", "uncorroborated_inquiry",
                                                  "operating_effectiveness_untested"])
    assert len(anchors.read_lines(demo_home, uid)) == before + 1
    assert check_engagement(demo).ok


def test_a_deleted_signed_signoff_is_reported_from_its_anchor(demo):
    _force(demo.db_path, "DELETE FROM signoff WHERE id = (SELECT max(id) FROM signoff)")
    problems = check_engagement(demo).problems
    assert any("that sign-off is no longer in the database" in p for p in problems)


def test_a_new_engagement_id_does_not_hide_the_anchors(demo):
    _force(demo.db_path, "UPDATE engagement SET uid = 'forged0000'")
    problems = check_engagement(demo).problems
    assert any("under engagement id" in p and "forged0000" in p for p in problems)


def test_a_damaged_anchors_record_is_reported(demo, demo_home):
    path = anchors.anchors_file(demo_home, demo.engagement().uid)
    path.write_text(path.read_text().replace('"kind":"signoff"', '"kind":"signof"', 1))
    problems = check_engagement(demo).problems
    assert any("not a fieldwork anchor" in p and "line 1" in p for p in problems)


def test_a_reset_demo_is_not_reported_as_rewritten(demo_home):
    """`fieldwork demo` resets the demo under its fixed id: the replaced demo's anchors go with it."""
    from fieldwork_tui.services.demo import build_demo

    handle = build_demo(demo_home)
    try:
        report = check_engagement(handle)
        assert report.ok, report
        assert len(anchors.read_lines(demo_home, handle.engagement().uid)) == 6
    finally:
        handle.close()
