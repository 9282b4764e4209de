"""Plain, frozen copies of stored rows: what the areas' views hand to the CLI and the TUI instead of
ORM instances.

A SQLModel row is live: it belongs to a session, may lazy-load or expire, and a screen that changed one
would be changing the database's object. The UI gets a `<Table>Record` instead — a frozen dataclass
with the row's columns, field for field, copied while the session is open (lists and dicts copied
too). The classes are generated from the tables, so a new column reaches the UI with its migration and
no edit here; `record(row)` makes the copy. `tests/architecture/test_plain_views.py` proves no view
holds an ORM instance.
"""

from __future__ import annotations

import copy
from dataclasses import fields, make_dataclass
from typing import Any, TypeVar

from sqlmodel import SQLModel

from fieldwork_tui.store import models

T = TypeVar("T")


def _record_class(model: type[SQLModel]) -> type:
    hints = {}
    for klass in reversed(model.__mro__):
        hints.update(getattr(klass, "__annotations__", {}))
    spec = [(name, hints.get(name, Any)) for name in model.model_fields]
    cls = make_dataclass(f"{model.__name__}Record", spec, frozen=True)
    cls.__module__ = __name__
    cls.__doc__ = f"A frozen copy of one `{model.__name__}` row (every column, same names)."
    return cls


PersonRecord = _record_class(models.Person)
ControlRecord = _record_class(models.Control)
InterviewRecord = _record_class(models.Interview)
InquiryStatementRecord = _record_class(models.InquiryStatement)
ObservationRecord = _record_class(models.Observation)
EvidenceFileRecord = _record_class(models.EvidenceFile)
ReperformanceRecord = _record_class(models.Reperformance)
PopulationRecord = _record_class(models.Population)
SampleRecord = _record_class(models.Sample)
SampleItemRecord = _record_class(models.SampleItem)
ControlExceptionRecord = _record_class(models.ControlException)
ManagementResponseRecord = _record_class(models.ManagementResponse)
FollowUpRecord = _record_class(models.FollowUp)
RequestStatusChangeRecord = _record_class(models.RequestStatusChange)

_BY_MODEL: dict[type, type] = {
    models.Person: PersonRecord, models.Control: ControlRecord, models.Interview: InterviewRecord,
    models.InquiryStatement: InquiryStatementRecord, models.Observation: ObservationRecord,
    models.EvidenceFile: EvidenceFileRecord, models.Reperformance: ReperformanceRecord,
    models.Population: PopulationRecord, models.Sample: SampleRecord, models.SampleItem: SampleItemRecord,
    models.ControlException: ControlExceptionRecord, models.ManagementResponse: ManagementResponseRecord,
    models.FollowUp: FollowUpRecord, models.RequestStatusChange: RequestStatusChangeRecord,
}


def record(row: Any) -> Any:
    """The frozen copy of `row` (None stays None; a record is returned as it is)."""
    if row is None or type(row) in _BY_MODEL.values():
        return row
    cls = _BY_MODEL[type(row)]
    return cls(**{f.name: _copy(getattr(row, f.name)) for f in fields(cls)})


def records(rows: Any) -> list[Any]:
    return [record(r) for r in rows]


def _copy(value: T) -> T:
    return copy.deepcopy(value) if isinstance(value, list | dict) else value
