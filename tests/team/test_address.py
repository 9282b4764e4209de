"""One address form for team engagements: a postgresql:// URL or SERVER/ENG from config.toml, never a password."""

from __future__ import annotations

import pytest

from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.team import is_server_address, resolve_address


def test_addresses_never_hold_a_password_and_servers_come_from_config(tmp_path, monkeypatch) -> None:
    with pytest.raises(InvalidInput, match="holds a password.*pgpass"):
        resolve_address("postgresql://elena:secret@db.example/acme")
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    (config / "config.toml").write_text('[servers]\nfirm = "postgresql://elena@db.example:5433"\n'
                                        'leaky = "postgresql://elena:pw@db.example"\n')
    assert is_server_address("firm/acme") and not is_server_address("acme")
    assert resolve_address("firm/acme") == "postgresql://elena@db.example:5433/acme"
    with pytest.raises(InvalidInput, match="servers.leaky holds a password"):
        resolve_address("leaky/acme")
    with pytest.raises(InvalidInput, match="servers known: firm, leaky"):
        resolve_address("nowhere/acme")
