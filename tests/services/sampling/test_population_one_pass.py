"""The population import reads a CSV file once: the same bytes give the file's SHA-256, its copy in the
vault and the rows; the population SHA-256 is what it always was; a failed import keeps nothing."""

from __future__ import annotations

import builtins
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import func, select

from fieldwork_tui.domain.replay import NormalisedDigest
from fieldwork_tui.domain.sampling import cells_json
from fieldwork_tui.domain.vocab import Frequency
from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.sampling import populations
from fieldwork_tui.store.models import EvidenceFile, Population, PopulationRow

#: A client's export with what a parser can get wrong: a BOM, CRLF, a title line, quotes and a comma
#: in a cell, a line break inside a cell, a blank line, padded cells, non-ASCII text, another date format.
FIXED = ("\ufeffChange log export FY26\r\n"
         "Change ID,Deployed,Title,Approver,Amount\r\n"
         'CHG-1,2026-01-05,"Patch, ""urgent""",Zoë Ærø,12.50\r\n'
         "CHG-2,05/02/2026,  padded title  ,,\r\n"
         "\r\n"
         "CHG-3,2026-03-01,naïve café ☕,bob,7\r\n"
         'CHG-4,2026-12-31,"two\nlines",ann,0\r\n'
         "CHG-5,2026-06-30,tab\there,ann,-3\r\n")
#: The SHA-256s the import gave for FIXED before it read files once (pinned: the population hash is
#: the frozen identity of an imported population, and must not change with how the file is read).
FIXED_POPULATION_SHA = "a0beed6137c9c2171dfef817cc7dfd118486b123816dc2fe037670ffd8c18834"
FIXED_SOURCE_SHA = "2d432a844185ef97e1cb8365b27a4982b1cdcd8c8e9bcc9b33ff6b067d5a7e50"
#: A cp1252 file whose first non-ASCII byte comes after the first 64 KiB: read as UTF-8 until then.
LATE_POPULATION_SHA = "bbac928718205c687a635cdabebfad893b6019e058b2bcc72f53c297e6c42025"
LATE_SOURCE_SHA = "da789ddd38bf79322f410b82c20915b577d2c05a7977330051fe3301993727ca"


@pytest.fixture
def eng(engagement):
    add_control(engagement, "CM-01", "Changes approved", description="Every change is approved.",
                frequency=Frequency.multiple_daily)
    return engagement


def _fixed(tmp_path: Path) -> Path:
    path = tmp_path / "fixed.csv"
    path.write_bytes(FIXED.encode("utf-8"))
    return path


def _late(tmp_path: Path) -> Path:
    lines = (["Change ID,Deployed,Title"] + [f"CHG-{i:05d},2026-02-01,change number {i}" for i in range(3000)]
             + ["CHG-X,2026-03-01,café crème"])
    path = tmp_path / "late.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    assert path.read_bytes().index("é".encode("cp1252")) > 64 * 1024
    return path


def _vault_files(handle) -> list[Path]:
    return [p for p in handle.vault().root.rglob("*") if p.is_file()]


def test_the_population_sha256_of_a_fixed_file_is_pinned(eng, tmp_path):
    res = populations.import_population(eng, "CM-01", _fixed(tmp_path), key="Change ID", date="Deployed")
    assert (res.rows, res.sha256, res.source_sha256) == (5, FIXED_POPULATION_SHA, FIXED_SOURCE_SHA)
    with eng.read() as s:
        assert populations.rehash(s, s.get(Population, res.id)) == FIXED_POPULATION_SHA


def test_a_file_that_is_not_utf8_after_64_kib_is_read_again_and_hashed_the_same(eng, tmp_path):
    res = populations.import_population(eng, "CM-01", _late(tmp_path), key="Change ID", date="Deployed")
    assert (res.rows, res.sha256, res.source_sha256) == (3001, LATE_POPULATION_SHA, LATE_SOURCE_SHA)
    rows = populations.page_rows(eng, res.id, 3000, 1)
    assert rows[0].data[2] == "café crème"
    assert len(_vault_files(eng)) == 1  # the first attempt's copy is not left behind


def test_the_file_is_opened_once_for_its_hash_its_copy_and_its_rows(eng, tmp_path, monkeypatch):
    path = _fixed(tmp_path)
    opened: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def counting_open(file, *args, **kwargs):
        if isinstance(file, str | Path) and Path(file) == path:
            opened.append("open")
        return real_open(file, *args, **kwargs)

    def counting_os_open(file, *args, **kwargs):
        if Path(file) == path:
            opened.append("os.open")
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    monkeypatch.setattr(os, "open", counting_os_open)
    res = populations.import_population(eng, "CM-01", path, key="Change ID", date="Deployed")
    monkeypatch.undo()
    assert res.sha256 == FIXED_POPULATION_SHA
    assert opened == ["os.open"]
    with eng.read() as s:  # and the copy is in the vault, recorded
        ev = s.exec(select(EvidenceFile).where(EvidenceFile.sha256 == FIXED_SOURCE_SHA)).one()
        assert ev.description == "population of CM-01 as received"
    assert eng.vault().path_for(FIXED_SOURCE_SHA).read_bytes() == path.read_bytes()


