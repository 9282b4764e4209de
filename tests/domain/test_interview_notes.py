"""Interview notes rows: dates, people, roles, multi-line statements, refs; one interview per date,
interviewee and interviewer; conflicting roles named by row."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.domain.interview_notes import (
    NoteError,
    group_interviews,
    parse_note_row,
    person_roles,
    split_refs,
)
from fieldwork_tui.domain.vocab import PersonRole as R


def row(n, **cells):
    base = {"date": "2026-10-14", "interviewee": "Diego Alvarez", "statement": "We review access.",
            "role": "IT admin", "interviewer": "Elena Petrova", "controls": "ac-01, AC-02;AC-01"}
    base.update(cells)
    return parse_note_row(n, base)


def test_a_row():
    r = row(2, statement="  First line\r\nsecond line  \r\n\r\n", date="10/14/2026", title=" IT  Administrator ")
    assert r.held_on == dt.date(2026, 10, 14) and r.role is R.it_administration
    assert r.text == "  First line\nsecond line" and r.refs == ("AC-01", "AC-02") and r.title == "IT Administrator"
    assert row(3, date=46309.0).held_on == dt.date(2026, 10, 14)  # an Excel serial date
    assert row(4, role="").role is None and row(5, controls="").refs == ()


@pytest.mark.parametrize(("cells", "message"), [
    ({"date": ""}, "date: empty"), ({"date": "next week"}, "date: 'next week' is not a date"),
    ({"interviewee": "  "}, "interviewee: empty"), ({"statement": " \n "}, "statement: empty"),
    ({"role": "wizard"}, "role 'wizard': expected one of"),
])
def test_bad_rows_name_the_field(cells, message):
    with pytest.raises(NoteError, match=message):
        row(7, **cells)


def test_rows_group_into_interviews_in_file_order():
    rows = [row(2), row(3, statement="Second."), row(4, interviewee="Hannah Köhler", role="HR"),
            row(5, statement="Third.", interviewee="diego alvarez"), row(6, date="2026-10-15")]
    groups, errors = group_interviews(rows)
    assert errors == []
    assert [(g.interviewee, g.held_on.day, [r.row for r in g.rows]) for g in groups] == [
        ("Diego Alvarez", 14, [2, 3, 5]), ("Hannah Köhler", 14, [4]), ("Diego Alvarez", 15, [6])]
    assert person_roles(rows)["hannah köhler"] == (R.hr, "", 4)


def test_a_person_with_two_roles_in_one_file_is_an_error_naming_both_rows():
    _, errors = group_interviews([row(2), row(9, role="hr"), row(10, title="CTO"), row(11, title="cto"),
                                  row(12, title="Intern")])
    assert errors == ["row 9: role: Diego Alvarez is it_administration in row 2, hr here",
                      "row 12: title: Diego Alvarez is 'CTO' in row 10, 'Intern' here"]


def test_split_refs():
    assert split_refs(" ac-01 |AC-02\nCM-01, ac-01") == ("AC-01", "AC-02", "CM-01")


@given(st.dictionaries(st.sampled_from(["date", "interviewee", "statement", "role", "controls", "title"]),
                       st.one_of(st.none(), st.text(max_size=40), st.integers(), st.floats(allow_nan=True))))
def test_any_cells_give_a_row_or_a_note_error(cells):
    try:
        parse_note_row(2, cells)
    except NoteError:
        pass
