"""`fieldwork compare` text output (issue 14 item 2): a key listed twice after normalisation (`alice`
and `ALICE`) is shown as a difference needing a disposition, and the output says the keys were
compared after Unicode NFC (an NFD "josé" in one list matches the NFC one in the other). The `--json`
side is tested in tests/services/evidence/test_dispositions.py."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from typer.testing import CliRunner

from fieldwork_tui.cli import app
from fieldwork_tui.services.controls.catalog import add_control

NFC = unicodedata.normalize("NFC", "josé")
NFD = unicodedata.normalize("NFD", "josé")


def _cli(home: Path, *args: str):
    return CliRunner().invoke(app, ["--home", str(home), *[str(a) for a in args]])


def test_compare_text_names_the_duplicate_key_and_the_normalisation(engagement, home: Path, tmp_path: Path) -> None:
    assert NFC != NFD
    add_control(engagement, "AC-02", "Terminated users are removed within one day")
    engagement.close()
    a, b = tmp_path / "terminations.csv", tmp_path / "removals.csv"
    a.write_text(f"user,left\nalice,2026-01-10\nALICE,2026-01-10\n{NFC},2026-02-01\n", encoding="utf-8")
    b.write_text(f"user,removed\nalice,2026-03-03\n{NFD},2026-02-01\n", encoding="utf-8")
    r = _cli(home, "compare", "acme", "AC-02", a, b, "--key", "user", "--date-window", "left=removed:1")
    assert r.exit_code == 0, r.output
    out = r.stdout
    lines = out.splitlines()
    assert "keys: Unicode NFC, trimmed, inner spaces collapsed, case-insensitive" in lines, out
    # NFC and NFD "josé" are one key: no false only-in-A / only-in-B pair
    assert "only in A: 0  only in B: 0  differing: 0  date window breaches: 2  duplicate keys: 1" in lines, out
    [dup] = [line for line in lines if "[duplicate]" in line]
    assert "alice: 2 rows in" in dup and "'alice', 'ALICE'" in dup, dup
    # the 52-day-late removal is reported for both rows of the duplicated key, not dropped
    late = [line for line in lines if "[date_window]" in line]
    assert len(late) == 2 and all("52 days" in line for line in late), out
    assert "3 difference(s) need a disposition" in out, out
    # and the duplicate is a difference with its own id, open until decided
    listed = json.loads(_cli(home, "differences", "acme", "AC-02", "--json").stdout)
    assert [row["kind"] for row in listed["rows"]].count("duplicate") == 1
    assert listed["unresolved"] == listed["differences"] == 3
    dup_id = next(row["id"] for row in listed["rows"] if row["kind"] == "duplicate")
    assert f"#{dup_id} [duplicate]" in dup
