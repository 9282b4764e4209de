"""Engagements: one folder each (`fieldwork.db` + `vault/`) under the fieldwork home. Create, list,
find by name or prefix, open, and move through the phases.

`EngagementHandle` (store/handle.py) is what every other service takes; it is re-exported here as part
of the services' public API, with `today` (the engagement's "today": FIELDWORK_TODAY or the system date),
`resolve_home` (the folder holding the engagements) and `waiting_for_lock` / `LockWait` (how the CLI and
the TUI hear that a write waits for another process's write lock, and stop it waiting).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from sqlmodel import select

from fieldwork_tui.domain.criteria import CATEGORIES
from fieldwork_tui.domain.vocab import EngagementType, Phase
from fieldwork_tui.services.errors import FieldworkError, InvalidInput
from fieldwork_tui.services.startup.locate import engagement_dirs, resolve
from fieldwork_tui.store import paths
from fieldwork_tui.store.clock import today
from fieldwork_tui.store.db import LockWait, describe_wait, waiting_for_lock
from fieldwork_tui.store.handle import TMP_PREFIX, EngagementHandle, current_actor, open_handle
from fieldwork_tui.store.models import Engagement
from fieldwork_tui.store.paths import resolve_home

__all__ = [
    "ALL_CATEGORIES", "TMP_PREFIX", "EngagementHandle", "LockWait", "create_engagement", "current_actor",
    "describe_wait", "engagement_dirs", "engagement_summary", "list_engagements", "open_engagement", "open_path",
    "parse_categories", "parse_period", "resolve", "resolve_home", "set_phase", "to_json", "today",
    "waiting_for_lock",
]

ALL_CATEGORIES = sorted(set(CATEGORIES.values()))


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    try:
        start_s, end_s = text.split("..", 1)
        start, end = dt.date.fromisoformat(start_s.strip()), dt.date.fromisoformat(end_s.strip())
    except ValueError:
        raise InvalidInput(f"period {text!r}: expected YYYY-MM-DD..YYYY-MM-DD") from None
    if end < start:
        raise InvalidInput(f"period {text!r}: the end is before the start")
    return start, end


def parse_categories(text: str | list[str] | None) -> list[str]:
    items = text if isinstance(text, list) else [c for c in (text or "security").replace(";", ",").split(",")]
    out: list[str] = []
    for item in items:
        c = item.strip().lower().replace(" ", "_").replace("-", "_")
        if not c:
            continue
        if c not in ALL_CATEGORIES:
            raise InvalidInput(f"category {item.strip()!r}: expected one of {', '.join(ALL_CATEGORIES)}")
        if c not in out:
            out.append(c)
    if "security" not in out:
        out.insert(0, "security")  # the common criteria are always in scope
    return out


def create_engagement(
    home: Path | str | None,
    name: str,
    *,
    type: int | str = 2,
    period: str | tuple[dt.date, dt.date] | None = None,
    categories: str | list[str] | None = None,
    service_organization: str = "",
    slug: str | None = None,
    replace: bool = False,
    kickoff_on: dt.date | None = None,
    uid: str | None = None,
) -> EngagementHandle:
    """Create an engagement folder and its database. `uid` (default: a random one) is fixed here for
    good: every sample's seed derives from it, so nothing may change it later (the database refuses)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("name: an engagement needs a name")
    eng_type = {"1": EngagementType.type1, "2": EngagementType.type2}.get(str(type).lower().removeprefix("type"))
    if eng_type is None:
        raise InvalidInput(f"type {type!r}: expected 1 or 2")
    if period is None:
        year = dt.date.today().year
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    elif isinstance(period, str):
        start, end = parse_period(period)
    else:
        start, end = period
    if eng_type is EngagementType.type1:
        start = end  # a Type I report speaks of one date
    cats = parse_categories(categories)
    home_path = paths.ensure_private_dir(paths.resolve_home(home))
    slug = slug or paths.slugify(name)
    root = home_path / slug
    if root.exists():
        if not replace:
            raise InvalidInput(f"engagement {slug!r} already exists in {home_path}")
        shutil.rmtree(root)
    paths.ensure_private_dir(root)
    handle = open_handle(root, create=True)
    with handle.session() as s:
        s.add(
            Engagement(
                name=name,
                slug=slug,
                service_organization=service_organization or name,
                type=eng_type,
                period_start=start,
                period_end=end,
                categories=cats,
                phase=Phase.kickoff,
                kickoff_on=kickoff_on,
                **({"uid": uid} if uid else {}),
            )
        )
    return handle


def open_engagement(home: Path | str | None, name: str) -> EngagementHandle:
    return open_handle(resolve(home, name))


def open_path(root: Path) -> EngagementHandle:
    return open_handle(root)


def change_marker(handle: EngagementHandle) -> tuple:
    """THE marker of "the engagement changed" (every view compares it on return and reloads only if it
    moved): the journal's last id plus `PRAGMA data_version` on SQLite, the transaction horizon on a
    team server — a commit by this process or any other moves it."""
    return handle.change_marker()


def engagement_summary(handle: EngagementHandle) -> dict:
    eng = handle.engagement()
    return {
        "name": eng.name,
        "slug": handle.slug,
        "type": eng.type.value,
        "period_start": eng.period_start.isoformat(),
        "period_end": eng.period_end.isoformat(),
        "phase": eng.phase.value,
        "path": str(handle.root),
    }


def list_engagements(home: Path | str | None) -> list[dict]:
    """Every engagement under home; one that cannot be opened is listed with its error."""
    out = []
    for d in engagement_dirs(home):
        try:
            handle = open_handle(d)
        except FieldworkError as exc:
            out.append({"name": d.name, "slug": d.name, "type": None, "period_start": None, "period_end": None,
                        "phase": None, "path": str(d), "error": str(exc)})
            continue
        try:
            out.append(engagement_summary(handle))
        finally:
            handle.close()
    return out


def set_phase(handle: EngagementHandle, phase: Phase | str) -> Phase:
    phase = Phase(phase)
    with handle.session() as s:
        eng = s.exec(select(Engagement)).one()
        eng.phase = phase
        s.add(eng)
    return phase


def to_json(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
