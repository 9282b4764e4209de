"""Shared by the attribute-testing service tests: an engagement with a change-management control and
a 300-row change population whose columns the rules read."""

from __future__ import annotations

import datetime as dt

from fieldwork_tui.domain.attributes import AttributeSpec
from fieldwork_tui.services.sampling import samples as sampling
from fieldwork_tui.services.sampling import testing as at

COLUMNS = "Change ID,Deployed,Approved,Approver,Author,Tested"


def write_changes(path, n: int, *, late=(), self_approved=(), untested=()) -> object:
    lines = [COLUMNS]
    for i in range(n):
        deployed = dt.date(2026, 1, 1) + dt.timedelta(days=i * 360 // n)
        approved = deployed + dt.timedelta(days=2) if i in late else deployed - dt.timedelta(days=1)
        author = "ann"
        approver = "ann" if i in self_approved else "bob"
        tested = "no" if i in untested else "yes"
        lines.append(f"CHG-{i:04d},{deployed},{approved},{approver},{author},{tested}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


STEPS = [AttributeSpec("A", "Approved in the ticket before the deploy date", "the change was deployed before it was "
                       "approved", "Approved <= Deployed"),
         AttributeSpec("B", "Approver is not the author", "the change was approved by its own author",
                       "Approver != Author"),
         AttributeSpec("C", "Tested before deployment", "the change was deployed without evidence of testing",
                       "Tested = yes")]


def sampled(handle):
    at.set_steps(handle, "CM-01", "Changes are authorised, tested and approved.", STEPS)
    sampling.take_sample(handle, "CM-01")
    return at.matrix(handle, "CM-01")


def with_extract(handle, count=300):
    return at.record_extract(handle, "CM-01", source_system="Jira Cloud", query="project = OPS AND resolved in 2026",
                             client_count=count)


