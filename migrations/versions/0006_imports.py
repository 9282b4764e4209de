"""imports: a control's type; the extra fields of imported controls and requests

Revision ID: imports
Revises: sampling_v2
Create Date: 2026-12-01 15:45:00

A control records its type (preventive, detective, corrective, entity-level, ...) apart from its
nature; existing controls have none stated (""). Columns of an imported control matrix or request
tracker that no field takes are kept on the control or request under their headers; existing rows
have none ({}).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "imports"
down_revision: str | None = "sampling_v2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("control", schema=None) as batch_op:
        batch_op.add_column(sa.Column("control_type", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("extra_fields", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("evidencerequest", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extra_fields", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("evidencerequest", schema=None) as batch_op:
        batch_op.drop_column("extra_fields")
    with op.batch_alter_table("control", schema=None) as batch_op:
        batch_op.drop_column("extra_fields")
        batch_op.drop_column("control_type")
