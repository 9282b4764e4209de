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
