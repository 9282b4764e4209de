"""The schema on PostgreSQL comes from the same Alembic migrations and equals the models there too; a
database from a newer fieldwork-tui, or one holding other tables, is refused untouched."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine

from fieldwork_tui.services.errors import FieldworkError
from fieldwork_tui.services.team import open_any
from fieldwork_tui.store.db import alembic_config, head_revision
from fieldwork_tui.store.postgres import open_server_database, parse_address
from tests import pg

pytestmark = pytest.mark.postgres


@pytest.fixture
def empty_db():
    name = pg.new_name()
    url = pg.create_database(name)
    yield url
    pg.drop_database(name)


def _engine(url: str):
    return create_engine(parse_address(url))


def test_models_and_migrations_agree_on_postgresql(empty_db: str) -> None:
    open_server_database(empty_db, create=True).dispose()
    engine = _engine(empty_db)
    try:
        command.check(alembic_config(engine))  # raises if autogenerate would produce any operation
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head_revision()
    finally:
        engine.dispose()


def test_an_empty_database_is_not_an_engagement(empty_db: str, home) -> None:
    with pytest.raises(FieldworkError, match="holds no engagement yet.*fieldwork publish"):
        open_any(home, empty_db)


def test_newer_or_foreign_databases_are_refused_untouched(empty_db: str, home) -> None:
    engine = _engine(empty_db)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE payroll (id int)")
    with pytest.raises(FieldworkError, match="not a fieldwork database"):
        open_any(home, empty_db)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE payroll")
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('9999_future')")
    with pytest.raises(FieldworkError, match="newer version of fieldwork-tui"):
        open_any(home, empty_db)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").scalar() == 1
    engine.dispose()


def test_an_unreachable_server_is_one_line(home, tmp_path) -> None:
    with pytest.raises(FieldworkError) as info:
        open_any(home, f"postgresql://nobody@/acme?host={tmp_path}")
    assert "\n" not in str(info.value) and "cannot" in str(info.value)
