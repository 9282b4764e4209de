"""Shared tools of the reliability suite: run the real CLI in a subprocess, write spreadsheets,
and check an engagement the way `fieldwork check` does."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "fieldwork_tui"]
CONTROL_HEADER = ["Control ID", "Title", "Control Activity", "TSC", "Frequency", "Owner", "Automated/Manual", "Key"]


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("FIELDWORK_DEBUG", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def _forked(env: dict[str, str]) -> bool:
    """Run the CLI as a child forked from a server that imported it once (tests/reliability/zygote.py)
    - a real, separate process, without a second of start-up each time - unless the environment
    changes how the interpreter starts, or FIELDWORK_TEST_FRESH_INTERPRETER=1 asks for a new one."""
    from . import zygote

    return not os.environ.get("FIELDWORK_TEST_FRESH_INTERPRETER") and zygote.compatible(env)


def run_cli(*args: str | Path, env: dict[str, str] | None = None, timeout: float = 120,
            input: str | None = None) -> subprocess.CompletedProcess[str]:
    env = env or cli_env()
    if _forked(env):
        from . import zygote

        return zygote.run([str(a) for a in args], env, timeout=timeout, input=input)
    return subprocess.run([*CLI, *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=timeout, input=input)


def popen_cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """The CLI in a new interpreter, for the tests that kill it at random points: their kill points
    were chosen for the whole process, start-up included (a forked child finishes its work sooner, and
    fixed kill points would then fall after it more often than inside it)."""
    env = env or cli_env()
    return subprocess.Popen([*CLI, *map(str, args)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def assert_ok(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr}"
    assert "Traceback" not in proc.stderr


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Non-zero exit, exactly one line on stderr, prefixed, no traceback; returns the line."""
    assert proc.returncode != 0, f"expected a failure, got exit 0: {proc.stdout}"
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith("fieldwork: "), line
    for needle in needles:
        assert needle.lower() in line.lower(), line
    return line


def control_rows(n: int, prefix: str = "C", start: int = 0) -> list[list[str]]:
    return [[f"{prefix}-{i:05d}", f"Control {prefix} {i}", "The team reviews access quarterly. " * 3,
             "CC6.1; CC6.2", "Quarterly", f"Owner {i % 17}", "Manual", "Yes"] for i in range(start, start + n)]


def write_controls_csv(path: Path, n: int = 5, prefix: str = "C", rows: list[list[str]] | None = None) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CONTROL_HEADER)
        w.writerows(rows if rows is not None else control_rows(n, prefix))
    return path


def write_controls_xlsx(path: Path, rows: list[list[object]], header: list[str] | None = None) -> Path:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Controls")
    ws.append(header or CONTROL_HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def db_rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(f"{Path(db).absolute().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def count(db: Path, table: str) -> int:
    return db_rows(db, f"SELECT count(*) FROM {table}")[0][0]


def journal_problems(db: Path) -> list[str]:
    from fieldwork_tui.store.journal import verify_chain

    conn = sqlite3.connect(f"{Path(db).absolute().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        rows = []
        for r in conn.execute("SELECT * FROM journalentry ORDER BY id"):
            d = dict(r)
            d["details"] = json.loads(d["details"]) if isinstance(d["details"], str) else d["details"]
            d["at"] = _iso_at(d["at"])
            rows.append(d)
    finally:
        conn.close()
    return list(verify_chain(rows))


def _iso_at(value: str) -> str:
    import datetime as dt

    at = dt.datetime.fromisoformat(value)
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.isoformat()


def has_cli_command(name: str) -> bool:
    from fieldwork_tui.cli import app

    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    return name in names


def assert_healthy(root: Path) -> None:
    """What `fieldwork check` proves: the database is intact and the journal chain unbroken (and, once
    the command exists, the whole check including vault hashes)."""
    db = root / "fieldwork.db"
    assert db_rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert db_rows(db, "PRAGMA foreign_key_check") == []
    assert journal_problems(db) == []
    if has_cli_command("check"):  # in-process: the CLI's own code path, without a second interpreter
        proc = invoke("--home", root.parent, "check", root.name)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob(".tmp-*")]


def invoke(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a CLI command in-process (fast); same result shape as `run_cli`."""
    from typer.testing import CliRunner

    from fieldwork_tui.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def tree_modes(root: Path) -> dict[str, int]:
    """Permission bits of every folder and file below (and including) root."""
    out = {".": root.stat().st_mode & 0o777}
    for p in root.rglob("*"):
        out[p.relative_to(root).as_posix()] = p.lstat().st_mode & 0o777
    return out


def assert_private(root: Path) -> None:
    """Folders 0700; files readable by their owner only (0600, or 0400 for read-only vault blobs)."""
    for rel, mode in tree_modes(root).items():
        p = root / rel
        if p.is_dir():
            assert mode == 0o700, f"{p}: mode {oct(mode)}, expected 0o700"
        else:
            assert mode in (0o600, 0o400), f"{p}: mode {oct(mode)}, expected 0o600 (or 0o400)"


def snapshot_tree(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """(mode, mtime_ns, bytes) of every file: proves something was left untouched."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[p.relative_to(root).as_posix()] = (st.st_mode, st.st_mtime_ns, p.read_bytes())
    return out


XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '</Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>'),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Controls" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        '</Relationships>'),
}


def write_raw_xlsx(path: Path, sheet_chunks, shared_chunks=None, dimension: str = "A1:H1") -> Path:
    """An XLSX assembled part by part, streaming the sheet (and shared strings) from iterables of
    str: builds a workbook that unpacks to gigabytes while the file itself stays small."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in XLSX_PARTS.items():
            zf.writestr(name, text)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
                      b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                      # as Excel writes it; without it openpyxl scans the whole sheet once before reading
                      + f'<dimension ref="{dimension}"/><sheetData>'.encode())
            for chunk in sheet_chunks:
                out.write(chunk.encode() if isinstance(chunk, str) else chunk)
            out.write(b"</sheetData></worksheet>")
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            out.write(b'<?xml version="1.0" encoding="UTF-8"?><sst '
                      b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for chunk in shared_chunks or ():
                out.write(chunk.encode() if isinstance(chunk, str) else chunk)
            out.write(b"</sst>")
    return path


def inline_row(n: int | None, cells: list[str]) -> str:
    """A sheet row of inline strings; without `n` the row takes the next number (as Excel allows)."""
    from xml.sax.saxutils import escape

    return (f'<row r="{n}">' if n else "<row>") + "".join(f'<c t="inlineStr"><is><t>{escape(c)}</t></is></c>' for c in cells) + "</row>"
