"""Exception wording computed from the current counts, hand edits kept visibly (domain.reporting)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.domain import reporting as rp
from fieldwork_tui.domain.reporting import DeviationFacts


def test_the_one_wording_rule() -> None:
    assert rp.count_wording(1, 40, "changes", "The change was deployed before it was approved.") == \
        "For 1 of 40 changes sampled, the change was deployed before it was approved."
    assert rp.count_wording(1, 5, "terminated users", "access was not removed within one business day",
                            verb="compared") == \
        "For 1 of 5 terminated users compared, access was not removed within one business day."
    assert rp.comparison_exception_wording(2, 16, "users", "x") == "For 2 of 16 users compared, x."


def test_manual_exceptions_are_counted_too() -> None:
    assert rp.instances_wording(1, "The backup failed") == "In 1 instance, the backup failed."
    assert rp.instances_wording(3, "the backup failed") == "In 3 instances, the backup failed."


def test_wording_follows_the_current_size_after_an_expansion() -> None:
    before = [DeviationFacts("sample:1", "no approving review", "changes", 25)]
    after = [DeviationFacts("sample:1", "no approving review", "changes", 40)]
    assert rp.exception_wordings(before)[0][0] == "For 1 of 25 changes sampled, no approving review."
    assert rp.exception_wordings(after)[0][0] == "For 1 of 40 changes sampled, no approving review."


def test_alike_instances_of_one_test_are_counted_together() -> None:
    devs = [DeviationFacts("rp:7", "access was not removed in time", "terminated users", 5, "compared"),
            DeviationFacts("rp:7", "Access was not removed in time.", "terminated users", 5, "compared"),
            DeviationFacts("rp:7", "the account was never deactivated", "terminated users", 5, "compared"),
            DeviationFacts("manual", "the log was not kept")]
    out = rp.exception_wordings(devs)
    assert out == [
        ("For 2 of 5 terminated users compared, access was not removed in time.", [0, 1]),
        ("For 1 of 5 terminated users compared, the account was never deactivated.", [2]),
        ("In 1 instance, the log was not kept.", [3]),
    ]


def test_a_hand_edit_is_kept_and_marked_as_an_override() -> None:
    devs = [DeviationFacts("sample:1", "no review", "changes", 40, override="One change lacked a review"),
            DeviationFacts("sample:1", "no review", "changes", 40)]
    w = rp.wording_of(devs, 0)
    assert w.overridden and w.text == "One change lacked a review." and \
        w.generated == "For 2 of 40 changes sampled, no review."
    other = rp.wording_of(devs, 1)
    assert not other.overridden and other.text == "For 1 of 40 changes sampled, no review."


def test_names_and_e_mails_are_withheld() -> None:
    text = "For ptan@lumenledger.example, account of ptan deactivated 6 days after Peter Tan left."
    out = rp.withhold_names(text, ["ptan", "Peter Tan"])
    assert "ptan" not in out and "Peter Tan" not in out and "lumenledger" not in out
    assert out.count(rp.WITHHELD) == 3
    assert rp.withhold_names("Optane drives were wiped.", ["ptan"]) == "Optane drives were wiped."


@given(st.integers(1, 100), st.integers(1, 100), st.text(min_size=1, max_size=30))
def test_counted_wording_always_states_its_counts(x, n, what) -> None:
    text = rp.count_wording(x, n, "items", what, verb="compared")
    assert text.startswith(f"For {x} of {n} items compared, ") and text.endswith(".")


@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["late", "missing", "Late."])),
                max_size=12))
def test_every_instance_is_worded_exactly_once(pairs) -> None:
    devs = [DeviationFacts(g, w, "items", 10) for g, w in pairs]
    covered = sorted(i for _t, members in rp.exception_wordings(devs) for i in members)
    assert covered == list(range(len(devs)))


def test_interviewees_are_named_by_title_or_role_never_by_name() -> None:
    assert rp.interviewee_phrase("VP Engineering", "engineering") == "the VP Engineering"
    assert rp.interviewee_phrase("", "it administration") == "it administration personnel"
    assert rp.interviewee_phrase() == "management personnel"


def test_compared_items_noun() -> None:
    assert rp.compared_items_noun("Terminated users removed within one business day") == "terminated users"
    assert rp.compared_items_noun("Quarterly user access review") == "users"
    assert rp.compared_items_noun("Changes peer reviewed") == "changes"
