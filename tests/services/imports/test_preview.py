"""The mapping step before an import (issue 22 item 4): the file's columns beside the app's fields, a
proposed mapping, the first rows; unknown headers still shown; profiles listed and reused."""

from __future__ import annotations

import pytest

from fieldwork_tui.services.controls import preview_controls
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.imports import MappingProfile, list_profiles, save_profile
from fieldwork_tui.services.requests import import_requests, preview_requests

# headers no importer knows, under a title line
TRACKER = ("ACME FY26 evidence tracker,,,\n"
           "Ticket,What we need,Who,By when\n"
           "T-1,Terminated users list,Ana,2026-11-20\n"
           "T-2,Firewall rule review,Bo,2026-11-25\n")


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_unknown_headers_are_shown_for_the_user_to_map(engagement, tmp_path):
    path = write(tmp_path, "tracker.csv", TRACKER)
    with pytest.raises(InvalidInput, match="no header row found"):
        import_requests(engagement, path)
    p = preview_requests(path)
    assert not p.recognised and p.headers == ("Ticket", "What we need", "Who", "By when")
    assert p.rows[0] == ("T-1", "Terminated users list", "Ana", "2026-11-20") and len(p.rows) == 2
    assert p.proposed == tuple((h, "") for h in p.headers)
    assert p.problems({}) == ["request ID: choose the column that holds it", "description: choose the column that holds it"]
    chosen = {0: "ref", 1: "description", 2: "owner", 3: "due"}
    assert p.problems(chosen) == []
    result = import_requests(engagement, path, mapping=p.mapping_pairs(chosen))
    assert result.created == 2


def test_a_known_matrix_is_proposed_by_its_header_words(tmp_path):
    rows = "\n".join(f"AC-{i:02},Control {i},Quarterly,Entity-level" for i in range(1, 9))
    path = write(tmp_path, "matrix.csv", "Control ID,Control Title,Frequency,Testing Notes\n" + rows + "\n")
    p = preview_controls(path)
    assert p.recognised and dict(p.proposed) == {"Control ID": "ref", "Control Title": "title",
                                                 "Frequency": "frequency", "Testing Notes": ""}
    assert len(p.rows) == 5  # a preview, not the file
    assert p.problems({0: "ref", 1: "ref"}) == [
        "'Control Title' and 'Control ID' both map to ref: keep one, make the other an extra field"]


def test_a_saved_profile_is_listed_and_proposes_its_mapping(tmp_path):
    path = write(tmp_path, "tracker.csv", TRACKER)
    save_profile(MappingProfile("acme", "requests", {"Ticket": "ref", "What we need": "description", "Who": "owner"}))
    save_profile(MappingProfile("acme-matrix", "controls", {"Ctl": "ref"}))
    assert list_profiles("requests") == ["acme"] and list_profiles("controls") == ["acme-matrix"]
    p = preview_requests(path, profile="acme")
    assert p.recognised and p.profile == "acme" and p.profiles == ("acme",)
    assert dict(p.proposed) == {"Ticket": "ref", "What we need": "description", "Who": "owner", "By when": ""}


def test_an_unreadable_file_is_named(tmp_path):
    with pytest.raises(InvalidInput, match="missing.csv"):
        preview_controls(tmp_path / "missing.csv")
