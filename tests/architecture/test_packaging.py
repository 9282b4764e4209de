"""Packaging: every package folder is discovered (setup.py: nothing to list by hand), migrations ship as
fieldwork_tui.migrations, and every data file of the package matches a package-data pattern."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _discovered() -> set[str]:
    import runpy
    from unittest import mock

    captured = {}
    with mock.patch("setuptools.setup", lambda **kw: captured.update(kw)):
        runpy.run_path(str(ROOT / "setup.py"), run_name="__main__")
    return set(captured["packages"])


def test_every_package_folder_is_discovered():
    folders = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "fieldwork_tui").rglob("__init__.py")}
    folders |= {"fieldwork_tui." + ".".join(p.parent.relative_to(ROOT).parts)
                for p in (ROOT / "migrations").rglob("__init__.py")}
    assert _discovered() == folders


def test_every_data_file_ships():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    patterns = config["package-data"]["fieldwork_tui"]
    data = [p.relative_to(ROOT / "fieldwork_tui").as_posix() for p in (ROOT / "fieldwork_tui").rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    assert data, "the package has data files (templates, tcss)"
    unshipped = [d for d in data if not any(fnmatch.fnmatch(d, pat) or fnmatch.fnmatch(d, pat.removeprefix("**/"))
                                            for pat in patterns)]
    assert unshipped == [], f"add a package-data pattern for {unshipped}"
    assert config["package-dir"] == {"fieldwork_tui.migrations": "migrations"}
