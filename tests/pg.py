"""The throwaway PostgreSQL server of the `postgres` tests: a fresh database per test.

`.ci/run` starts one (scripts/test-postgres) and sets FIELDWORK_TEST_POSTGRES_URL; to run the `postgres`
tests by hand:

    url=$(scripts/test-postgres start /tmp/fw-pg) && FIELDWORK_TEST_POSTGRES_URL=$url \
        .venv/bin/python -m pytest -m postgres; scripts/test-postgres stop /tmp/fw-pg

Without the variable the tests are skipped with that hint (the default run deselects them anyway).
"""

from __future__ import annotations

import os
import uuid

import pytest

URL_ENV = "FIELDWORK_TEST_POSTGRES_URL"


def server_url() -> str:
    url = os.environ.get(URL_ENV, "").strip()
    if not url:
        pytest.skip(f"{URL_ENV} is not set: start a throwaway server with scripts/test-postgres start DIR "
                    "(it prints the URL), or run .ci/run")
    return url


def database_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server_url()).set(database=name).render_as_string(hide_password=False)


def _admin():
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    return create_engine(make_url(server_url()).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")


def new_name(prefix: str = "fwt") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


def create_database(name: str, template: str | None = None) -> str:
    engine = _admin()
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    finally:
        engine.dispose()
    return database_url(name)


def drop_database(name: str) -> None:
    engine = _admin()
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()
