"""Journal replay (domain/replay.py): the state the journal describes, compared with the database."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.domain import replay as rp

CONTROL = rp.TableSpec("control", ("id",), {"id": "int", "ref": "str", "description": "str", "key": "bool",
                                            "criteria": "json", "updated_at": "datetime", "owner": "str"},
                       defaults={"owner": ""})
LINK = rp.TableSpec("evidencecontrol", ("evidence_id", "control_id"), {"evidence_id": "int", "control_id": "int"})
ROWS = rp.TableSpec("populationrow", ("id",), {"id": "int", "population_id": "int", "row_number": "int",
                                               "key": "str", "data": "json"})
SPECS = [CONTROL, LINK, ROWS]


def _entries(*items):
    return [{"id": n, **e} for n, e in enumerate(items, start=1)]


def _control(**over):
    row = {"id": 1, "ref": "AC-01", "description": "Access is reviewed quarterly.", "key": True,
           "criteria": ["CC6.1"], "updated_at": "2026-01-02T03:04:05+00:00"}
    row.update(over)
    return row


def _db(rows_by_table):
    return lambda name: sorted(rows_by_table.get(name, []),
                               key=lambda r: tuple(r[c] for c in {s.name: s for s in SPECS}[name].primary_key))


def _run(entries, db):
    r = rp.Replay(SPECS)
    for e in entries:
        r.apply(e)
    return r.compare(_db(db))


def _pop_rows(n=3, pop=7):
    return [{"id": i, "population_id": pop, "row_number": i, "key": f"k{i}", "data": ["a", str(i)]}
            for i in range(1, n + 1)]


def _journal():
    rows = _pop_rows()
    return _entries(
        {"action": "create", "entity": "control", "entity_id": "1", "details": _control()},
        {"action": "update", "entity": "control", "entity_id": "1",
         "details": {"description": {"from": "Access is reviewed quarterly.", "to": "Reviewed monthly."}}},
        {"action": "create", "entity": "evidencecontrol", "entity_id": "5/1", "details": {"evidence_id": 5, "control_id": 1}},
        {"action": "import", "entity": "population", "entity_id": "7",
         "details": {"bulk": rp.bulk_descriptor(ROWS, {"population_id": 7}, rows)}},
    ), rows


def _state(rows):
    # what the database returns: naive UTC datetimes, ints for bools, JSON as objects
    return {"control": [{**_control(description="Reviewed monthly.", key=1, updated_at="2026-01-02 03:04:05"),
                         "owner": ""}],
            "evidencecontrol": [{"evidence_id": 5, "control_id": 1}], "populationrow": rows}


def test_the_database_the_journal_describes_has_no_findings():
    entries, rows = _journal()
    assert _run(entries, _state(rows)) == []


def test_a_direct_sql_edit_is_reported_column_by_column():
    entries, rows = _journal()
    db = _state(rows)
    db["control"][0]["description"] = "Access is never reviewed."
    (f,) = _run(entries, db)
    assert f.kind == "differs" and "control #1 ('AC-01')" in f.message and "description" in f.message


def test_deleted_and_added_rows_are_reported():
    entries, rows = _journal()
    db = _state(rows)
    db["evidencecontrol"] = [{"evidence_id": 6, "control_id": 1}]
    kinds = sorted(f.kind for f in _run(entries, db))
    assert kinds == ["added", "missing"]


def test_bulk_rows_are_checked_by_count_and_content():
    entries, rows = _journal()
    db = _state(rows)
    db["populationrow"] = [dict(r) for r in rows]
    db["populationrow"][1]["key"] = "forged"
    (f,) = _run(entries, db)
    assert f.kind == "bulk" and "population_id=7" in f.message and "content differs" in f.message
    db["populationrow"] = rows[:2]
    (f,) = _run(entries, db)
    assert "2 in the database, 3 recorded" in f.message
    db["populationrow"] = rows + [{"id": 9, "population_id": 8, "row_number": 1, "key": "x", "data": []}]
    (f,) = _run(entries, db)
    assert f.kind == "added" and "populationrow #9" in f.message


def test_bulk_rows_later_changed_one_by_one_still_replay():
    entries, rows = _journal()
    entries += _entries(
        {"action": "update", "entity": "populationrow", "entity_id": "2",
         "details": {"key": {"from": "k2", "to": "K2"}}},
        {"action": "delete", "entity": "populationrow", "entity_id": "3", "details": rows[2]},
    )
    db = _state(rows)
    db["populationrow"] = [rows[0], {**rows[1], "key": "K2"}]
    assert _run(entries, db) == []
    db["populationrow"] = [rows[0], {**rows[1], "key": "K3"}]
    assert [f.kind for f in _run(entries, db)] == ["differs"]


def test_an_update_contradicting_the_replayed_state_is_a_journal_finding():
    entries, rows = _journal()
    entries[1]["details"]["description"]["from"] = "something else"
    findings = _run(entries, _state(rows))
    assert [f.kind for f in findings] == ["journal"] and "journal entry 2" in findings[0].message


def test_a_column_added_by_a_migration_compares_with_its_default():
    entries, rows = _journal()
    db = _state(rows)
    db["control"][0]["owner"] = "mallory"
    (f,) = _run(entries, db)
    assert "owner" in f.message


def test_legacy_population_summary_is_counted():
    entries = _entries({"action": "import", "entity": "population", "entity_id": "7", "details": {"rows": 3}})
    assert _run(entries, {"populationrow": _pop_rows()}) == []
    assert [f.kind for f in _run(entries, {"populationrow": _pop_rows(2)})] == ["bulk"]


def test_long_text_is_journaled_as_a_delta_that_replays():
    old = "x" * 1_000_000
    new = old[:500_000] + "typed" + old[500_000:]
    change = rp.text_delta(old, new)
    assert len(str(change)) < 300
    assert rp.apply_delta(old, change) == new
    entries = _entries(
        {"action": "create", "entity": "control", "entity_id": "1", "details": _control(description=old)},
        {"action": "update", "entity": "control", "entity_id": "1", "details": {"description": change}},
    )
    db = {"control": [{**_control(description=new), "owner": ""}]}
    assert _run(entries, db) == []
    db["control"][0]["description"] = new + "!"
    assert [f.kind for f in _run(entries, db)] == ["differs"]


def test_a_delta_on_the_wrong_text_is_a_journal_finding():
    change = rp.text_delta("a" * 3000, "a" * 3000 + "b")
    entries = _entries(
        {"action": "create", "entity": "control", "entity_id": "1", "details": _control(description="other")},
        {"action": "update", "entity": "control", "entity_id": "1", "details": {"description": change}},
    )
    findings = _run(entries, {"control": [{**_control(description="a" * 3000 + "b"), "owner": ""}]})
    assert findings[0].kind == "journal" and "not the one the journal last recorded" in findings[0].message


@given(st.text(max_size=60), st.text(max_size=60))
def test_delta_turns_any_text_into_any_other(old, new):
    assert rp.apply_delta(old, rp.text_delta(old, new)) == new


def test_hostile_values_are_escaped_in_messages():
    entries, rows = _journal()
    db = _state(rows)
    db["control"][0]["description"] = "\x1b]0;pwned\x07"
    (f,) = _run(entries, db)
    assert "\x1b" not in f.message and "\\x1b" in f.message
