"""Observation notes: the auditor watched the control operate — when, where, what was seen, by whom."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import Observation

_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")


def parse_when(value: str | dt.datetime | dt.date) -> dt.datetime:
    """'YYYY-MM-DD HH:MM' (or a date) as the auditor's local time, stored as aware UTC."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day, 12, 0)
    else:
        text = (value or "").strip()
        for fmt in _FORMATS:
            try:
                moment = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise InvalidInput(f"when: {text!r} is not a date and time (YYYY-MM-DD HH:MM)")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def add_observation(handle: EngagementHandle, control_ref: str, *, observed_at: str | dt.datetime | dt.date,
                    description: str, location: str = "", observed_by: str = "") -> Observation:
    if not (description or "").strip():
        raise InvalidInput("what was seen: describe what you observed")
    when = parse_when(observed_at)
    with handle.session() as s:
        control = find_control(s, control_ref)
        obs = Observation(control_id=control.id, observed_at=when, location=location.strip(),
                          description=description.strip(), observed_by=(observed_by or handle.actor).strip())
        s.add(obs)
    return obs


def list_observations(handle: EngagementHandle, control_ref: str) -> list[Observation]:
    with handle.read() as s:
        control = find_control(s, control_ref)
        return list(s.exec(select(Observation).where(Observation.control_id == control.id)
                           .order_by(Observation.observed_at, Observation.id)))


def delete_observation(handle: EngagementHandle, observation_id: int) -> None:
    with handle.session() as s:
        obs = s.get(Observation, observation_id)
        if obs is None:
            raise NotFound(f"observation #{observation_id} not found")
        s.delete(obs)
