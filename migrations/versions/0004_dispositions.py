"""dispositions of re-performance differences; whole-population re-performances; ITGC basis

Revision ID: dispositions
Revises: signoff_rules
Create Date: 2026-12-01 12:45:00

Every re-performance difference gets a disposition (exception | explained | not a deviation, with
its reason, the evidence of an explanation, who decided and when). Differences already raised as
exceptions count as decided through their exception (no row is rewritten: the journal replay of
`fieldwork check` stays exact); all others stay open. A re-performance can
say it covered the whole population; an automated control can record the IT general controls its
test of one relies on. The difference kind gains "duplicate" (a key seen twice on one side). An
exception records whether its report wording was rewritten by hand (existing wordings count as
generated: they are recomputed from the current counts).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "dispositions"
down_revision: str | None = "signoff_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS_OLD = ("only_in_a", "only_in_b", "differing", "date_window")
_KINDS = (*_KINDS_OLD, "duplicate")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TYPE differencekind ADD VALUE IF NOT EXISTS 'duplicate'")
    disposition = sa.Enum("exception", "explained", "not_deviation", name="disposition")
    if bind.dialect.name == "postgresql":
        disposition.create(bind, checkfirst=True)
    with op.batch_alter_table("reperformancedifference", schema=None) as batch_op:
        if bind.dialect.name != "postgresql":
            batch_op.alter_column("kind", existing_type=sa.Enum(*_KINDS_OLD, name="differencekind"),
                                  type_=sa.Enum(*_KINDS, name="differencekind"), existing_nullable=False)
        batch_op.add_column(sa.Column("disposition", disposition, nullable=True))
        batch_op.add_column(sa.Column("disposition_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("disposition_evidence_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("disposed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("disposed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_reperformancedifference_disposition"), ["disposition"], unique=False)
        batch_op.create_foreign_key("fk_reperformancedifference_disposition_evidence", "evidencefile",
                                    ["disposition_evidence_id"], ["id"])
    with op.batch_alter_table("reperformance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("whole_population", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("control", schema=None) as batch_op:
        batch_op.add_column(sa.Column("itgc_basis", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))
    with op.batch_alter_table("controlexception", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wording_edited", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("controlexception", schema=None) as batch_op:
        batch_op.drop_column("wording_edited")
    with op.batch_alter_table("control", schema=None) as batch_op:
        batch_op.drop_column("itgc_basis")
    with op.batch_alter_table("reperformance", schema=None) as batch_op:
        batch_op.drop_column("whole_population")
    with op.batch_alter_table("reperformancedifference", schema=None) as batch_op:
        batch_op.drop_constraint("fk_reperformancedifference_disposition_evidence", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_reperformancedifference_disposition"))
        batch_op.drop_column("disposed_at")
        batch_op.drop_column("disposed_by")
        batch_op.drop_column("disposition_evidence_id")
        batch_op.drop_column("disposition_reason")
        batch_op.drop_column("disposition")
