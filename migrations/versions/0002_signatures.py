"""signed sign-offs: signature columns and the signer keys an engagement recorded

Revision ID: signatures
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "signatures"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signerkey",
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("public_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("first_used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint"),
    )
    # Sign-offs recorded before signing keys carry no signature: they count as absent until signed again.
    with op.batch_alter_table("signoff", schema=None) as batch_op:
        for column in ("fingerprint", "statement", "signature"):
            batch_op.add_column(sa.Column(column, sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                          server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("signoff", schema=None) as batch_op:
        for column in ("signature", "statement", "fingerprint"):
            batch_op.drop_column(column)
    op.drop_table("signerkey")
