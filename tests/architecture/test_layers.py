"""The layers of docs/DESIGN.md at run time: importing the headless layers never loads a UI toolkit,
every area package imports on its own (no import cycle), migrations use only the store, and
`fieldwork --help` stays light. (The static import rules are import-linter's: test_contracts.py.)"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import fieldwork_tui

PKG = Path(fieldwork_tui.__file__).parent
AREAS = ["controls", "evidence", "sampling", "requests", "findings", "bundle", "maintenance", "demo"]


def _modules(sub: str) -> list[str]:
    return [m.name for m in pkgutil.walk_packages([str(PKG / sub)], prefix=f"fieldwork_tui.{sub}.")]


def test_domain_services_and_store_never_load_a_ui_toolkit():
    mods = _modules("domain") + _modules("services") + _modules("store") + ["fieldwork_tui.errors"]
    assert "fieldwork_tui.services.controls.catalog" in mods and "fieldwork_tui.store.models" in mods
    code = (
        "import sys, importlib\n"
        f"for m in {mods!r}:\n"
        "    importlib.import_module(m)\n"
        "bad = sorted(k for k in sys.modules if k.split('.')[0] in ('textual', 'typer', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"headless layers loaded UI modules: {out.stdout.strip()}"


def test_every_area_imports_on_its_own():
    """Each area package first in a fresh interpreter: an import cycle between areas shows up here."""
    code = (
        "import importlib, sys\n"
        f"for area in {AREAS!r}:\n"
        "    for m in [k for k in sys.modules if k.startswith('fieldwork_tui.services')]:\n"
        "        del sys.modules[m]\n"
        "    importlib.import_module('fieldwork_tui.services.' + area)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)


@pytest.mark.parametrize("area", AREAS)
def test_area_api_is_declared(area):
    """An area's `__init__` is its public API: `__all__` names exactly what it imports."""
    import importlib

    module = importlib.import_module(f"fieldwork_tui.services.{area}")
    assert module.__all__, area
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == [], f"{area}.__all__ names what it does not export: {missing}"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_migrations_use_only_the_store():
    """migrations/ ships as fieldwork_tui.migrations but lies outside the package folder, where the
    import-linter graph does not look: its imports are checked here."""
    import fieldwork_tui.migrations as migrations

    for path in Path(migrations.__file__).parent.rglob("*.py"):
        ours = {m for m in _imports(path) if m.startswith("fieldwork_tui")}
        assert all(m.startswith(("fieldwork_tui.store", "fieldwork_tui.migrations")) for m in ours), (path, ours)


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
