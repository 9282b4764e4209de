"""sampling method v2: the inputs and records of each draw

Revision ID: sampling_v2
Revises: dispositions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sampling_v2"
down_revision: str | None = "dispositions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sample", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draw_size", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("strata_start", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("strata_end", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("selected_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("strata", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("passed_over", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("replaced", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("after_selection", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("population", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outside_period", sa.Integer(), nullable=False, server_default="0"))
    # Existing samples were drawn with v1: the size of each draw is its item count, and a stratified v1
    # draw's strata spanned the population's own first and last dates — recorded now so the workpaper
    # can show them and re-derivation needs nothing but the record.
    op.execute("UPDATE sample SET draw_size = size")
    op.execute(
        "UPDATE sample SET "
        "strata_start = (SELECT min(r.occurred_on) FROM populationrow r WHERE r.population_id = sample.population_id), "
        "strata_end = (SELECT max(r.occurred_on) FROM populationrow r WHERE r.population_id = sample.population_id) "
        "WHERE method = 'sha256-rank-stratified-v1'"
    )
    # The population's reconciliation says how many of its rows lie outside the audit period.
    op.execute(
        "UPDATE population SET outside_period = (SELECT count(*) FROM populationrow r, engagement e "
        "WHERE r.population_id = population.id AND r.occurred_on IS NOT NULL "
        "AND (r.occurred_on < e.period_start OR r.occurred_on > e.period_end))"
    )


def downgrade() -> None:
    with op.batch_alter_table("population", schema=None) as batch_op:
        batch_op.drop_column("outside_period")
    with op.batch_alter_table("sample", schema=None) as batch_op:
        for name in ("after_selection", "replaced", "passed_over", "strata", "selected_on", "strata_end", "strata_start", "draw_size"):
            batch_op.drop_column(name)
