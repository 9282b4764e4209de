"""The README's key table and docs/keys.md are the bindings, generated (scripts/keys_table.py)."""

from __future__ import annotations

from pathlib import Path

from fieldwork_tui.tui.kit.catalogue import catalogue, declared_bindings, tui_classes
from fieldwork_tui.tui.kit.keys_doc import keys_markdown, readme_table

ROOT = Path(__file__).resolve().parents[3]


def test_readme_key_table_is_generated_from_the_bindings():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_table() in readme, "README key table out of date: run .venv/bin/python scripts/keys_table.py"


def test_docs_keys_is_generated_from_the_bindings():
    assert (ROOT / "docs" / "keys.md").read_text(encoding="utf-8") == keys_markdown(), (
        "docs/keys.md out of date: run .venv/bin/python scripts/keys_table.py")


def test_every_binding_has_a_unique_id_and_a_tooltip():
    seen: dict[str, str] = {}
    for cls in tui_classes():
        for b in declared_bindings(cls):
            assert b.id and b.tooltip and b.description, f"{cls.__name__} binding {b.key} lacks id, tooltip or text"
            assert seen.setdefault(b.id, cls.__name__) == cls.__name__, f"id {b.id} used by {seen[b.id]} and " \
                                                                         f"{cls.__name__}"
    assert len(catalogue()) == len(seen)
