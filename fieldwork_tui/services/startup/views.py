"""What the dashboard shows, as plain data: the same figures whether they were just computed
(`live_dashboard`) or read back from the start-up cache (`cached_dashboard`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fieldwork_tui.domain.vocab import Flag


@dataclass(frozen=True)
class DashboardFigures:
    """The dashboard's numbers. Built from `controls.overview` only (`figures_from_overview`): the
    "not yet defensible" count and the flag counts are the domain flag model's (`domain.flags`), as
    `f` and the bundle count them. `cached` says they were read back from the start-up cache: right
    for the journal head they were computed at, and shown as "updating…" until the live ones come."""

    summary: dict[str, Any]  # the engagement bar's line (services.engagements.engagement_summary)
    kickoff_on: dt.date | None
    controls_total: int
    status_counts: dict[str, int] = field(default_factory=dict)
    not_defensible: int = 0
    flag_counts: dict[Flag, int] = field(default_factory=dict)
    requests_by_status: dict[str, int] = field(default_factory=dict)
    requests_overdue: int = 0
    oldest_overdue: dt.date | None = None
    exceptions_total: int = 0
    exceptions_without_response: int = 0
    open_review_notes: int = 0
    cached: bool = False

    @property
    def phase(self) -> str:
        return str(self.summary["phase"])

    @property
    def defensible(self) -> int:
        return self.controls_total - self.not_defensible

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "kickoff_on": self.kickoff_on.isoformat() if self.kickoff_on else None,
            "controls_total": self.controls_total,
            "status_counts": self.status_counts,
            "not_defensible": self.not_defensible,
            "flag_counts": {flag.value: n for flag, n in self.flag_counts.items()},
            "requests_by_status": self.requests_by_status,
            "requests_overdue": self.requests_overdue,
            "oldest_overdue": self.oldest_overdue.isoformat() if self.oldest_overdue else None,
            "exceptions_total": self.exceptions_total,
            "exceptions_without_response": self.exceptions_without_response,
            "open_review_notes": self.open_review_notes,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DashboardFigures:
        """Read back what `to_json` wrote (raises KeyError, TypeError or ValueError on anything else)."""

        def date(text: str | None) -> dt.date | None:
            return dt.date.fromisoformat(text) if text else None

        def counts(d: dict) -> dict[str, int]:
            return {str(k): int(v) for k, v in d.items()}

        return cls(
            summary={str(k): v for k, v in dict(data["summary"]).items()},
            kickoff_on=date(data["kickoff_on"]),
            controls_total=int(data["controls_total"]),
            status_counts=counts(data["status_counts"]),
            not_defensible=int(data["not_defensible"]),
            flag_counts={Flag(k): int(v) for k, v in dict(data["flag_counts"]).items()},
            requests_by_status=counts(data["requests_by_status"]),
            requests_overdue=int(data["requests_overdue"]),
            oldest_overdue=date(data["oldest_overdue"]),
            exceptions_total=int(data["exceptions_total"]),
            exceptions_without_response=int(data["exceptions_without_response"]),
            open_review_notes=int(data["open_review_notes"]),
            cached=True,
        )


def figures_from_overview(ov: Any, kickoff_on: dt.date | None) -> DashboardFigures:
    """The dashboard's figures from a `controls.views.Overview` (its counts follow the flag model)."""
    return DashboardFigures(
        summary=dict(ov.engagement),
        kickoff_on=kickoff_on,
        controls_total=len(ov.controls),
        status_counts={str(k): int(v) for k, v in ov.status_counts.items()},
        not_defensible=len(ov.not_defensible),
        flag_counts={Flag(k): int(v) for k, v in ov.flag_counts.items() if v},
        requests_by_status=dict(ov.requests_by_status),
        requests_overdue=int(ov.requests_overdue),
        oldest_overdue=ov.oldest_overdue,
        exceptions_total=int(ov.exceptions_total),
        exceptions_without_response=int(ov.exceptions_without_response),
        open_review_notes=int(ov.open_review_notes),
    )
