"""What a sign-off covers: canonical workpaper content and its digest (pure rules)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.domain.vocab import Frequency
from fieldwork_tui.domain.workpaper import (
    NOT_CONTENT_TABLES,
    canonical_value,
    content_row,
    workpaper_digest,
    workpaper_state,
)

CONTROL = {"id": 1, "ref": "AC-01", "title": "Access review", "frequency": Frequency.quarterly, "key": False,
           "status": "in_progress", "updated_at": dt.datetime(2026, 5, 1, 12, 0)}
FILE = {"id": 9, "sha256": "f" * 64, "as_of": dt.date(2026, 3, 31), "description": "Q1 review", "size": 10}


def state(control=CONTROL, files=(FILE,), **more):
    return workpaper_state({"control": [content_row("control", control)],
                            "evidencefile": [content_row("evidencefile", f) for f in files], **more})


def test_bookkeeping_columns_are_not_content():
    row = content_row("control", CONTROL)
    assert "status" not in row and "updated_at" not in row and row["frequency"] == "quarterly"
    assert workpaper_digest(state()) == workpaper_digest(state(CONTROL | {"status": "reviewed",
                                                                          "updated_at": dt.datetime(2027, 1, 1)}))


@pytest.mark.parametrize(("field", "value"), [("as_of", dt.date(2026, 6, 30)), ("as_of", None),
                                               ("description", "Q1 review (corrected)"), ("description", "")])
def test_an_evidence_date_or_description_changes_the_digest(field, value):
    assert workpaper_digest(state()) != workpaper_digest(state(files=(FILE | {field: value},)))


def test_a_column_at_its_default_is_left_out_so_a_new_column_changes_nothing():
    defaults = {"key": False, "expected_count": None, "reason": ""}
    before = workpaper_state({"control": [content_row("control", {"ref": "AC-01", "key": False}, defaults)]})
    after_new_column = workpaper_state({"control": [content_row("control", {"ref": "AC-01", "key": False,
                                                                            "reason": ""}, defaults)]})
    assert workpaper_digest(before) == workpaper_digest(after_new_column)
    set_it = workpaper_state({"control": [content_row("control", {"ref": "AC-01", "key": False,
                                                                  "reason": "x"}, defaults)]})
    assert workpaper_digest(set_it) != workpaper_digest(before)
    # zero is a value, not "unset": a documented zero population differs from none stated
    zero = content_row("population", {"expected_count": 0}, defaults)
    assert zero == {"expected_count": 0} and content_row("population", {"expected_count": None}, defaults) == {}
    assert content_row("control", {"key": 0}, {"key": False}) == {"key": 0}  # the type counts too


def test_a_new_table_changes_nothing_until_it_holds_a_row():
    assert workpaper_digest(state()) == workpaper_digest(state(disposition=[]))
    assert workpaper_digest(state()) != workpaper_digest(state(disposition=[{"id": 1, "reason": "explained"}]))


def test_review_notes_sign_offs_and_request_bookkeeping_are_not_content():
    assert {"reviewnote", "signoff", "journalentry", "populationrow", "requestcontrol"} <= NOT_CONTENT_TABLES
    assert workpaper_digest(state()) == workpaper_digest(state(reviewnote=[{"id": 1, "text": "why?"}],
                                                               signoff=[{"id": 2}]))


def test_row_order_and_load_form_do_not_matter():
    a, b = {"id": 1, "text": "x"}, {"id": 2, "text": "y"}
    assert workpaper_digest(state(observation=[a, b])) == workpaper_digest(state(observation=[b, a]))
    aware = dt.datetime(2026, 5, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert canonical_value(aware) == canonical_value(dt.datetime(2026, 5, 1, 12, 0)) == "2026-05-01T12:00:00"
    assert canonical_value(Frequency.daily) == "daily" and canonical_value(b"\x01") == "01"


@given(st.dictionaries(st.sampled_from(["title", "description", "owner_id", "criteria", "conclusion_note"]),
                       st.one_of(st.text(max_size=5), st.integers(), st.none(),
                                 st.lists(st.text(max_size=3), max_size=2)), min_size=1))
def test_any_content_change_changes_the_digest(changes):
    base = {"ref": "AC-01", "title": "t", "description": "d", "owner_id": 3, "criteria": ["CC6.1"],
            "conclusion_note": "n"}
    changed = base | changes
    same = canonical_value(changed) == canonical_value(base)
    digest = workpaper_digest(workpaper_state({"control": [content_row("control", base)]}))
    assert (digest == workpaper_digest(workpaper_state({"control": [content_row("control", changed)]}))) is same
