"""The firm library of default test steps (shipped TOML, firm overrides, matching controls)."""

from __future__ import annotations

from importlib import resources

import pytest

from fieldwork_tui.domain import steps_library as lib


def shipped() -> dict[str, lib.LibraryEntry]:
    text = resources.files("fieldwork_tui.domain").joinpath(lib.RESOURCE).read_text(encoding="utf-8")
    return lib.library_from_toml(text)


def test_the_shipped_library_covers_the_common_controls():
    library = shipped()
    assert set(library) >= {"change-management", "provisioning", "termination", "access-review", "backups"}
    cm = library["change-management"].steps
    assert [x.letter for x in cm.attributes] == ["A", "B", "C"]
    assert [x.rule for x in cm.attributes] == ["Approved <= Deployed", "Approver != Author", "Tested = yes"]
    for entry in library.values():
        assert entry.steps.objective and entry.steps.attributes
        assert all(x.deviation for x in entry.steps.attributes), entry.id


@pytest.mark.parametrize(("title", "description", "criteria", "expected"), [
    ("Change management", "Changes are approved before deployment", [], "change-management"),
    ("Production releases", "Every pull request is reviewed", [], "change-management"),
    ("Emergency changes", "", [], "change-management"),
    ("Exchange of data", "", [], None),  # "change" inside another word does not match
    ("Timely deprovisioning", "Access of leavers is revoked", [], "termination"),
    ("New user access", "Access requests are approved", [], "provisioning"),
    ("Quarterly access review", "Managers recertify access", [], "access-review"),
    ("Daily backups", "", [], "backups"),
    ("Logical access", "", ["CC8.1"], "change-management"),
    ("Board oversight", "The board meets quarterly", ["CC1.2"], None),
])
def test_controls_find_their_entry(title, description, criteria, expected):
    entry = lib.match_entry(shipped(), title, description, criteria)
    assert (entry.id if entry else None) == expected


def test_a_firm_file_replaces_adds_and_retires_entries():
    firm = lib.library_from_toml('''
[[steps]]
id = "change-management"
name = "Firm change management"
match = ["change"]
objective = "Firm objective"
[[steps.attributes]]
description = "CAB approval recorded"
deviation = "the change had no CAB approval"

[[steps]]
id = "backups"
enabled = false

[[steps]]
id = "vendor-review"
name = "Vendor review"
match = ["vendor"]
objective = "Vendors are reviewed yearly"
[[steps.attributes]]
letter = "V"
description = "SOC report obtained and reviewed"
''', "firm.toml")
    merged = lib.merged(shipped(), firm)
    assert merged["change-management"].steps.objective == "Firm objective"
    assert "backups" not in merged
    assert merged["vendor-review"].steps.attributes[0].letter == "V"
    assert lib.match_entry(merged, "Daily backups") is None


@pytest.mark.parametrize(("text", "message"), [
    ("steps = 3", "'steps' must be an array"),
    ("[[steps]]\nid = 'Bad Id'", "'id' must be a short lower-case name"),
    ("[[steps]]\nid = 'x'\nmatch = ['x']\n[[steps.attributes]]\ndescription = 'd'\nrule = 'a !! b'",
     "steps 'x', attribute #1, rule: position 3: '!' must be followed by '='"),
    ("[[steps]]\nid = 'x'\nmatch = ['x']\n[[steps.attributes]]\ndescription = 'd'\ncolour = 'red'",
     "unknown field 'colour'"),
    ("[[steps]]\nid = 'x'\nobjective = 'o'", "give 'match' words or 'criteria'"),
    ("[[steps]]\nid = 'x'\nmatch = ['x']\n[[steps.attributes]]\ndescription = ''", "the description is empty"),
    ("[[steps]]\nid = 'x'\nmatch = 3", "match: expected a list of words"),
    ("not toml [", "not valid TOML"),
])
def test_bad_library_files_are_refused_naming_the_entry_and_field(text, message):
    with pytest.raises(lib.LibraryError, match="firm.toml") as info:
        lib.library_from_toml(text, "firm.toml")
    assert message in str(info.value)
