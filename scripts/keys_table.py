"""Rewrite the README's key table and docs/keys.md from the bindings:

    .venv/bin/python scripts/keys_table.py
"""

from __future__ import annotations

from pathlib import Path

from fieldwork_tui.tui.kit.keys_doc import keys_markdown, replace_readme_table

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    readme = ROOT / "README.md"
    readme.write_text(replace_readme_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
    (ROOT / "docs" / "keys.md").write_text(keys_markdown(), encoding="utf-8")
    print("README.md and docs/keys.md rewritten from the bindings")
