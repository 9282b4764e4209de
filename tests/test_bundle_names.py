"""Safe member names and the fallback section IV wording (pure domain rules)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.domain.bundle_names import (
    MAX_COMPONENT,
    NameAllocator,
    is_safe_member,
    safe_component,
    safe_member,
)
from fieldwork_tui.domain.bundle_wording import (
    NO_EXCEPTIONS,
    NO_OCCURRENCES,
    ControlTesting,
    ExceptionWording,
    SampleWording,
    exception_sentence,
    join_words,
    procedures_performed,
    results_of_tests,
)


@given(st.text())
def test_any_name_becomes_one_safe_component(name):
    out = safe_component(name)
    assert out and "/" not in out and "\\" not in out and out not in (".", "..")
    assert not out.startswith(".") and len(out) <= MAX_COMPONENT
    assert all(ord(ch) >= 32 and ord(ch) != 127 for ch in out)
    assert is_safe_member(f"evidence/{out}")


@given(st.lists(st.text(), max_size=6).map("/".join))
def test_any_path_becomes_a_safe_relative_member(path):
    out = safe_member(path)
    assert is_safe_member(out)
    assert not out.startswith("/") and ".." not in out.split("/")


def test_known_attacks():
    assert safe_member("../../etc/passwd") == "etc/passwd"
    assert safe_member("/abs/file.txt") == "abs/file.txt"
    assert safe_member("C:\\Windows\\x.txt") == "C_/Windows/x.txt"
    assert safe_component("CON.txt") == "_CON.txt"
    assert safe_component("a\x00b\nc.pdf") == "abc.pdf"
    assert safe_component("...") == "file"
    long = safe_component("x" * 300 + ".pdf")
    assert len(long) == MAX_COMPONENT and long.endswith(".pdf")
    for bad in ("/etc/passwd", "a/../b", "C:/x", "a\\b", "a/\x01", ""):
        assert not is_safe_member(bad)


def test_allocator_keeps_names_unique_case_insensitively():
    names = NameAllocator()
    assert names.allocate("evidence", "Report.pdf") == "evidence/Report.pdf"
    assert names.allocate("evidence", "report.pdf") == "evidence/report (2).pdf"
    assert names.allocate("evidence", "REPORT.PDF") == "evidence/REPORT (3).PDF"
    assert names.allocate("workpapers", "report.pdf") == "workpapers/report.pdf"


def test_wording_per_technique():
    w = ControlTesting(interviewees=["CISO", "IT Administrator", "CISO"], observations=["the quarterly meeting."],
                       inspected=["the Q3 review"], reperformances=["compared HR roster with IdP users"],
                       sample=SampleWording(size=25, population=250))
    assert procedures_performed(w) == [
        "Inquired of the CISO and IT Administrator regarding the operation of the control.",
        "Observed the quarterly meeting.",
        "Inspected the Q3 review.",
        "Inspected a sample of 25 items selected at random from a population of 250 (selection re-performable "
        "from the recorded seed and population hash).",
        "Re-performed the control: compared HR roster with IdP users.",
    ]
    assert results_of_tests(w) == [NO_EXCEPTIONS]


def test_exception_wording_follows_the_report_convention():
    s = SampleWording(size=25, population=250)
    assert exception_sentence(s, 1, "Access was removed three days late.") == (
        "For 1 of 25 items sampled, access was removed three days late.")
    assert exception_sentence(None, 1, "no approval recorded") == "No approval recorded."
    w = ControlTesting(sample=s, exceptions=[ExceptionWording("x", "For 1 of 25 changes sampled, approval was "
                                                                    "not recorded.")])
    assert results_of_tests(w) == ["For 1 of 25 changes sampled, approval was not recorded."]
    assert results_of_tests(ControlTesting(no_occurrences=True)) == [NO_OCCURRENCES]
    assert join_words(["a", "b", "c"]) == "a, b and c"
    assert procedures_performed(ControlTesting(sample=SampleWording(size=4, population=4))) == [
        "Inspected all 4 items in the population."]
