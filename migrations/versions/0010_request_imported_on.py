"""request imported_on: the day a request without a request date came in with the client's list

Revision ID: request_imported_on
Revises: interviews
Create Date: 2026-12-01 13:30:00

Requests imported before this revision got the import day as their request date; that cannot be told
apart from a real request date any more, so they keep it (imported_on stays empty for them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "request_imported_on"
down_revision: str | None = "interviews"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evidencerequest") as batch:
        batch.add_column(sa.Column("imported_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidencerequest") as batch:
        batch.drop_column("imported_on")
