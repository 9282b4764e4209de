"""The layer rules of DESIGN.md, enforced: domain is pure, services never load the UI toolkits."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import fieldwork_tui

PKG = Path(fieldwork_tui.__file__).parent


def _modules(sub: str) -> list[str]:
    return [f"fieldwork_tui.{sub}.{m.name}" for m in pkgutil.walk_packages([str(PKG / sub)], prefix="")
            if not m.name.startswith("_")]


def test_domain_and_services_never_import_textual_or_typer():
    mods = _modules("domain") + _modules("services") + ["fieldwork_tui.models", "fieldwork_tui.store.db"]
    code = (
        "import sys, importlib\n"
        f"for m in {mods!r}:\n"
        "    importlib.import_module(m)\n"
        "bad = sorted(k for k in sys.modules if k.split('.')[0] in ('textual', 'typer', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"headless layers loaded UI modules: {out.stdout.strip()}"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
            if node.module.startswith("fieldwork_tui."):
                names.add(node.module)
    return names


def test_domain_is_pure():
    forbidden = {"sqlmodel", "sqlalchemy", "textual", "typer", "rich", "openpyxl", "alembic"}
    for path in (PKG / "domain").rglob("*.py"):
        imported = _imports(path)
        assert not imported & forbidden, f"{path.name} imports {imported & forbidden}"
        assert not {m for m in imported if m.startswith(("fieldwork_tui.services", "fieldwork_tui.store",
                                                          "fieldwork_tui.tui", "fieldwork_tui.cli"))}, path.name


def test_tui_talks_only_to_services():
    for path in (PKG / "tui").rglob("*.py"):
        imported = _imports(path)
        assert not imported & {"sqlmodel", "sqlalchemy", "sqlite3"}, f"{path} queries the database directly"
        assert "fieldwork_tui.models" not in imported or path.name == "__init__.py", f"{path} imports models"


def test_help_is_fast_and_light():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from fieldwork_tui.cli import app\n"
        "r = CliRunner().invoke(app, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = [m for m in ('sqlmodel', 'alembic', 'textual.app', 'openpyxl') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"--help imported {out.stdout.strip()}"
