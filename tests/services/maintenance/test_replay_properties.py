"""Property: any single value changed with SQL, in any row of any table, is found by the replay."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from sqlalchemy.exc import IntegrityError

from fieldwork_tui.services.maintenance import replay as replay_check
from fieldwork_tui.store import journal
from fieldwork_tui.store.table_rows import table_specs


def _changed(kind: str, value):
    if value is None:
        return {"int": 7, "bool": 1, "date": "2026-02-03", "datetime": "2026-02-03 04:05:06.000000",
                "json": "[1]", "float": 1.5}.get(kind, "x")
    if kind == "int":
        return value + 1
    if kind == "bool":
        return 0 if value else 1
    if kind == "date":
        return (dt.date.fromisoformat(str(value)[:10]) + dt.timedelta(days=1)).isoformat()
    if kind == "datetime":
        return (dt.datetime.fromisoformat(str(value)) + dt.timedelta(seconds=1)).isoformat(sep=" ")
    if kind == "json":
        return json.dumps([json.loads(value), "forged"])
    if kind == "float":
        return value + 1.0
    return str(value) + "forged"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_changed_value_is_found(demo, data):
    engine = demo.engine
    with demo.read() as s:
        entries = list(journal.iter_entries(s))
    specs = [sp for sp in table_specs() if sp.name != "engagement"]  # engagement: its own test below
    with engine.connect() as conn, conn.begin() as trans:
        populated = [sp for sp in specs if conn.exec_driver_sql(f'SELECT count(*) FROM "{sp.name}"').scalar()]
        spec = data.draw(st.sampled_from(populated), label="table")
        columns = [c for c in spec.kinds if c not in spec.primary_key]
        if not columns:
            return
        column = data.draw(st.sampled_from(columns), label="column")
        n = conn.exec_driver_sql(f'SELECT count(*) FROM "{spec.name}"').scalar()
        offset = data.draw(st.integers(0, n - 1), label="row")
        pk = ", ".join(f'"{c}"' for c in spec.primary_key)
        row = conn.exec_driver_sql(f'SELECT {pk}, "{column}" FROM "{spec.name}" ORDER BY {pk} LIMIT 1 OFFSET {offset}'
                                   ).one()
        *key, value = row
        where = " AND ".join(f'"{c}" = ?' for c in spec.primary_key)
        try:
            conn.exec_driver_sql(f'UPDATE "{spec.name}" SET "{column}" = ? WHERE {where}',
                                 (_changed(spec.kinds[column], value), *key))
        except IntegrityError:
            trans.rollback()
            reject()  # the database's own constraints refuse this change: nothing to find
        findings, _ = replay_check.replay_findings(conn, entries)
        trans.rollback()
    assert findings, f"{spec.name}.{column} changed in row {key} and the replay found nothing"


def test_the_engagement_row_itself_is_covered(demo):
    with demo.read() as s:
        entries = list(journal.iter_entries(s))
    with demo.engine.connect() as conn, conn.begin() as trans:
        conn.exec_driver_sql("UPDATE engagement SET period_end = '2027-12-31'")
        findings, _ = replay_check.replay_findings(conn, entries)
        trans.rollback()
    assert [f.table for f in findings] == ["engagement"]
