"""The paste field takes off what a terminal adds to a path, and nothing a real file name holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldwork_tui.tui.pasted_path import readings, resolve_pasted_path, used_path_label


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for name in ("evidence.pdf", "my file.pdf", "'q'", "trailing ", "it's.pdf"):
        (tmp_path / name).write_bytes(b"x")
    return tmp_path


@pytest.mark.parametrize(("pasted", "name"), [
    ("{d}/evidence.pdf\n", "evidence.pdf"),
    ("  {d}/evidence.pdf  ", "evidence.pdf"),
    ("'{d}/my file.pdf' ", "my file.pdf"),          # GNOME Terminal / Konsole drop
    ('"{d}/my file.pdf"', "my file.pdf"),
    ("{d}/my\\ file.pdf", "my file.pdf"),           # macOS Terminal / iTerm2 drop
    ("file://{d}/my%20file.pdf\r\n", "my file.pdf"),  # a dropped URI
    ("'{d}/it'\\''s.pdf'", "it's.pdf"),
])
def test_what_a_terminal_adds_is_taken_off(files, pasted, name):
    assert resolve_pasted_path(pasted.format(d=files)) == str(files / name)


@pytest.mark.parametrize("name", ["'q'", "trailing "])
def test_a_name_that_really_holds_quotes_or_spaces_wins(files, name):
    assert resolve_pasted_path(str(files / name)) == str(files / name)


def test_tilde_is_expanded_in_the_paste_field(files, monkeypatch):
    monkeypatch.setenv("HOME", str(files))
    assert resolve_pasted_path("~/evidence.pdf ") == str(files / "evidence.pdf")


def test_nothing_found_names_the_cleaned_path(files):
    assert resolve_pasted_path(f"'{files}/gone.pdf' ") == f"{files}/gone.pdf"
    assert readings("   ") == ["   "]


def test_label_only_when_the_path_was_changed(files):
    assert used_path_label("a", "a") == ""
    assert used_path_label("'a' ", "a") == "Using a"
