"""Inspection tab and attach dialog: evidence dates belong to the document (asked on attach, edited
with `e`), the paste field reads what a terminal adds and says which path it used, the viewer opens a
read-only copy in a worker — driven with keys, asserting what was stored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fieldwork_tui.services.evidence import files as evidence
from fieldwork_tui.services.findings import control_signoffs

from ..support import plain, settle

SIZE = (130, 40)


async def _open_inspection(pilot, ref: str) -> None:
    """Open control `ref` on its Inspection tab with the focus inside the tab (as a user gets there)."""
    from fieldwork_tui.tui.screens.control_detail import ControlDetailScreen

    await pilot.app.push_screen(ControlDetailScreen(ref))
    await settle(pilot)
    await pilot.press("alt+3")  # show the tab: the focus lands on its table, its keys work at once
    await settle(pilot)


async def _paste(pilot, text: str) -> None:
    from textual import events

    pilot.app.focused.post_message(events.Paste(text))
    await pilot.pause()


def _ac01_file(handle):
    [f] = [f for f in evidence.list_files(handle, "AC-01") if f.as_of is not None][:1]
    return f


def _copy_of(handle, f, folder: Path) -> Path:
    target = folder / "copy-from-the-client.pdf"
    shutil.copyfile(evidence.stored_path(handle, f.id), target)
    return target


async def _attach_with_as_of(pilot, path: Path, as_of: str) -> None:
    await pilot.press("a")
    await settle(pilot)
    await _paste(pilot, str(path))
    await pilot.press("tab", *as_of, "ctrl+s")
    await settle(pilot)


async def test_attaching_a_vaulted_file_with_another_date_asks_and_update_changes_it_everywhere(demo_app, tmp_path):
    app = demo_app
    app.attach_folder = tmp_path
    f = _ac01_file(app.handle)
    assert control_signoffs(app.handle, "AC-01")[0].state == "current"
    async with app.run_test(size=SIZE) as pilot:
        await _open_inspection(pilot, "CA-01")
        await _attach_with_as_of(pilot, _copy_of(app.handle, f, tmp_path), "2025-06-30")
        assert type(app.screen).__name__ == "ChoiceDialog"
        text = plain(app.screen.query_one(".confirm-message"))
        assert f"evidence #{f.id}" in text and "2025-06-30 given" in text and "AC-01" in text
        await pilot.press("u")
        await settle(pilot)
        assert type(app.screen).__name__ == "ControlDetailScreen"
    assert str(evidence.get_file(app.handle, f.id).as_of) == "2025-06-30"
    assert [x.id for x in evidence.list_files(app.handle, "CA-01")] == [f.id]
    assert control_signoffs(app.handle, "AC-01")[0].stale  # the other control's sign-off followed the file


async def test_keep_stored_attaches_with_the_documents_date(demo_app, tmp_path):
    app = demo_app
    app.attach_folder = tmp_path
    f = _ac01_file(app.handle)
    async with app.run_test(size=SIZE) as pilot:
        await _open_inspection(pilot, "CA-01")
        await _attach_with_as_of(pilot, _copy_of(app.handle, f, tmp_path), "2025-06-30")
        await pilot.press("k")
        await settle(pilot)
    assert evidence.get_file(app.handle, f.id).as_of == f.as_of
    assert [x.id for x in evidence.list_files(app.handle, "CA-01")] == [f.id]
    assert control_signoffs(app.handle, "AC-01")[0].state == "current"


async def test_cancel_attaches_nothing(demo_app, tmp_path):
    app = demo_app
    app.attach_folder = tmp_path
    f = _ac01_file(app.handle)
    async with app.run_test(size=SIZE) as pilot:
        await _open_inspection(pilot, "CA-01")
        await _attach_with_as_of(pilot, _copy_of(app.handle, f, tmp_path), "2025-06-30")
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "AttachFileDialog"
        assert "Not attached" in plain(app.screen.query_one("#form-error"))
    assert evidence.list_files(app.handle, "CA-01") == []


async def test_edit_as_of_and_description_in_the_inspection_tab(demo_app):
    app = demo_app
    f = _ac01_file(app.handle)
    async with app.run_test(size=SIZE) as pilot:
        await _open_inspection(pilot, "AC-01")
        await pilot.press("e")
        await settle(pilot)
        assert type(app.screen).__name__ == "EvidenceEditDialog"
        await pilot.press("ctrl+a", "ctrl+k", *"2026-09-30", "tab", "end", *" (signed)", "ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "ControlDetailScreen"
        assert any("sign-offs now modified since review: AC-01 preparer, AC-01 reviewer" in str(n.message)
                   for n in app._notifications)
    stored = evidence.get_file(app.handle, f.id)
    assert str(stored.as_of) == "2026-09-30" and stored.description == f.description + " (signed)"
    assert all(v.stale for v in control_signoffs(app.handle, "AC-01"))


async def test_a_bad_date_stays_in_the_form(demo_app):
    app = demo_app
    f = _ac01_file(app.handle)
    async with app.run_test(size=SIZE) as pilot:
        await _open_inspection(pilot, "AC-01")
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("ctrl+a", "ctrl+k", *"31/31/2026", "ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "EvidenceEditDialog"
        assert "as of:" in plain(app.screen.query_one("#form-error"))
        assert app.focused.id == "as-of"
    assert evidence.get_file(app.handle, f.id).as_of == f.as_of


@pytest.mark.parametrize("dress", ["'{p}' ", "{p}\n", "file://{p}", "{q}"])
async def test_the_paste_field_takes_off_what_a_terminal_adds(demo_app, tmp_path, dress):
    app = demo_app
    app.attach_folder = tmp_path
    src = tmp_path / "board minutes.pdf"
    src.write_bytes(b"%PDF minutes")
    async with app.run_test(size=SIZE) as pilot:
        await _open_inspection(pilot, "CA-01")
        await pilot.press("a")
        await settle(pilot)
        await _paste(pilot, dress.format(p=src, q=str(src).replace(" ", "\\ ")))
        await pilot.press("ctrl+s")
        await settle(pilot)
    [f] = evidence.list_files(app.handle, "CA-01")
    assert f.original_name == "board minutes.pdf"


async def test_the_paste_field_shows_the_path_it_used(demo_app, tmp_path):
    app = demo_app
    app.attach_folder = tmp_path
    async with app.run_test(size=SIZE) as pilot:
        await _open_inspection(pilot, "CA-01")
        await pilot.press("a")
        await settle(pilot)
        await _paste(pilot, f"'{tmp_path}/gone.pdf' ")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert f"Using {tmp_path}/gone.pdf" in plain(app.screen.query_one("#attach-status"))
        assert f"{tmp_path}/gone.pdf: file not found" in plain(app.screen.query_one("#form-error"))


async def test_open_gives_the_viewer_a_read_only_copy_in_a_worker(demo_app, monkeypatch):
    import os

    app = demo_app
    f = _ac01_file(app.handle)
    opened = []
    monkeypatch.setattr(evidence, "system_opener", lambda: ["xdg-open"])
    monkeypatch.setattr(evidence.subprocess, "Popen", lambda args, **kw: opened.append(args[-1]))
    async with app.run_test(size=SIZE) as pilot:
        await _open_inspection(pilot, "AC-01")
        await pilot.press("o")
        await settle(pilot)
    [path] = opened
    assert os.stat(path).st_ino != os.stat(evidence.stored_path(app.handle, f.id)).st_ino
    assert (os.stat(path).st_mode & 0o777) == 0o400
