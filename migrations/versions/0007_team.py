"""team engagements: row versions from the journal (an index); review-note response times aware UTC on PostgreSQL

Revision ID: team
Revises: imports
Create Date: 2026-12-01 15:50:00

`reviewnote.responded_at` was added (signoff_rules) as a plain DateTime while the model declares it, like
every other timestamp, an aware UTC one. On SQLite both are the same text, so nothing changes there. On
PostgreSQL the column becomes `timestamp with time zone`; stored values were written in UTC (every session
runs with TimeZone=UTC), so they are read as UTC.

A row's version is the id of its last journal entry (store/versions.py: a save over a row someone else
changed is refused with who and when); the index (entity, entity_id, id) finds it without a scan.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "team"
down_revision: str | None = "imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_journalentry_entity", "journalentry", ["entity", "entity_id", "id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("reviewnote", "responded_at", type_=sqlmodel.sql.sqltypes.UTCDateTime(),
                        existing_type=sa.DateTime(), existing_nullable=True,
                        postgresql_using="responded_at AT TIME ZONE 'UTC'")


def downgrade() -> None:
    op.drop_index("ix_journalentry_entity", table_name="journalentry")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("reviewnote", "responded_at", type_=sa.DateTime(),
                        existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), existing_nullable=True,
                        postgresql_using="responded_at AT TIME ZONE 'UTC'")
