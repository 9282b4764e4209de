"""possible_coached_answer on an engagement: raised by near-identical answers of different
interviewees on one control, never by a genuine paraphrase; dismissed with a reason or kept."""

from __future__ import annotations

import pytest

from fieldwork_tui.domain.flags import is_defensible
from fieldwork_tui.domain.vocab import Flag
from fieldwork_tui.services.controls import add_control
from fieldwork_tui.services.controls.workpaper import control_records
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.evidence import coaching, interviews

DIEGO = "Every quarter I export all production users and each manager confirms or removes access."
HANNAH = "Every quarter we export all production users, and each manager confirms or removes access."
PARAPHRASE = ("Managers get a list of their team's production accounts twice a year; they tick what to keep "
              "in Jira and IT deletes the rest within a week.")
DESCRIPTION = "Managers review user access to production systems each quarter and revoke inappropriate access."


@pytest.fixture
def eng(engagement):
    add_control(engagement, "AC-01", "Quarterly user access review", description=DESCRIPTION, criteria=["CC6.1"])
    add_control(engagement, "AC-02", "Access provisioning approved", criteria=["CC6.2"])
    return engagement


def _say(eng, who: str, role: str, text: str, refs: str = "AC-01") -> int:
    iv = interviews.create_interview(eng, who, role=role)
    return interviews.add_statement(eng, iv.id, text, refs).id


def test_near_identical_answers_raise_the_flag_and_a_paraphrase_does_not(eng) -> None:
    _say(eng, "Diego", "it_administration", DIEGO)
    _say(eng, "Priya", "security_operations", PARAPHRASE)
    assert coaching.coaching_signals(eng) == []
    assert Flag.possible_coached_answer not in control_records(eng, "AC-01").flags
    a = _say(eng, "Diego", "it_administration", "Yes, we do.")  # short generic answers never count
    _say(eng, "Hannah", "hr", "Yes, we do.")
    assert coaching.coaching_signals(eng) == []
    b = _say(eng, "Hannah", "hr", HANNAH, "AC-01 AC-02")
    [signal] = coaching.coaching_signals(eng)
    assert signal.control == "AC-01" and signal.kind == "similar_answers" and signal.score >= 90 and signal.open
    assert [x.text for x in signal.statements] == [DIEGO, HANNAH]  # side by side
    assert [x.who for x in signal.statements] == ["Diego (IT administration)", "Hannah (HR)"]
    flags = control_records(eng, "AC-01").flags
    assert Flag.possible_coached_answer in flags
    assert is_defensible([Flag.possible_coached_answer])  # advisory, never blocking
    assert a != b


def test_reciting_the_control_description(eng) -> None:
    _say(eng, "Diego", "it_administration", "Managers review user access to production systems each quarter and "
                                             "revoke inappropriate access.")
    [signal] = coaching.coaching_signals(eng, "ac-01")
    assert signal.kind == "recited_description" and signal.description == DESCRIPTION


def test_dismiss_with_a_reason_keep_and_a_changed_text_reopens(eng) -> None:
    first = _say(eng, "Diego", "it_administration", DIEGO)
    _say(eng, "Hannah", "hr", HANNAH)
    [signal] = coaching.coaching_signals(eng)
    with pytest.raises(InvalidInput, match="dismissed: say why"):
        coaching.review_signal(eng, signal.key, "dismissed", " ")
    with pytest.raises(NotFound):
        coaching.review_signal(eng, "similar_answers:AC-01:98-99", "kept")
    kept = coaching.review_signal(eng, signal.key, "kept", "ask the manager")
    assert kept.decision == "kept" and kept.open
    assert Flag.possible_coached_answer in control_records(eng, "AC-01").flags
    dismissed = coaching.review_signal(eng, signal.key, "dismissed", "Both read the runbook aloud; facts differ")
    assert not dismissed.open and dismissed.reason.startswith("Both read")
    assert Flag.possible_coached_answer not in control_records(eng, "AC-01").flags
    interviews.save_statement_text(eng, first, DIEGO + " Every single time.")
    [again] = coaching.coaching_signals(eng)
    assert again.key == signal.key and again.open and again.decision is None
    assert Flag.possible_coached_answer in control_records(eng, "AC-01").flags


def test_thresholds_come_from_the_firm_plan_file(eng) -> None:
    from fieldwork_tui.services.evidence.interview_plan import firm_table_path, shipped_table_text

    _say(eng, "Diego", "it_administration", DIEGO)
    _say(eng, "Hannah", "hr", HANNAH)
    assert len(coaching.coaching_signals(eng)) == 1
    path = firm_table_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(shipped_table_text().replace("threshold = 90\n", "threshold = 99.9\n"), encoding="utf-8")
    assert coaching.coaching_signals(eng) == []


def test_a_signal_shows_how_alike_the_wording_is_beside_the_shared_words(engagement):
    """Regression: the dialog said "similarity 100 of 100" for two answers that only share their words
    (the token-set ratio is 100 when one text's words all reappear in the other)."""
    from fieldwork_tui.services.controls import add_control

    add_control(engagement, "AC-09", "Access reviews", criteria=["CC6.2"])
    a = interviews.create_interview(engagement, "Ana", role="it_administration")
    b = interviews.create_interview(engagement, "Ben", role="it_administration")
    interviews.add_statement(engagement, a.id, "Every quarter I export all production users and each manager "
                                               "confirms or removes access.", "AC-09")
    interviews.add_statement(engagement, b.id, "Each manager confirms or removes access after I export all "
                                               "production users every quarter.", "AC-09")
    (signal,) = [s for s in coaching.coaching_signals(engagement) if s.control == "AC-09"]
    assert signal.score >= 90 and signal.alike < 60  # the same words, in another order
    assert signal.scores == f"words shared {signal.score:g} of 100 · wording alike {signal.alike:g} of 100"
    assert signal.to_json()["alike"] == signal.alike
