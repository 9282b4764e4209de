"""One address form for an engagement everywhere (`open`, `status`, `export`, `check`, `publish --to`):

- a local engagement: its slug or an unambiguous prefix (services/engagements.py, unchanged);
- a team engagement: a `postgresql://[user@]host[:port]/DBNAME` URL (libpq's form: `?host=/socket/dir`,
  `?service=NAME`, `sslmode=` as with psql), or `SERVER/DBNAME` where `SERVER` is a name config.toml maps:

```toml
[servers]
firm = "postgresql://elena@db.firm.example:5432"   # no database: the engagement's name follows the slash
```

No address holds a password (libpq reads it from ~/.pgpass, PGPASSFILE or the service file): one in
config.toml or on the command line is refused with a message saying where it belongs.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.settings import config_path
from fieldwork_tui.store import postgres
from fieldwork_tui.store.handle import EngagementHandle


def servers() -> dict[str, str]:
    """The `[servers]` table of config.toml: {name: postgresql:// address}."""
    path = config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}  # settings.load_settings reports an unreadable file
    table = data.get("servers", {})
    if not isinstance(table, dict):
        return {}
    return {str(k): v for k, v in table.items() if isinstance(v, str)}


def is_server_address(text: str | None) -> bool:
    if not text:
        return False
    if postgres.is_server_address(text):
        return True
    name, sep, _db = text.partition("/")
    return bool(sep) and name in servers()


def resolve_address(text: str) -> str:
    """The postgresql:// URL an address stands for (checked: no password, a database named)."""
    text = (text or "").strip()
    if postgres.is_server_address(text):
        url = text
    else:
        name, sep, db = text.partition("/")
        known = servers()
        if not sep or name not in known:
            listed = ", ".join(sorted(known)) or f"none (add a [servers] table to {config_path()})"
            raise InvalidInput(f"{text!r}: not a postgresql:// address or SERVER/ENGAGEMENT; servers known: {listed}")
        if not db.strip():
            raise InvalidInput(f"{text!r}: name the engagement after the server: {name}/ENGAGEMENT")
        base = known[name]
        try:
            parsed = postgres.make_url(base)
        except Exception:  # noqa: BLE001 - any malformed entry is the same one-line message
            raise InvalidInput(f"{config_path()}: servers.{name}: {base!r} is not a postgresql:// address") from None
        if parsed.password is not None:
            raise InvalidInput(f"{config_path()}: servers.{name} holds a password; remove it and put it in "
                               "~/.pgpass (or the file PGPASSFILE names, or a service file)")
        url = parsed.set(database=db.strip()).render_as_string(hide_password=False)
    try:
        postgres.parse_address(url)
    except postgres.AddressError as exc:
        raise InvalidInput(str(exc)) from None
    return url


def open_any(home: Path | str | None, name: str) -> EngagementHandle:
    """A handle on the engagement `name` names: on a server, or a local folder (by slug, or by its path)."""
    if is_server_address(name):
        from fieldwork_tui.store.server_handle import open_server_handle

        return open_server_handle(resolve_address(name), home)
    from fieldwork_tui.services.engagements import open_engagement, open_path
    from fieldwork_tui.store.paths import DB_NAME

    if ("/" in name or name.startswith(".")) and (Path(name) / DB_NAME).is_file():
        return open_path(Path(name))  # a folder named by its path (a replica checked out with -o DIR)
    return open_engagement(home, name)
