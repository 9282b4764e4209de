"""The one matching rule per entity (domain/matching.py)."""

from __future__ import annotations

from fieldwork_tui.domain.matching import person_index, person_key, ref_key


def test_refs_ignore_case_blanks_and_compatibility_forms():
    assert ref_key(" ac-01 ") == ref_key("AC-01") == ref_key("ＡＣ-０１")  # fullwidth letters and digits
    assert ref_key("AC-01") != ref_key("AC-010")
    assert ref_key(None) == ""


def test_persons_ignore_case_and_runs_of_blanks():
    assert person_key("Dana  Ruiz") == person_key(" dana ruiz") == person_key("DANA RUIZ")
    assert person_key("Hannah Köhler") == person_key("HANNAH KÖHLER")  # not only ASCII
    assert person_key("Dana Ruiz") != person_key("Dana Ruis")


def test_a_person_is_found_by_name_or_e_mail_and_the_first_keeps_a_key():
    index = person_index([("dana", "Dana Ruiz", "dana@client.example"), ("other", "Dana Ruiz", "")])
    assert index[person_key("DANA@Client.example")] == "dana"
    assert index[person_key("dana ruiz")] == "dana"
