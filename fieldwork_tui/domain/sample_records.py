"""How a sample's selection is recorded: the JSON stored with each draw (strata, rows passed over,
replacements) and the bundle's `reperform/samples.json` (docs/sampling-method.md, section 8), so the
database, the workpaper and the re-derivation script read one format."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from fieldwork_tui.domain.selection import Part, Replaced, Skipped, Stratum

FORMAT = "fieldwork-samples"
VERSION = 1


def _day(text: Any) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def stratum_json(s: Stratum) -> dict:
    return {"number": s.number, "start": s.start.isoformat(), "end": s.end.isoformat(), "rows": s.rows,
            "eligible": s.eligible, "selected": s.selected}


def stratum_from(d: Mapping[str, Any]) -> Stratum:
    return Stratum(int(d["number"]), _day(d["start"]), _day(d["end"]), int(d["rows"]), int(d["eligible"]),
                   int(d["selected"]))


def skipped_json(s: Skipped) -> dict:
    return {"key": s.key, "date": _iso(s.day), "stratum": s.stratum, "code": s.code, "reason": s.reason,
            "replaced_by": s.replaced_by}


def skipped_from(d: Mapping[str, Any]) -> Skipped:
    return Skipped(str(d["key"]), _day(d.get("date")), int(d.get("stratum") or 0), str(d["code"]),
                   str(d.get("reason") or ""), d.get("replaced_by"))


def replaced_json(r: Replaced) -> dict:
    return {"key": r.key, "date": _iso(r.day), "code": r.code, "reason": r.reason, "replaced_by": r.replaced_by,
            "on": r.on.isoformat()}


def replaced_from(d: Mapping[str, Any]) -> Replaced:
    return Replaced(str(d["key"]), _day(d.get("date")), str(d["code"]), str(d.get("reason") or ""),
                    d.get("replaced_by"), _day(d["on"]))


def part_from(kind: str, number: int, method: str, size: int, strata_period: tuple[dt.date, dt.date] | None,
              selected_on: dt.date | None, keys: Sequence[str], passed_over: Sequence[Mapping[str, Any]] = (),
              replaced: Sequence[Mapping[str, Any]] = ()) -> Part:
    """A recorded draw as the domain re-derives it."""
    return Part(f"{kind} sample #{number}", method, size, strata_period, selected_on, tuple(keys),
                tuple(skipped_from(x) for x in passed_over), tuple(replaced_from(x) for x in replaced))


def part_json(kind: str, number: int, part: Part) -> dict:
    """One draw in samples.json."""
    return {"kind": kind, "id": number, "method": part.method, "size": part.size,
            "strata_period": [part.strata_period[0].isoformat(), part.strata_period[1].isoformat()]
            if part.strata_period else None,
            "selected_on": _iso(part.selected_on), "keys": list(part.keys),
            "passed_over": [skipped_json(s) for s in part.skipped], "replaced": [replaced_json(r) for r in part.replaced]}


def samples_document(engagement_uid: str, period: tuple[dt.date, dt.date], samples: Sequence[dict]) -> dict:
    """The whole `reperform/samples.json`; each sample as built by `sample_entry`."""
    return {"format": FORMAT, "version": VERSION,
            "method_specification": "docs/sampling-method.md of fieldwork-tui",
            "engagement": {"uid": engagement_uid, "period_start": period[0].isoformat(),
                           "period_end": period[1].isoformat()},
            "samples": list(samples)}


def sample_entry(*, control: str, seed: str, population_file: str, population_sha256: str, rows: int,
                 key_column: str, date_column: str, source_file: str | None, source_sha256: str,
                 parts: Sequence[tuple[str, int, Part]]) -> dict:
    return {"control": control, "seed": seed,
            "population": {"file": population_file, "sha256": population_sha256, "rows": rows,
                           "key_column": key_column, "date_column": date_column,
                           "source": {"file": source_file, "sha256": source_sha256} if source_file else None},
            "parts": [part_json(kind, number, part) for kind, number, part in parts]}
