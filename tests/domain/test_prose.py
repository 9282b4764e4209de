"""The bundle's sentence rules: no doubled full stops, plurals that agree."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.domain.prose import labelled, noun, sentence, sentences


def test_noun_agrees_with_the_count():
    assert noun(1, "file") == "file"
    assert noun(2, "file") == "files" and noun(0, "change") == "changes"
    assert noun(3, "person", "people") == "people"


def test_sentences_never_double_a_full_stop():
    planned = "Access of terminated personnel is removed within one business day of termination."
    joined = sentences(labelled("Planned control", planned), labelled("Deviation", "Account deactivated late"))
    assert joined == ("Planned control: Access of terminated personnel is removed within one business day of "
                      "termination. Deviation: Account deactivated late.")
    assert sentence("Done..") == "Done." and sentence("Why?") == "Why?" and sentence("") == ""
    assert sentence("(see note.)") == "(see note.)" and sentence("Wait...") == "Wait..."
    assert labelled("Deviation", "  ") == ""


@given(st.lists(st.tuples(st.text(alphabet="ab ", max_size=8), st.sampled_from(["", ".", "..", "?", ". "]))
                .map("".join), max_size=4))
def test_no_doubled_stops_where_parts_join(parts):
    out = sentences(*parts)
    assert ".." not in out.replace("...", "")
