"""Tables of attribute testing: a control's test steps, the testing matrix's cells, what is recorded
about how the client produced a population (completeness and accuracy), and single tests
(a Type I walkthrough, an automated control's test of one).

A sample item's `result` (in `sampleitem`) stays the item's derived result, rewritten from its cells
on every change by `services` through `domain.attributes.item_result`, so everything that counts
items keeps reading one column.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from fieldwork_tui.domain.vocab import SampleResult
from fieldwork_tui.models import utcnow


class TestProcedure(SQLModel, table=True):
    """A control's test objective and where its steps came from (the attributes are `testattribute`)."""

    __test__ = False
    id: int | None = Field(default=None, primary_key=True)
    control_id: int = Field(foreign_key="control.id", unique=True)
    objective: str = ""
    source: str = ""  # manual | import | library:<id> | migrated
    updated_by: str = ""
    updated_at: dt.datetime = Field(default_factory=utcnow)


class TestAttribute(SQLModel, table=True):
    """One attribute tested for every sampled item of the control ("A — approved before deployment")."""

    __test__ = False
    __table_args__ = (UniqueConstraint("control_id", "letter", name="uq_testattribute_letter"),)

    id: int | None = Field(default=None, primary_key=True)
    control_id: int = Field(foreign_key="control.id", index=True)
    position: int = 0
    letter: str
    description: str = ""
    deviation: str = ""  # the report wording of a deviation
    rule: str = ""  # domain.expressions text; parsed, never evaluated as Python
    created_at: dt.datetime = Field(default_factory=utcnow)


class AttributeResult(SQLModel, table=True):
    """One cell of the testing matrix: an item's result for one attribute."""

    __table_args__ = (UniqueConstraint("item_id", "attribute_id", name="uq_attributeresult_cell"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="sampleitem.id")  # the unique cell index leads with it
    attribute_id: int = Field(foreign_key="testattribute.id", index=True)
    result: SampleResult = SampleResult.untested
    proposed: bool = False  # set by the attribute's rule; counts only once a person confirms it
    reason: str = ""  # what the rule found in the item's columns
    note: str = ""
    evidence_id: int | None = Field(default=None, foreign_key="evidencefile.id")
    seen_in_extract: bool = False
    tested_by: str = ""
    tested_at: dt.datetime | None = None


class PopulationExtract(SQLModel, table=True):
    """How the client produced a population (information produced by the entity): its source system,
    the query or parameters, and the reconciliation to the count the client stated
    (`population.expected_count`). Rules read the extract only once this is complete."""

    id: int | None = Field(default=None, primary_key=True)
    population_id: int = Field(foreign_key="population.id", unique=True)
    source_system: str = ""
    query: str = ""
    reconciliation_note: str = ""
    recorded_by: str = ""
    recorded_at: dt.datetime = Field(default_factory=utcnow)


class SingleTest(SQLModel, table=True):
    """A Type I walkthrough of one instance, or an automated control's test of one."""

    id: int | None = Field(default=None, primary_key=True)
    control_id: int = Field(foreign_key="control.id", unique=True)
    kind: str  # walkthrough | test_of_one (domain.attributes)
    instance: str = ""
    performed_on: dt.date | None = None
    description: str = ""
    configuration: str = ""
    itgc_refs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    itgc_basis: str = ""
    evidence_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    result: SampleResult = SampleResult.untested
    performed_by: str = ""
    updated_at: dt.datetime = Field(default_factory=utcnow)
