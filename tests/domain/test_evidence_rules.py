"""Evidence metadata belongs to the document; room in the vault is checked before copying."""

from __future__ import annotations

import datetime as dt

from fieldwork_tui.domain.evidence_rules import (
    SPACE_RESERVE,
    human_bytes,
    metadata_conflicts,
    space_problem,
)

D1, D2 = dt.date(2026, 3, 31), dt.date(2025, 6, 30)


def test_a_different_as_of_is_a_conflict():
    (c,) = metadata_conflicts(D1, "", as_of=D2)
    assert (c.field, c.stored, c.given) == ("as_of", "2026-03-31", "2025-06-30")
    assert c.describe() == "as of 2026-03-31 is stored, 2025-06-30 given"


def test_no_value_given_or_none_stored_is_no_conflict():
    assert metadata_conflicts(D1, "x") == []
    assert metadata_conflicts(D1, "x", as_of=D1, description="x") == []
    assert metadata_conflicts(None, "", as_of=D2, description="new") == []  # fills in what was unknown


def test_a_different_description_is_a_conflict_but_spacing_is_not():
    assert metadata_conflicts(None, "Q1 review", description="  Q1 review ") == []
    (c,) = metadata_conflicts(None, "Q1 review", description="Q2 review")
    assert c.field == "description" and c.describe() == "description Q1 review is stored, Q2 review given"


def test_space_problem_names_the_numbers():
    gib = 1024 ** 3
    assert space_problem(gib, 2 * gib) is None
    msg = space_problem(gib, gib)  # the reserve does not fit
    assert msg == ("not enough free space in the vault: the files need 1.00 GB (counted at their full size, "
                   "sparse files too) plus 64.0 MB kept free, and 1.00 GB is free; nothing was copied")
    assert space_problem(gib, gib + SPACE_RESERVE) is None
    assert "\n" not in msg


def test_human_bytes():
    assert [human_bytes(n) for n in (0, 512, 1536, 5 * 1024 ** 2, int(1.1 * 1024 ** 3))] == [
        "0 B", "512 B", "1.5 KB", "5.0 MB", "1.10 GB"]
