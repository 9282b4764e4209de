"""The example notes file shipped in docs/ imports into a fresh engagement holding the demo's control
matrix: the plan shows the roles still missing per control, and the recital of a control
description raises a possible coached answer."""

from __future__ import annotations

from pathlib import Path

from fieldwork_tui.services.controls import add_control
from fieldwork_tui.services.demo.core import CONTROLS
from fieldwork_tui.services.evidence import coaching, interview_plan, interviews
from fieldwork_tui.services.evidence.interview_import import import_interviews

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "interview-notes.csv"


def test_the_example_notes_on_a_fresh_engagement(engagement) -> None:
    for ref, title, desc, crit, freq, nature, _owner, key in CONTROLS:
        add_control(engagement, ref, title, description=desc, criteria=crit.split(), frequency=freq, nature=nature,
                    key=key)
    result = import_interviews(engagement, EXAMPLE)
    assert (result.interviews_new, result.statements_new, result.unlinked) == (3, 6, 1)
    assert [i.person.label for i in interviews.list_interviews(engagement)] == [  # newest first
        "Kenji Watanabe (Engineering, Staff Engineer)", "Aisha Bello (Finance, Controller)",
        "Ravi Menon (Security operations, Security Engineer)"]
    ravi = next(i for i in interviews.list_interviews(engagement) if i.person.name == "Ravi Menon")
    assert "\n" in interviews.interview_detail(engagement, ravi.id).statements[1].text  # a multi-line cell
    plan = {c.ref: c for c in interview_plan.engagement_plan(engagement).controls}
    assert plan["OP-02"].missing == () and plan["FN-01"].missing == ("executive",)
    assert plan["CM-02"].missing == ("engineering",) and plan["AC-01"].missing == ("it_administration",)
    [signal] = coaching.coaching_signals(engagement)
    assert (signal.kind, signal.control) == ("recited_description", "CM-01")
