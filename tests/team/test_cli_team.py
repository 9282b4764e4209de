"""The team commands on a real server: publish, then the ordinary commands by address."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fieldwork_tui.cli import app
from fieldwork_tui.services.demo import DEMO_SLUG
from tests import pg

pytestmark = pytest.mark.postgres


def _cli(home: Path, *args: str):
    return CliRunner().invoke(app, ["--home", str(home), *args])


@pytest.fixture
def server_url():
    name = pg.new_name()
    yield pg.database_url(name)
    pg.drop_database(name)


def test_publish_then_status_check_and_export_from_the_server(demo_home: Path, server_url: str, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    r = _cli(demo_home, "publish", DEMO_SLUG, "--to", server_url)
    assert r.exit_code == 0, r.output
    assert "verified on the server" in r.output and "fieldwork open postgresql://" in r.output
    # a named server in config.toml: the same engagement as SERVER/DBNAME
    base = server_url.rsplit("/", 1)
    db, query = base[1].split("?", 1)
    (tmp_path / "config" / "config.toml").write_text(f'[servers]\nfirm = "{base[0]}/?{query}"\n')
    for address in (server_url, f"firm/{db}"):
        r = _cli(demo_home, "status", address, "--json")
        assert r.exit_code == 0, r.output
        assert json.loads(r.output)["engagement"]["slug"] == db
    r = _cli(demo_home, "check", f"firm/{db}")
    assert r.exit_code == 0, r.output
    bundle = tmp_path / "bundle.zip"
    r = _cli(demo_home, "export", server_url, "-o", str(bundle))
    assert r.exit_code == 0, r.output
    r = _cli(demo_home, "verify", str(bundle))
    assert r.exit_code == 0, r.output


def test_publish_refuses_a_password_in_the_address(demo_home: Path) -> None:
    r = _cli(demo_home, "publish", DEMO_SLUG, "--to", "postgresql://elena:secret@db.example/acme")
    assert r.exit_code == 1
    assert "holds a password" in r.output and "secret" not in r.output
