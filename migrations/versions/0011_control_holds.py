"""control holds: controls checked out to offline replicas of a team engagement (who, since when, the id
range reserved for the replica's new rows)

Revision ID: control_holds
Revises: request_imported_on
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "control_holds"
down_revision: str | None = "request_imported_on"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "controlhold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("control_id", sa.Integer(), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("replica", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("checked_out_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("id_base", sa.Integer(), nullable=False),
        sa.Column("id_limit", sa.Integer(), nullable=False),
        sa.Column("released_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("released_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["control_id"], ["control.id"]),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_controlhold_control_id"), "controlhold", ["control_id"], unique=False)
    op.create_index(op.f("ix_controlhold_replica"), "controlhold", ["replica"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_controlhold_replica"), table_name="controlhold")
    op.drop_index(op.f("ix_controlhold_control_id"), table_name="controlhold")
    op.drop_table("controlhold")
