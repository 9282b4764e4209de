"""Population import: streamed, all or nothing, hashed, reconciled, browsable."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from fieldwork_tui.domain.vocab import Flag, Frequency
from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.controls.facts import control_flags
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.sampling import populations
from fieldwork_tui.store.models import JournalEntry, Population, PopulationRow


@pytest.fixture
def eng(engagement):
    add_control(engagement, "CM-01", "Changes approved", description="Every change is approved.",
                frequency=Frequency.multiple_daily)
    return engagement


def write_changes(path: Path, n: int, *, title: bool = True, extra: str = "") -> Path:
    lines = ["Change log export FY26"] if title else []
    lines.append("Change ID,Deployed,Title")
    for i in range(n):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=i * 365 // max(n, 1))
        lines.append(f"CHG-{i:05d},{day.isoformat()},change {i}")
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def test_import_streams_hashes_and_reconciles(eng, tmp_path):
    path = write_changes(tmp_path / "changes.csv", 300)
    res = populations.import_population(eng, "CM-01", path, key="Change ID", date="Deployed", expected_count=300)
    assert (res.rows, res.reconciled, res.key_column, res.date_column) == (300, True, "Change ID", "Deployed")
    assert len(res.sha256) == 64 and res.source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    with eng.read() as s:
        pop = s.get(Population, res.id)
        assert pop.row_count == 300 and pop.columns == ["Change ID", "Deployed", "Title"]
        assert populations.rehash(s, pop) == res.sha256
        first = s.exec(select(PopulationRow).where(PopulationRow.row_number == 1)).one()
        assert (first.key, first.occurred_on, first.data) == ("CHG-00000", dt.date(2026, 1, 1),
                                                            ["CHG-00000", "2026-01-01", "change 0"])
        entries = s.exec(select(JournalEntry).where(JournalEntry.action == "import")).all()
        assert len(entries) == 1 and entries[0].details["rows"] == 300


def test_same_content_same_hash_across_formats(eng, tmp_path):
    from openpyxl import Workbook

    csv_path = write_changes(tmp_path / "c.csv", 20, title=False)
    wb = Workbook()
    ws = wb.active
    ws.append(["Change ID", "Deployed", "Title"])
    for i in range(20):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=i * 365 // 20)
        ws.append([f"CHG-{i:05d}", dt.datetime.combine(day, dt.time()), f"change {i}"])
    wb.save(tmp_path / "c.xlsx")
    a = populations.import_population(eng, "CM-01", csv_path, key="Change ID", date="Deployed")
    b = populations.import_population(eng, "CM-01", tmp_path / "c.xlsx", key="Change ID", date="Deployed")
    assert a.sha256 == b.sha256


def test_unreconciled_count_flags(eng, tmp_path):
    res = populations.import_population(eng, "CM-01", write_changes(tmp_path / "c.csv", 10), expected_count=12)
    assert not res.reconciled and "does NOT reconcile" in res.describe()
    with eng.read() as s:
        assert Flag.population_unreconciled in next(iter(control_flags(s).values()))


def test_duplicate_key_names_both_rows_and_keeps_nothing(eng, tmp_path):
    path = write_changes(tmp_path / "c.csv", 10, extra="CHG-00003,2026-05-01,again\n")
    with pytest.raises(InvalidInput, match=r"row 13, column 'Change ID': duplicate key 'CHG-00003' \(also row 6\)"):
        populations.import_population(eng, "CM-01", path, key="Change ID")
    with eng.read() as s:
        assert s.exec(select(func.count()).select_from(Population)).one() == 0
        assert s.exec(select(func.count()).select_from(PopulationRow)).one() == 0


def test_duplicate_across_batches(eng, tmp_path, monkeypatch):
    monkeypatch.setattr(populations, "BATCH", 4)
    path = write_changes(tmp_path / "c.csv", 10, title=False, extra="CHG-00001,2026-05-01,again\n")
    with pytest.raises(InvalidInput, match=r"row 12, .*duplicate key 'CHG-00001' \(also row 3\)"):
        populations.import_population(eng, "CM-01", path)
    with eng.read() as s:
        assert s.exec(select(func.count()).select_from(PopulationRow)).one() == 0


@pytest.mark.parametrize(("extra", "message"), [
    (",2026-05-01,no key\n", r"row 13, column 'Change ID': the key is empty"),
    ("CHG-X,someday,bad date\n", r"row 13, column 'Deployed': 'someday' is not a date"),
    ("CHG-Y,,no date\n", r"row 13, column 'Deployed': the date is empty"),
    ("CHG-Z,2026-01-01,x,surplus\n", r"row 13: 4 cells but the header has 3 columns"),
])
def test_bad_rows_are_named(eng, tmp_path, extra, message):
    path = write_changes(tmp_path / "c.csv", 10, extra=extra)
    with pytest.raises(InvalidInput, match=message):
        populations.import_population(eng, "CM-01", path, key="Change ID", date="Deployed")


def test_unknown_column_and_control(eng, tmp_path):
    path = write_changes(tmp_path / "c.csv", 3)
    with pytest.raises(InvalidInput, match="no header row with column 'Ticket'"):
        populations.import_population(eng, "CM-01", path, key="Ticket")
    with pytest.raises(NotFound, match="control 'ZZ-9' not found"):
        populations.import_population(eng, "ZZ-9", path)
    with pytest.raises(InvalidInput, match="expected-count"):
        populations.import_population(eng, "CM-01", path, expected_count=-1)


def test_empty_population_needs_expected_zero(eng, tmp_path):
    path = tmp_path / "none.csv"
    path.write_text("Change ID,Deployed\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="--expected-count 0"):
        populations.import_population(eng, "CM-01", path)
    res = populations.import_population(eng, "CM-01", path, expected_count=0)
    assert res.rows == 0 and res.reconciled


def test_browse_pages_seek_by_row_number(eng, tmp_path):
    res = populations.import_population(eng, "CM-01", write_changes(tmp_path / "c.csv", 500))
    assert populations.count_rows(eng, res.id) == 500
    page = populations.page_rows(eng, res.id, 490, 20)
    assert [r.row_number for r in page] == list(range(491, 501))
    assert populations.count_rows(eng, res.id, "change 49") == 11
    assert [r.key for r in populations.page_rows(eng, res.id, 0, 3, "change 49")] == \
        ["CHG-00049", "CHG-00490", "CHG-00491"]


def test_progress_reports_rows(eng, tmp_path, monkeypatch):
    monkeypatch.setattr(populations, "BATCH", 100)
    seen = []
    populations.import_population(eng, "CM-01", write_changes(tmp_path / "c.csv", 250),
                                  progress=lambda done, total: seen.append((done, total)))
    assert seen[0][0] == 100 and seen[-1] == (250, 250) and seen[0][1] >= 250


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet="abcXYZ019-_ é", min_size=1, max_size=8).map(str.strip).filter(bool),
                min_size=1, max_size=30))
def test_import_accepts_any_unique_keys_or_names_the_duplicate(eng, tmp_path_factory, keys):
    import csv

    path = tmp_path_factory.mktemp("pop") / "p.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Key", "Value"])
        for i, k in enumerate(keys):
            w.writerow([k, str(i)])
    if len(set(keys)) == len(keys):
        res = populations.import_population(eng, "CM-01", path)
        assert res.rows == len(keys)
    else:
        with pytest.raises(InvalidInput, match="duplicate key"):
            populations.import_population(eng, "CM-01", path)
