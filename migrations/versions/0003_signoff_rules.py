"""sign-off rules: self-review setting, what a sign-off records, note responses, status derived

Revision ID: signoff_rules
Revises: signatures
Create Date: 2026-11-27

- engagement: `allow_self_review` (the firm's setting, journaled like every change) and its reason.
- signoff: `scheme` (what the workpaper digest covers; sign-offs given before this version are
  scheme 1 and read as "signed under an earlier version — sign again"), `self_review`,
  `confirmed_flags`, `journal_head` and `journal_entries` (the chain the signer saw).
- reviewnote: the preparer's response (`response`, `responded_by`, `responded_at`).
- control: `status` is dropped — the status is derived from the work and the sign-offs, so it can
  never be stale (old values are not kept: they were the stale ones).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "signoff_rules"
down_revision: str | None = "signatures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("allow_self_review", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("self_review_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))
    with op.batch_alter_table("signoff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scheme", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("self_review", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("confirmed_flags", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("journal_head", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("journal_entries", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("reviewnote", schema=None) as batch_op:
        batch_op.add_column(sa.Column("response", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("responded_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("responded_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("control", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_control_status"))
        batch_op.drop_column("status")


def downgrade() -> None:
    with op.batch_alter_table("control", schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            "status", sa.Enum("not_started", "in_progress", "ready_for_review", "reviewed", name="controlstatus"),
            nullable=False, server_default="not_started"))
        batch_op.create_index(batch_op.f("ix_control_status"), ["status"], unique=False)
    with op.batch_alter_table("reviewnote", schema=None) as batch_op:
        batch_op.drop_column("responded_at")
        batch_op.drop_column("responded_by")
        batch_op.drop_column("response")
    with op.batch_alter_table("signoff", schema=None) as batch_op:
        batch_op.drop_column("journal_entries")
        batch_op.drop_column("journal_head")
        batch_op.drop_column("confirmed_flags")
        batch_op.drop_column("self_review")
        batch_op.drop_column("scheme")
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.drop_column("self_review_reason")
        batch_op.drop_column("allow_self_review")
