"""The import rules of the domain: refs made safe to compare, value words, the TSC category
cross-check and problems reported at once (issue 22; issue 14 item 3)."""

from __future__ import annotations

import pytest

from fieldwork_tui.domain.criteria import category_mismatch
from fieldwork_tui.domain.importing import MAX_PROBLEMS_LISTED, Problems, change_line
from fieldwork_tui.domain.parsing import parse_bool, parse_control_type, parse_frequency, parse_type_cell
from fieldwork_tui.domain.refs import RefError, normalise_ref
from fieldwork_tui.domain.vocab import ControlType, Frequency, Nature


@pytest.mark.parametrize(("given", "stored"), [
    ("AC-01", "AC-01"),
    ("\uff21\uff23\uff0d\uff10\uff11", "AC-01"),  # fullwidth
    ("AC\u201101", "AC-01"),  # non-breaking hyphen
    ("AC\u201301", "AC-01"),  # en dash
    ("AC\u00a001", "AC 01"),  # no-break space folds to a space
    ("  CC6.1  a ", "CC6.1 a"),
    ("Zugänge-1", "Zugänge-1"),
    ("АБВГ-1", "АБВГ-1"),  # a Cyrillic ref that does not pass for Latin is a ref
])
def test_refs_fold_compatibility_forms(given, stored):
    assert normalise_ref(given) == stored


@pytest.mark.parametrize(("given", "named"), [
    ("AC\u200b-01", "U+200B ZERO WIDTH SPACE"),
    ("AC-01\u00ad", "U+00AD SOFT HYPHEN"),
    ("\u202eAC-01", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("AC\x07-01", "U+0007"),
    ("\u0410C-01", "U+0410 CYRILLIC CAPITAL LETTER A"),  # mixed scripts
    ("A\u0421-01", "U+0421 CYRILLIC CAPITAL LETTER ES"),
    ("\u0410\u0421-01", "U+0410 CYRILLIC CAPITAL LETTER A"),  # all Cyrillic, but reads as Latin "AC"
    ("\u0391C-01", "U+0391 GREEK CAPITAL LETTER ALPHA"),
])
def test_lookalike_refs_are_refused_naming_the_character(given, named):
    with pytest.raises(RefError, match=named.replace("+", r"\+")):
        normalise_ref(given)


@pytest.mark.parametrize(("text", "expected"), [
    ("Preventive", (None, ControlType.preventive)), ("Preventative", (None, ControlType.preventive)),
    ("Entity-Level", (None, ControlType.entity_level)), ("ELC", (None, ControlType.entity_level)),
    ("Detective", (None, ControlType.detective)), ("Manual", (Nature.manual, None)),
    ("Automated", (Nature.automated, None)), ("Manual / Preventive", (Nature.manual, ControlType.preventive)),
    ("Automated - Detective", (Nature.automated, ControlType.detective)),
    ("Automated/Manual", (Nature.manual, None)), ("", (None, None)), ("Robotic", None),
    ("Manual / Robotic", None),
])
def test_a_type_cell_is_read_by_its_value(text, expected):
    assert parse_type_cell(text) == expected


def test_control_type_words():
    assert parse_control_type("corrective") is ControlType.corrective
    assert parse_control_type("Entity level control") is ControlType.entity_level
    assert parse_control_type("Manual") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("Yes", True), ("Y", True), ("x", True), ("✓", True), ("TRUE", True), ("Delivered", True),
    ("No", False), ("", False), ("✗", False), ("Pending", False), ("Not delivered", False), ("maybe", None),
])
def test_yes_no_words(text, expected):
    assert parse_bool(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Bi-weekly", Frequency.weekly), ("Per change", Frequency.as_needed), ("24x7", Frequency.continuous),
    ("Bimonthly", Frequency.monthly), ("Upon termination", Frequency.as_needed),
])
def test_more_frequency_words(text, expected):
    assert parse_frequency(text) is expected


@pytest.mark.parametrize(("category", "criteria", "ok"), [
    ("Security", ["CC6.1"], True), ("Common Criteria", ["CC6.1", "CC6.2"], True),
    ("Availability", ["A1.2", "CC7.5"], True), ("Availability", ["CC7.5"], False),
    ("Confidentiality", ["C1.1"], True), ("Processing Integrity", ["PI1.3"], True), ("Privacy", ["P4.2"], True),
    ("Security, Availability", ["A1.2"], True), ("CC6", ["CC6.1"], True), ("", ["CC6.1"], True),
    ("Security", [], True),
    # the common-criteria series by name, as public matrices fill a category column: Security
    ("Control Environment", ["CC1.1"], True), ("CC6 - Logical and Physical Access Controls", ["CC6.1"], True),
    ("Communication and Information", ["CC2.1"], True), ("Risk Assessment", ["CC3.2"], True),
    ("Change Management", ["A1.2"], False),
])
def test_tsc_category_cross_check(category, criteria, ok):
    assert (category_mismatch(category, criteria) is None) is ok


def test_an_unknown_category_is_named():
    assert "unknown TSC category 'Colour'" in category_mismatch("Colour", ["CC6.1"])


def test_problems_are_one_line_capped_with_a_count():
    p = Problems()
    for i in range(MAX_PROBLEMS_LISTED + 3):
        p.add(f"row {i + 2}, column 'TSC'", f"unknown criteria Z{i}")
    msg = p.message("m.csv")
    assert msg.startswith(f"m.csv: {MAX_PROBLEMS_LISTED + 3} problems, nothing imported: row 2, column 'TSC'")
    assert msg.endswith("; and 3 more") and "\n" not in msg and msg.count("unknown criteria") == MAX_PROBLEMS_LISTED
    one = Problems()
    one.add("", "x")
    assert one.message("f") == "f: 1 problem, nothing imported: x"


def test_change_line():
    assert change_line("AC-01", [("owner", "Ana", "Bo"), ("key", True, False), ("criteria", ["CC6.1"], [])]) == \
        "AC-01: owner Ana → Bo; key yes → no; criteria CC6.1 → (empty)"


@pytest.mark.parametrize(("word", "status"), [
    ("Not yet started", "open"), ("Waiting on client", "open"), ("In process", "in_progress"),
    ("Partially delivered", "in_progress"), ("Evidence provided", "submitted"), ("With auditor", "submitted"),
    ("Follow-up required", "returned"), ("More info needed", "needs_clarification"), ("Finalised", "accepted"),
    ("Not needed", "not_applicable"),
])
def test_status_words_public_trackers_use(word, status):
    from fieldwork_tui.domain.requests import parse_status

    assert parse_status(word).value == status
