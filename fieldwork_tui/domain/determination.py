"""What the exported assessment results may state about a control: the OSCAL mapping.

An OSCAL finding's target status has two states, `satisfied` and `not-satisfied`. A consumer reads
`not-satisfied` as a failed control, so a control whose testing is not finished must not appear as
one — and, above all, it must never read `satisfied`. The mapping:

| the control                                                        | in the assessment results          |
|--------------------------------------------------------------------|------------------------------------|
| concluded effective or effective with exceptions, defensible, the  | finding `satisfied`, reason `pass`;|
| preparer's sign-off current                                        | exceptions as observations + risks |
| concluded not effective, defensible, sign-off current              | finding `not-satisfied`, `fail`    |
| anything else: not tested, not concluded, a blocking flag standing, | no finding: an "open determination"|
| unsigned, or modified since it was signed                          | part of the result's attestation   |

Why no finding for open work: OSCAL has no third state, `reason: other` on `not-satisfied` still
says "not satisfied", and a finding is the assessor's determination — the open work has none yet.
The control stays visible: it is in the assessment plan's reviewed controls and objectives, its
observations (the work done so far) are in the results, and the attestation lists it with the work
still open. The sign-off condition is there because a determination nobody signed, or one changed
since it was signed, is not yet the assessor's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fieldwork_tui.domain import flags as _flags
from fieldwork_tui.domain.reporting import NOT_PERFORMED, open_work
from fieldwork_tui.domain.vocab import Conclusion, Flag

SATISFIED = "satisfied"
NOT_SATISFIED = "not-satisfied"


@dataclass(frozen=True)
class Determination:
    """`state` is None when no finding may be published; `remarks` then says what is open."""

    state: str | None
    reason: str = ""
    remarks: str = ""

    @property
    def published(self) -> bool:
        return self.state is not None


def determination(conclusion: Conclusion | str | None, flags: Iterable[Flag | str], *,
                  tests_performed: bool = True) -> Determination:
    """The OSCAL determination for one control from its recorded conclusion and flags."""
    flags = _flags.ordered(flags)
    concluded = Conclusion(conclusion) if conclusion else None
    if not tests_performed:
        return Determination(None, remarks=NOT_PERFORMED)
    work = open_work(flags)
    if work:
        return Determination(None, remarks=f"Testing not complete — open: {work}.")
    if concluded is None or concluded is Conclusion.not_tested:
        return Determination(None, remarks="Tested; no conclusion recorded yet.")
    signoff = [_flags.label(f) for f in flags if f in _flags.SIGNOFF]
    if signoff:
        return Determination(None, remarks=f"Concluded; sign-off not current: {', '.join(signoff)}.")
    if concluded is Conclusion.not_effective:
        return Determination(NOT_SATISFIED, "fail", "Concluded not effective.")
    if concluded is Conclusion.effective_with_exceptions:
        return Determination(SATISFIED, "pass", "Concluded effective with exceptions (see the related risks).")
    return Determination(SATISFIED, "pass", "Concluded effective.")
