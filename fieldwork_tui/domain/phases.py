"""The six phases of a SOC 2 engagement with the week ranges of the fieldwork guide."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fieldwork_tui.domain.vocab import Phase


@dataclass(frozen=True)
class PhaseInfo:
    phase: Phase
    label: str
    first_week: int
    last_week: int
    activities: str

    @property
    def weeks(self) -> str:
        if self.first_week == self.last_week:
            return f"week {self.first_week}"
        return f"weeks {self.first_week}–{self.last_week}"

    def dates(self, kickoff: dt.date) -> tuple[dt.date, dt.date]:
        start = kickoff + dt.timedelta(weeks=self.first_week - 1)
        return start, kickoff + dt.timedelta(weeks=self.last_week, days=-1)


PHASES: tuple[PhaseInfo, ...] = (
    PhaseInfo(Phase.kickoff, "Kickoff", 1, 1, "scope, system description, audit plan, request list delivered"),
    PhaseInfo(Phase.evidence_collection, "Evidence collection", 1, 4, "evidence provided, completeness review, follow-ups"),
    PhaseInfo(Phase.fieldwork, "Fieldwork", 3, 8, "walkthroughs, interviews, inspection, re-performance, samples"),
    PhaseInfo(Phase.draft_report, "Draft report", 8, 10, "draft issued, exceptions discussed"),
    PhaseInfo(Phase.management_responses, "Management responses", 10, 11, "responses to exceptions drafted"),
    PhaseInfo(Phase.final_report, "Final report", 11, 13, "opinion signed, report issued; workpapers locked"),
)

_ORDER = [p.phase for p in PHASES]


def info(phase: Phase | str) -> PhaseInfo:
    return PHASES[_ORDER.index(Phase(phase))]


def next_phase(phase: Phase | str) -> Phase | None:
    i = _ORDER.index(Phase(phase))
    return _ORDER[i + 1] if i + 1 < len(_ORDER) else None


def previous_phase(phase: Phase | str) -> Phase | None:
    i = _ORDER.index(Phase(phase))
    return _ORDER[i - 1] if i > 0 else None


def is_at_or_after(phase: Phase | str, other: Phase | str) -> bool:
    return _ORDER.index(Phase(phase)) >= _ORDER.index(Phase(other))
