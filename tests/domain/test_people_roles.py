"""Roles from the shared vocabulary, read from what people write, and one way to name a person."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.domain.people import (
    RoleParseError,
    parse_role,
    person_label,
    role_and_title,
    role_label,
)
from fieldwork_tui.domain.vocab import PersonRole as R


def test_the_role_vocabulary():
    assert [r.value for r in R] == ["engineering", "hr", "it_administration", "security_operations", "finance",
                                    "executive", "other"]
    assert R.it_administration.label == "IT administration"


@pytest.mark.parametrize(("text", "role"), [
    ("engineering", R.engineering), ("Developer", R.engineering), ("SRE", R.engineering),
    ("HR", R.hr), ("Human Resources", R.hr), ("People Ops", R.hr),
    ("it administration", R.it_administration), ("IT_Administration", R.it_administration), ("IT admin", R.it_administration),
    ("Security", R.security_operations), ("SecOps", R.security_operations), ("security_operations", R.security_operations),
    ("Finance", R.finance), ("Accounting", R.finance), ("Management", R.executive), ("executive", R.executive),
    ("Compliance", R.other), ("legal", R.other), ("other", R.other),
])
def test_role_words(text, role):
    assert parse_role(text) is role


def test_unknown_and_empty_role_words():
    with pytest.raises(RoleParseError, match="'pilot': expected one of engineering, hr"):
        parse_role("pilot")
    with pytest.raises(RoleParseError):
        parse_role("  ")
    assert parse_role("", default=R.other) is R.other


def test_a_person_is_named_with_role_and_title_everywhere():
    assert person_label("Diego Alvarez", R.it_administration, "IT Administrator") == \
        "Diego Alvarez (IT administration, IT Administrator)"
    assert person_label("Hannah Köhler", R.hr) == "Hannah Köhler (HR)"  # no title: the role still shows
    assert person_label("Aisha Bello", "finance", "Finance") == "Aisha Bello (Finance)"
    assert person_label("Grace", None, "General Counsel") == "Grace (General Counsel)"
    assert person_label("", None) == "(unnamed)"
    assert role_and_title(R.engineering, "SRE Manager") == "Engineering, SRE Manager"
    assert role_and_title(None, "") == ""
    assert role_label("not-a-role") == "not-a-role" and role_label(None) == ""


@given(st.text(max_size=60))
def test_role_reading_never_crashes(text):
    try:
        assert isinstance(parse_role(text), R)
    except RoleParseError:
        pass
