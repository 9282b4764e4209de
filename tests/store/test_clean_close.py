"""Opening an engagement skips the full-file integrity scan only when fieldwork closed the file
cleanly and nothing touched it since; any later change to the file brings the scan back."""

from __future__ import annotations

import os

import pytest

from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.engagements import create_engagement, open_engagement
from fieldwork_tui.services.errors import FieldworkError
from fieldwork_tui.store import db


def _closed_engagement(home):
    h = create_engagement(home, "Clean Close")
    for i in range(40):
        add_control(h, f"C-{i}", "x" * 400)
    h.close()
    return h.db_path


def test_a_clean_close_is_remembered_and_reopening_keeps_the_data(home) -> None:
    path = _closed_engagement(home)
    assert db.closed_cleanly(path)
    h = open_engagement(home, "clean-close")
    try:
        from fieldwork_tui.services.controls.status import control_rows

        assert len(control_rows(h)) == 40
    finally:
        h.close()
    assert db.closed_cleanly(path)


@pytest.mark.parametrize("where", ["page", "end"])
def test_a_file_changed_after_the_close_is_scanned_and_refused(home, where: str) -> None:
    path = _closed_engagement(home)
    data = bytearray(path.read_bytes())
    stat = path.stat()
    offset = 2 * 4096 + 8 if where == "page" else len(data) - 4096 + 8
    data[offset : offset + 200] = os.urandom(200)
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even with the old timestamp
    assert not db.closed_cleanly(path)
    with pytest.raises(FieldworkError, match="corrupt"):
        open_engagement(home, "clean-close").close()


def test_a_wal_left_behind_means_a_full_check(home) -> None:
    path = _closed_engagement(home)
    wal = path.with_name(path.name + "-wal")
    wal.write_bytes(b"\0" * 32)
    try:
        assert not db.closed_cleanly(path)
    finally:
        wal.unlink()


def test_integrity_findings_are_one_readable_line() -> None:
    """`check` once printed SQLite's whole multi-line finding (1,589 characters, newlines escaped)."""
    from fieldwork_tui.store.db import integrity_summary

    row = "*** in database main ***\nTree 7 page 12 cell 3: invalid page number 9999\n" + \
          "\n".join(f"Page {n}: never used" for n in range(40, 80))
    line = integrity_summary([row, "row 5 missing from index ix_control_ref"])
    assert line == "Tree 7 page 12 cell 3: invalid page number 9999 (and 41 more)"
    assert integrity_summary(["x" * 500]).endswith("…") and len(integrity_summary(["x" * 500])) == 200
