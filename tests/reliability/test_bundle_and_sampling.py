"""The workpaper bundle and populations under the same proofs: HTML/script from every free-text field
escaped in every export, formulas never live, evidence names safe inside the zip; an export killed or
out of disk leaves nothing at its final path; a population import killed or fed hostile files writes
all or nothing. (Each test skips until its command exists.)"""

from __future__ import annotations

import csv
import json
import os
import zipfile
from pathlib import Path

import pytest

from .helpers import (
    assert_healthy,
    assert_ok,
    assert_one_line_error,
    count,
    has_cli_command,
    invoke,
    popen_cli,
    run_cli,
    write_controls_csv,
)
from .test_crash import delays, kill_after
from .test_exports import DANGEROUS_START, FORMULAS, _pbc_csv

EVIL = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'
MB = 1 << 20


def needs(command: str) -> None:
    if not has_cli_command(command):
        pytest.skip(f"`fieldwork {command}` is not on this branch yet")


@pytest.fixture
def hostile(engagement, tmp_path):
    """An engagement whose every free-text field holds script, markup or a formula."""
    from fieldwork_tui.services.controls.catalog import import_controls
    from fieldwork_tui.services.evidence.files import attach
    from fieldwork_tui.services.evidence.interviews import add_statement, create_interview
    from fieldwork_tui.services.evidence.observations import add_observation
    from fieldwork_tui.services.requests.importer import import_requests

    rows = [["AC-01", EVIL, EVIL + FORMULAS[0], "CC6.1", "Quarterly", EVIL, "Manual", "Yes"],
            ["AC-02", FORMULAS[0], FORMULAS[1], "CC6.2", "Annually", FORMULAS[2], "Manual", "No"]]
    import_controls(engagement, write_controls_csv(tmp_path / "c.csv", rows=rows))
    import_requests(engagement, _pbc_csv(tmp_path / "pbc.csv", 4, [EVIL, *FORMULAS[:3]]))
    iv = create_interview(engagement, EVIL, title=EVIL, topic=EVIL)
    add_statement(engagement, iv.id, EVIL, "AC-01")
    add_statement(engagement, iv.id, FORMULAS[0], "AC-02")
    add_observation(engagement, "AC-01", observed_at="2026-06-01", description=EVIL, location=EVIL)
    ev_dir = tmp_path / "ev"
    ev_dir.mkdir()
    for name in ("<script>alert(1)<script>.txt", "evil\nname.txt", "..hidden.txt", "=cmd.txt"):
        (ev_dir / name).write_bytes(f"body of {name}".encode())
        attach(engagement, "AC-01", [ev_dir / name], description=EVIL)
    engagement.close()
    return engagement


def _bundle(eng, out: Path) -> Path:
    proc = run_cli("export", eng.slug, "-o", out)
    assert_ok(proc)
    assert "verify: intact" in proc.stdout
    return out


def test_bundle_escapes_script_everywhere_and_keeps_formulas_dead(hostile, tmp_path):
    needs("export")
    out = _bundle(hostile, tmp_path / "bundle.zip")
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        for name in names:
            assert not name.startswith("/") and ".." not in Path(name).parts, name
            assert not any(ord(c) < 32 for c in name), repr(name)
        html = [n for n in names if n.endswith(".html")]
        assert html
        for name in html:
            text = zf.read(name).decode("utf-8")
            (tmp_path / "last.html").write_text(text)
            assert "<script>alert" not in text, name
            assert "<img src=x" not in text, name  # the markup arrives as text, never as an element
        assert any("&lt;script&gt;alert" in zf.read(n).decode() for n in html), "the text itself must still show"
        for name in names:
            if name.endswith(".json") or name.endswith(".jsonl"):
                for line in zf.read(name).decode().splitlines() if name.endswith(".jsonl") else [zf.read(name)]:
                    if line:
                        json.loads(line)
        xlsx = [n for n in names if n.endswith(".xlsx")]
        for name in xlsx:
            (tmp_path / "w.xlsx").write_bytes(zf.read(name))
            from .test_exports import _no_formula_parts, _xlsx_cells

            _no_formula_parts(tmp_path / "w.xlsx")
            for cell in _xlsx_cells(tmp_path / "w.xlsx"):
                assert cell.data_type != "f", (name, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(DANGEROUS_START):
                    # text, and shown as typed: the cell's quote-prefix style, no apostrophe in the value
                    assert cell.data_type == "s" and cell.quotePrefix, (name, cell.coordinate, cell.value)
    assert_ok(run_cli("verify", out))


def test_bundle_export_killed_leaves_nothing_at_the_final_path(hostile, tmp_path):
    needs("export")
    big = tmp_path / "big.bin"
    with open(big, "wb") as fh:
        fh.write(os.urandom(MB))
        fh.truncate(150 * MB)
    from fieldwork_tui.services.engagements import open_path
    from fieldwork_tui.services.evidence.files import attach

    h = open_path(hostile.root)
    try:
        attach(h, "AC-02", [big])
    finally:
        h.close()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "bundle.zip"
    for delay in delays(3, 0.5, 3.0, "bundle"):
        proc = popen_cli("export", hostile.slug, "-o", out)
        kill_after(proc, delay)
        if out.exists():
            assert_ok(run_cli("verify", out))
            out.unlink()
        assert_healthy(hostile.root)
    _bundle(hostile, out)


def test_bundle_export_on_a_full_disk_fails_cleanly(hostile, tiny_fs, tmp_path):
    needs("export")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 * MB))
    from fieldwork_tui.services.engagements import open_path
    from fieldwork_tui.services.evidence.files import attach

    h = open_path(hostile.root)
    try:
        attach(h, "AC-02", [big])
    finally:
        h.close()
    out = tiny_fs / "bundle.zip"
    line = assert_one_line_error(run_cli("export", hostile.slug, "-o", out))
    assert "disk" in line.lower() or "space" in line.lower(), line
    assert list(tiny_fs.iterdir()) == []


