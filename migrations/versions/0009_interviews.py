"""interviews: person roles from the vocabulary, the interview plan's per-control choices, coached-answer
reviews, statement versions and contradiction resolutions; ids never reused

Revision ID: interviews
Revises: attribute_testing
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "interviews"
down_revision: str | None = "attribute_testing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("engineering", "hr", "it_administration", "security_operations", "finance", "executive", "other")
#: The free-text roles written before this revision (the app's own suggestions, the demo's and common
#: words), frozen here so the migration does not change when the app's role reading does.
OLD_ROLE_WORDS = {
    "engineering": "engineering", "engineer": "engineering", "developer": "engineering", "development": "engineering",
    "dev": "engineering", "sre": "engineering", "devops": "engineering",
    "hr": "hr", "human resources": "hr", "people": "hr", "people operations": "hr", "people ops": "hr",
    "it administration": "it_administration", "it admin": "it_administration", "it": "it_administration",
    "it operations": "it_administration", "sysadmin": "it_administration", "helpdesk": "it_administration",
    "security": "security_operations", "security operations": "security_operations", "secops": "security_operations",
    "infosec": "security_operations", "information security": "security_operations",
    "finance": "finance", "accounting": "finance",
    "management": "executive", "executive": "executive", "leadership": "executive",
    "compliance": "other", "legal": "other", "operations": "other", "other": "other", "grc": "other",
}
#: Words the app itself wrote for people it created from an import: they say nothing about the person.
GENERATED = {"control owner", "request owner", ""}

role_enum = sa.Enum(*ROLES, name="personrole")
decision_enum = sa.Enum("dismissed", "kept", name="signaldecision")


def _norm(text: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in (text or "").casefold()).split())


def _recreate() -> str:
    """SQLite rebuilds a table to keep ids never reused (AUTOINCREMENT); PostgreSQL alters in place
    (its sequences never reuse an id)."""
    return "always" if op.get_bind().dialect.name == "sqlite" else "auto"


def upgrade() -> None:
    conn = op.get_bind()
    pg = conn.dialect.name == "postgresql"
    people = conn.execute(sa.text("SELECT id, role, title FROM person")).fetchall()

    if pg:
        role_enum.create(conn, checkfirst=True)
        op.alter_column("person", "role", existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=True)
    else:
        with op.batch_alter_table("person", recreate="always", table_kwargs={"sqlite_autoincrement": True}) as b:
            b.alter_column("role", existing_type=sqlmodel.sql.sqltypes.AutoString(), type_=role_enum, nullable=True)
    for pid, old_role, title in people:
        key = _norm(old_role or "")
        role = OLD_ROLE_WORDS.get(key)
        new_title = title or ""
        if role is None and key not in GENERATED and not new_title.strip():
            new_title = (old_role or "").strip()  # an unknown word is kept, as the title
        conn.execute(sa.text("UPDATE person SET role = :role, title = :title WHERE id = :id"),
                     {"role": role, "title": new_title, "id": pid})
    if pg:  # every value is a role word or NULL now
        op.alter_column("person", "role", existing_type=sqlmodel.sql.sqltypes.AutoString(), type_=role_enum,
                        existing_nullable=True, postgresql_using="role::personrole")
    else:
        with op.batch_alter_table("interview", recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass

    with op.batch_alter_table("inquirystatement", recreate=_recreate(),
                              table_kwargs={"sqlite_autoincrement": True}) as b:
        b.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        b.add_column(sa.Column("resolution_evidence_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("resolution_note", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                               server_default=""))
        b.add_column(sa.Column("exception_id", sa.Integer(), nullable=True))
        b.create_foreign_key("fk_inquirystatement_resolution_evidence", "evidencefile",
                             ["resolution_evidence_id"], ["id"])
        b.create_foreign_key("fk_inquirystatement_exception", "controlexception", ["exception_id"], ["id"])

    op.create_table(
        "interviewplanchoice",
        sa.Column("control_id", sa.Integer(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("set_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("set_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["control_id"], ["control.id"]),
        sa.PrimaryKeyConstraint("control_id"),
    )
    op.create_table(
        "coachingreview",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("decision", decision_enum, nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reviewed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reviewed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    conn = op.get_bind()
    pg = conn.dialect.name == "postgresql"
    op.drop_table("coachingreview")
    op.drop_table("interviewplanchoice")
    if pg:
        decision_enum.drop(conn, checkfirst=True)
    with op.batch_alter_table("inquirystatement", recreate=_recreate()) as b:
        b.drop_constraint("fk_inquirystatement_exception", type_="foreignkey")
        b.drop_constraint("fk_inquirystatement_resolution_evidence", type_="foreignkey")
        b.drop_column("exception_id")
        b.drop_column("resolution_note")
        b.drop_column("resolution_evidence_id")
        b.drop_column("version")
    if pg:
        op.alter_column("person", "role", existing_type=role_enum, type_=sqlmodel.sql.sqltypes.AutoString(),
                        existing_nullable=True, postgresql_using="role::text")
        conn.execute(sa.text("UPDATE person SET role = '' WHERE role IS NULL"))
        op.alter_column("person", "role", existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False)
        role_enum.drop(conn, checkfirst=True)
        return
    with op.batch_alter_table("interview", recreate="always"):
        pass
    conn.execute(sa.text("UPDATE person SET role = '' WHERE role IS NULL"))
    with op.batch_alter_table("person", recreate="always") as b:
        b.alter_column("role", existing_type=role_enum, type_=sqlmodel.sql.sqltypes.AutoString(), nullable=False)
