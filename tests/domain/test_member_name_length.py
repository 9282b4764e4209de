"""Member names are capped in UTF-8 bytes, keeping the hash prefix and the extension (issue 14 item 15:
an 81-character Japanese evidence name made the bundle unextractable with `unzip`)."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.domain.bundle_names import (
    HASH_PREFIX,
    MAX_COMPONENT,
    NameAllocator,
    evidence_name,
    safe_component,
    truncate_utf8,
    utf8_len,
)

SHA = "3f2a9c1d" + "0" * 56
JAPANESE_81 = "監査証跡" * 20 + "書"  # 81 characters, 243 bytes


def test_the_reported_japanese_name_fits_and_keeps_prefix_and_extension():
    name = evidence_name(SHA, JAPANESE_81 + ".pdf")
    assert utf8_len(JAPANESE_81 + ".pdf") == 247  # over the 255-byte limit once prefixed: the old bug
    assert utf8_len(name) <= MAX_COMPONENT
    assert name.startswith("3f2a9c1d-") and name.endswith(".pdf")
    assert name[HASH_PREFIX + 1:-4] == JAPANESE_81[: len(name[HASH_PREFIX + 1:-4])]  # cut, not mangled


def test_the_cap_was_characters_before_and_is_bytes_now():
    old_style = safe_component("é" * 119 + ".pdf")  # 119 characters fitted the old cap of 120 characters
    assert utf8_len(old_style) <= MAX_COMPONENT and old_style.endswith(".pdf")


@given(st.text(min_size=1, max_size=400), st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1,
                                                  max_size=5))
def test_any_name_fits_and_keeps_a_short_extension(stem, ext):
    out = evidence_name(SHA, f"{stem}.{ext}")
    assert utf8_len(out) <= MAX_COMPONENT
    assert out.startswith(SHA[:HASH_PREFIX] + "-")
    if utf8_len(out) == MAX_COMPONENT or len(stem) > 200:
        assert out.endswith(f".{ext}")


@given(st.text(max_size=300))
def test_every_component_fits(name):
    assert utf8_len(safe_component(name)) <= MAX_COMPONENT


@given(st.text(max_size=300), st.integers(0, 200))
def test_truncation_cuts_between_characters(text, limit):
    out = truncate_utf8(text, limit)
    assert text.startswith(out)
    if utf8_len(text) <= limit:
        assert out == text
    else:
        assert utf8_len(out) <= limit
        assert not unicodedata.combining(text[len(out)])  # a letter is never parted from its marks


def test_combining_marks_stay_with_their_letter():
    text = "q\u0323\u0307" * 60  # q with two marks: no precomposed form, 5 bytes a letter
    out = truncate_utf8(text, 52)
    assert out == "q\u0323\u0307" * 10


def test_duplicate_long_names_stay_within_the_cap():
    names = NameAllocator()
    first = names.allocate("evidence", evidence_name(SHA, JAPANESE_81 + ".xlsx"))
    second = names.allocate("evidence", evidence_name(SHA, JAPANESE_81 + ".xlsx"))
    assert first != second and second.endswith(" (2).xlsx")
    for member in (first, second):
        assert utf8_len(member.split("/", 1)[1]) <= MAX_COMPONENT


def test_a_long_extension_is_not_kept_as_one():
    out = safe_component("report." + "x" * 200)
    assert utf8_len(out) <= MAX_COMPONENT and out.startswith("report.")