def test_a_bad_row_at_the_end_keeps_no_rows_no_vault_copy_and_no_evidence_record(eng, tmp_path):
    path = _fixed(tmp_path)
    path.write_bytes(path.read_bytes() + b"CHG-6,not a date,x,y,1\r\n")
    with pytest.raises(InvalidInput, match=r"fixed.csv: row 9, column 'Deployed'"):
        populations.import_population(eng, "CM-01", path, key="Change ID", date="Deployed")
    with eng.read() as s:
        assert s.exec(select(func.count()).select_from(PopulationRow)).one() == 0
        assert s.exec(select(func.count()).select_from(EvidenceFile)).one() == 0
    assert _vault_files(eng) == []


def test_a_dry_run_reads_every_row_and_keeps_no_copy(eng, tmp_path):
    res = populations.import_population(eng, "CM-01", _fixed(tmp_path), key="Change ID", date="Deployed",
                                        dry_run=True)
    assert (res.rows, res.sha256, res.source_sha256) == (5, FIXED_POPULATION_SHA, FIXED_SOURCE_SHA)
    assert _vault_files(eng) == []


def test_the_same_file_imported_twice_is_one_vault_copy(eng, tmp_path):
    path = _fixed(tmp_path)
    for _ in range(2):
        assert populations.import_population(eng, "CM-01", path, key="Change ID", date="Deployed").sha256 == \
            FIXED_POPULATION_SHA
    assert len(_vault_files(eng)) == 1
    with eng.read() as s:
        assert s.exec(select(func.count()).select_from(EvidenceFile)).one() == 1


def test_without_key_and_date_a_single_cell_title_is_not_the_header(eng, tmp_path):
    """The header search without key or date columns (first row of two or more cells, else the first
    row) is one scan of the stream."""
    path = tmp_path / "one.csv"
    path.write_text("Only one column\nCHG-1\nCHG-2\n", encoding="utf-8")
    res = populations.import_population(eng, "CM-01", path)
    assert (res.key_column, res.rows) == ("Only one column", 2)
    path2 = tmp_path / "titled.csv"
    path2.write_text("Export\nID,When\nA,2026-01-01\n", encoding="utf-8")
    assert populations.import_population(eng, "CM-01", path2).key_column == "ID"


@given(st.lists(st.tuples(st.text(), st.one_of(st.none(), st.text(max_size=10)), st.lists(st.text(), max_size=5)),
                max_size=20), st.integers(1, 10**9), st.integers(1, 10**6), st.integers(1, 10**6))
def test_the_fast_row_formats_equal_the_canonical_encoder(rows, first_id, pop_id, first_seq):
    """The importer formats each row's JSON and its journal digest line directly; both must stay byte
    for byte what the general encoders give (the population and the journal's digests depend on it)."""
    import json

    from fieldwork_tui.domain.replay import json_string as enc

    for _k, _d, cells in rows:
        assert cells_json(cells) == json.dumps(cells, ensure_ascii=False, separators=(",", ":"))
    batch = [(pop_id, seq, k, d, cells_json(cells)) for seq, (k, d, cells) in enumerate(rows, start=first_seq)]
    digest = populations._RowsDigest(None, pop_id)
    digest.first = first_id
    datas = [data for *_, data in batch]
    tails = [f",{enc(k)},{enc(d) if d is not None else 'null'},{pid},{seq}]\n" for pid, seq, k, d, _data in batch]
    digest.add(datas, first_seq, tails)
    slow = NormalisedDigest()
    for pid, seq, k, d, data in batch:
        slow.add([data, first_id + seq - 1, k, d, pid, seq])
    assert (digest.digest.hexdigest(), digest.digest.count) == (slow.hexdigest(), slow.count)


def test_a_workbook_without_its_header_keeps_no_vault_copy(eng, tmp_path):
    """A workbook is stored before it is parsed: a refusal after that removes the copy again."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["Something else", "Entirely"])
    wb.active.append(["x", "y"])
    path = tmp_path / "changes.xlsx"
    wb.save(path)
    with pytest.raises(InvalidInput, match="no header row with column 'Change ID'"):
        populations.import_population(eng, "CM-01", path, key="Change ID", date="Deployed")
    assert _vault_files(eng) == []


@pytest.mark.parametrize("date", ["Deployed", None])
def test_the_journal_digest_formatted_while_importing_is_the_digest_of_the_rows_as_stored(eng, tmp_path, monkeypatch,
                                                                                        date):
    """The import formats each row's journal digest line as it goes (no read-back); across several
    batches, with and without a date column, it is what digesting the stored rows gives."""
    from fieldwork_tui.store.models import JournalEntry
    from fieldwork_tui.store.table_rows import bulk_descriptor

    monkeypatch.setattr(populations, "BATCH", 2)
    populations.import_population(eng, "CM-01", _fixed(tmp_path), key="Change ID", date="Deployed")  # ids not from 1
    res = populations.import_population(eng, "CM-01", _fixed(tmp_path), key="Change ID", date=date)
    with eng.read() as s:
        entry = s.exec(select(JournalEntry).where(JournalEntry.action == "import")
                       .order_by(JournalEntry.id.desc())).first()
        stored = bulk_descriptor(s.connection(), "populationrow", {"population_id": res.id})
    assert entry.details["bulk"] == stored and stored["rows"] == 5