def test_check_finds_an_altered_vault_file(hostile):
    needs("check")
    assert_ok(run_cli("check", hostile.slug))
    blob = next(p for p in hostile.vault_path.rglob("*") if p.is_file())
    blob.chmod(0o600)
    data = bytearray(blob.read_bytes())
    data[0] ^= 0xFF
    blob.write_bytes(bytes(data))
    proc = run_cli("check", hostile.slug)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert blob.name[:12] in proc.stdout or "sha" in proc.stdout.lower(), proc.stdout


# --- populations -----------------------------------------------------------------------------------

def _population_csv(path: Path, n: int) -> Path:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Change ID", "Date", "Title", "Approver"])
        w.writerows([[f"CHG-{i:07d}", f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}", f"Change {i}", "Dana"]
                     for i in range(n)])
    return path


@pytest.fixture
def pop_eng(engagement, tmp_path):
    from fieldwork_tui.cli.common import import_app

    if "population" not in {c.name for c in import_app.registered_commands}:
        pytest.skip("`fieldwork import population` is not on this branch yet")
    from fieldwork_tui.services.controls.catalog import import_controls

    import_controls(engagement, write_controls_csv(tmp_path / "c.csv", 2, prefix="CM"))
    engagement.close()
    return engagement


def _pop_rows(eng) -> tuple[int, int, int]:
    db = eng.db_path
    return count(db, "population"), count(db, "populationrow"), count(db, "journalentry")


def _assert_populations_whole(eng) -> None:
    """Every stored population holds exactly the rows it says it has: never a partial import."""
    from .helpers import db_rows

    for pid, row_count in db_rows(eng.db_path, "SELECT id, row_count FROM population"):
        stored = db_rows(eng.db_path, "SELECT count(*) FROM populationrow WHERE population_id = ?", (pid,))[0][0]
        assert stored == row_count, f"population {pid}: {stored} rows stored, {row_count} recorded"


def _kill_population(eng, tmp_path, n: int, salt: str, rows: int) -> None:
    pop = _population_csv(tmp_path / "pop.csv", rows)
    for delay in delays(n, 0.5, 4.0, salt):
        proc = popen_cli("import", "population", eng.slug, "CM-00000", pop, "--key", "Change ID", "--date", "Date")
        kill_after(proc, delay)
        assert_healthy(eng.root)
        _assert_populations_whole(eng)
        assert count(eng.db_path, "populationrow") % rows == 0  # whole populations only (re-imports add one)
    assert_ok(run_cli("import", "population", eng.slug, "CM-00000", pop, "--key", "Change ID"))
    _assert_populations_whole(eng)


def test_population_import_killed_at_random_points(pop_eng, tmp_path):
    _kill_population(pop_eng, tmp_path, 2, "population-fast", 100_000)


@pytest.mark.slow
def test_population_import_killed_many_times(pop_eng, tmp_path):
    _kill_population(pop_eng, tmp_path, 6, "population-slow", 300_000)


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02" * 100, b"Change ID,Date\n", b"\xff\xfe\x00garbage",
                                     b"PK\x03\x04broken"])
def test_population_broken_files(pop_eng, tmp_path, content):
    p = tmp_path / "pop.csv"
    p.write_bytes(content)
    before = _pop_rows(pop_eng)
    assert_one_line_error(invoke("import", "population", pop_eng.slug, "CM-00000", p), "pop.csv")
    assert _pop_rows(pop_eng) == before


@pytest.mark.parametrize("kind", ["single-line", "sparse-zeros"])
def test_population_200mb_garbage_refused_in_bounded_memory(pop_eng, tmp_path, kind):
    from .test_hostile_input import HUGE, _run_limited

    p = HUGE[kind](tmp_path / f"{kind}.csv", 200 * MB)
    before = _pop_rows(pop_eng)
    assert_one_line_error(_run_limited("import", "population", pop_eng.slug, "CM-00000", p), p.name)
    assert _pop_rows(pop_eng) == before


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["single-line", "sparse-zeros"])
def test_population_1gb_garbage_refused_in_bounded_memory(pop_eng, tmp_path, kind):
    from .test_hostile_input import HUGE, _run_limited

    p = HUGE[kind](tmp_path / f"{kind}.csv", 1024 * MB)
    before = _pop_rows(pop_eng)
    assert_one_line_error(_run_limited("import", "population", pop_eng.slug, "CM-00000", p), p.name)
    assert _pop_rows(pop_eng) == before


@pytest.mark.slow
def test_population_of_200mb_is_streamed_in_bounded_memory(pop_eng, tmp_path):
    """A real population this large is imported (streamed), within the same capped address space."""
    from .test_hostile_input import _huge_distinct_rows, _run_limited

    p = _huge_distinct_rows(tmp_path / "big-pop.csv", 200 * MB, "controls")
    proc = _run_limited("import", "population", pop_eng.slug, "CM-00000", p)
    assert_ok(proc)
    rows = count(pop_eng.db_path, "populationrow")
    assert rows > 2_000_000 and f"{rows} rows imported" in proc.stdout
    _assert_populations_whole(pop_eng)
