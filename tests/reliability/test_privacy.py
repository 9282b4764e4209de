"""Privacy: engagement folders 0700 and files 0600 (vault and backups included); nothing written
outside the engagement folders, the config dir and the files the auditor names; no network access
anywhere — every command and the app run under an audit hook that blocks and records any socket."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import assert_private, write_controls_csv
from .test_exports import _pbc_csv

GUARD = Path(__file__).with_name("guarded_run.py")


def _clean_env(home: Path, tmpdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FIELDWORK_", "XDG_")) and k not in ("HOME", "TMPDIR")}
    env.update(HOME=str(home), TMPDIR=str(tmpdir), PYTHONDONTWRITEBYTECODE="1", FIELDWORK_TODAY="2026-11-20",
               FIELDWORK_USER="elena")
    return env


def _guarded(spec: dict, env: dict[str, str], cwd: Path) -> dict:
    spec_file = cwd.parent / "spec.json"
    spec_file.write_text(json.dumps(spec))
    proc = subprocess.run([sys.executable, str(GUARD), str(spec_file)], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def sandbox(tmp_path):
    """An empty HOME, TMPDIR and working folder; inputs and outputs in folders of their own."""
    dirs = {name: tmp_path / name for name in ("home", "tmpdir", "cwd", "inputs", "out")}
    for d in dirs.values():
        d.mkdir()
    write_controls_csv(dirs["inputs"] / "controls.csv", 12)
    _pbc_csv(dirs["inputs"] / "pbc.csv", 20)
    (dirs["inputs"] / "evidence.txt").write_text("user list export\n")
    (dirs["inputs"] / "population.csv").write_text(
        "Change ID,Date,Title\n" + "".join(f"CHG-{n},2026-03-{n % 28 + 1:02d},Change {n}\n" for n in range(60)))
    return dirs


def _commands(d: dict[str, Path]) -> list[list[str]]:
    i, o = d["inputs"], d["out"]
    return [
        ["new", "Acme Cloud", "--period", "2026-01-01..2026-12-31"],
        ["import", "controls", "acme", str(i / "controls.csv")],
        ["import", "requests", "acme", str(i / "pbc.csv")],
        ["status", "acme", "--json"],
        ["list", "--json"],
        ["export-requests", "acme", "-o", str(o / "open.xlsx"), "--open-only"],
        ["export-requests", "acme", "-o", str(o / "all.csv")],
        ["backup", "acme", "-o", str(o / "acme.zip")],
        ["restore", str(o / "acme.zip"), "--as", "Acme copy"],
        ["demo", "--no-open"],
        ["attach", "acme-cloud", "C-00000", str(i / "evidence.txt"), "--description", "user list"],
        *_area_commands(d),
    ]


def _area_commands(d: dict[str, Path]) -> list[list[str]]:
    """Commands of the areas present on this branch (populations, sampling, bundle)."""
    from fieldwork_tui.cli.common import import_app

    from .helpers import has_cli_command

    i, o = d["inputs"], d["out"]
    out = []
    if "population" in {c.name for c in import_app.registered_commands}:
        out.append(["import", "population", "acme-cloud", "C-00001", str(i / "population.csv")])
        if has_cli_command("sample"):
            out.append(["sample", "acme-cloud", "C-00001"])
    if has_cli_command("export"):
        out += [["export", "acme-cloud", "-o", str(o / "bundle.zip")], ["verify", str(o / "bundle.zip")]]
    if has_cli_command("check"):
        out.append(["check", "acme-cloud"])
    if has_cli_command("compare"):
        out.append(["compare", "acme-cloud", "C-00002", str(i / "population.csv"), str(i / "population.csv"),
                    "--key", "Change ID"])
    return out


APP_KEYS = ["1", "right_square_bracket", "2", "down", "enter", "tab", "tab", "escape", "3", "4", "5",
            "question_mark", "escape", "ctrl+p", "escape", "1"]


def test_no_network_and_nothing_written_outside(sandbox):
    d = sandbox
    data = d["home"] / ".local" / "share" / "fieldwork-tui"
    config = d["home"] / ".config" / "fieldwork-tui"
    spec = {"commands": _commands(d), "app": {"engagement": "acme-cloud", "keys": APP_KEYS},
            "allowed_write_roots": [str(data), str(config), str(d["out"])]}
    report = _guarded(spec, _clean_env(d["home"], d["tmpdir"]), d["cwd"])
    assert [r for r in report["results"] if r[1] != 0] == []
    assert report["network"] == []
    assert report["writes_outside"] == [], "\n".join(report["writes_outside"])
    assert report["app"], "the app did not run"
    # on disk: only the data dir (and config dir) under HOME; nothing in TMPDIR or the working folder
    written = sorted(str(p.relative_to(d["home"])) for p in d["home"].rglob("*") if p.is_file())
    assert written and all(w.startswith((".local/share/fieldwork-tui/", ".config/fieldwork-tui/")) for w in written)
    assert list(d["tmpdir"].iterdir()) == [] and list(d["cwd"].iterdir()) == []
    assert {"acme.zip", "all.csv", "open.xlsx"} <= {p.name for p in d["out"].iterdir()}
    assert sorted(p.name for p in data.iterdir()) == [".anchors", "acme-cloud", "acme-copy", "demo-lumen-ledger"]
    assert_private(data)  # every engagement folder 0700, every file (db, WAL, vault) 0600
    assert (d["out"] / "acme.zip").stat().st_mode & 0o777 == 0o600


def test_the_guard_catches_what_it_should(sandbox):
    """The audit hook is not a no-op: a socket and a stray file are both reported."""
    d = sandbox
    spec = {"commands": [], "app": None, "allowed_write_roots": [str(d["out"])], "selftest": str(d["cwd"])}
    report = _guarded(spec, _clean_env(d["home"], d["tmpdir"]), d["cwd"])
    assert report["network"]
    assert any("outside.txt" in w for w in report["writes_outside"])


def test_engagement_permissions_after_every_kind_of_write(demo, tmp_path, vault_files):
    """Private modes survive imports, a restore and the pre-migration copy, whatever the umask."""
    from .helpers import invoke

    old = os.umask(0o022)
    try:
        assert invoke("import", "controls", demo.slug, write_controls_csv(tmp_path / "c.csv", 3)).returncode == 0
        assert invoke("backup", demo.slug, "-o", tmp_path / "b.zip").returncode == 0
        assert invoke("restore", tmp_path / "b.zip", "--as", "copy").returncode == 0
    finally:
        os.umask(old)
    assert_private(demo.root)
    assert_private(demo.root.parent / "copy")
    assert demo.root.parent.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "b.zip").stat().st_mode & 0o777 == 0o600
