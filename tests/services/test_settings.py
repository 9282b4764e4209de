"""config.toml: theme and keymap; every problem one line, the rest still applies."""

from __future__ import annotations

import os

from fieldwork_tui.services.settings import load_settings, parse_settings, unknown_binding_ids


def test_theme_and_keymap():
    s = parse_settings('theme = "textual-light"\n[keymap]\n"controls.flagged" = "F"\n"app.help" = "f1, question_mark"\n')
    assert s.theme == "textual-light"
    assert dict(s.keymap) == {"controls.flagged": "F", "app.help": "f1,question_mark"}
    assert s.problems == ()


def test_bad_entries_are_named_and_skipped():
    s = parse_settings('colour = "red"\ntheme = 3\n[keymap]\n"a.b" = 7\n"c.d" = "ctrl f"\n"e.f" = "x"\n', "cfg.toml")
    assert dict(s.keymap) == {"e.f": "x"}
    assert s.theme is None
    assert s.problems == (
        "cfg.toml: unknown setting 'colour' (known: keymap, servers, theme)",
        "cfg.toml: theme: expected a theme name in quotes",
        "cfg.toml: keymap.a.b: expected keys in quotes, e.g. \"ctrl+f\"",
        "cfg.toml: keymap.c.d: 'ctrl f' is not a key (e.g. \"f\", \"ctrl+f\", \"f2\")",
    )


def test_not_toml_means_defaults_with_one_line():
    s = parse_settings("[keymap\n", "cfg.toml")
    assert s.keymap == {} and len(s.problems) == 1 and s.problems[0].startswith("cfg.toml: not valid TOML")


def test_load_reads_the_config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDWORK_CONFIG", str(tmp_path))
    assert load_settings().keymap == {} and load_settings().problems == ()
    (tmp_path / "config.toml").write_text('[keymap]\n"controls.sort" = "o"\n', encoding="utf-8")
    assert dict(load_settings().keymap) == {"controls.sort": "o"}
    (tmp_path / "config.toml").write_bytes(b"\xff\xfe bad")
    assert "cannot be read" in load_settings().problems[0]


def test_unreadable_file_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDWORK_CONFIG", str(tmp_path))
    (tmp_path / "config.toml").mkdir()
    (problem,) = load_settings().problems
    assert problem.startswith(str(tmp_path / "config.toml")) and "default settings" in problem
    assert os.path.isdir(tmp_path / "config.toml")


def test_unknown_ids():
    assert unknown_binding_ids({"controls.flaged": "F", "app.help": "f1"}, {"app.help"}) == [
        "config.toml: keymap: no key has the id 'controls.flaged' (? in the app lists every binding id, "
        "as does docs/keys.md)"]
