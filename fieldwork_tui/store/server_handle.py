"""The handle on an engagement held by a PostgreSQL server (store/postgres.py).

It is an `EngagementHandle` like the local one, so every service works on it unchanged: write sessions are
journaled and serialised (the advisory write lock instead of `BEGIN IMMEDIATE`), read sessions never wait.
What the local handle keeps in the engagement folder beside `fieldwork.db` — the evidence vault's working
copies, scratch files of exports, files opened for viewing — a server handle keeps in a private working
folder per server and database under the fieldwork home (`.servers/HOST/DBNAME`), never shared, rebuilt
from the server whenever it is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from fieldwork_tui.errors import FieldworkError
from fieldwork_tui.store import paths, postgres
from fieldwork_tui.store.db import DatabaseError
from fieldwork_tui.store.handle import EngagementHandle

SERVERS_DIR = ".servers"


@dataclass
class ServerHandle(EngagementHandle):
    url: URL | None = None

    @property
    def address(self) -> str:
        return postgres.display(self.url) if self.url is not None else ""

    @property
    def slug(self) -> str:
        return postgres.database_name(self.url) if self.url is not None else self.root.name

    @property
    def db_path(self) -> Path:
        # named in messages only: there is no database file; the working folder stands for it
        return self.root / self.address.replace("/", "_")

    def vault(self):
        from fieldwork_tui.store.server_vault import ServerVault

        return ServerVault(self.vault_path, self.engine, upload_engine=self.read_engine)

    def change_marker(self) -> tuple:
        """The journal's last id and the server's transaction horizon (`pg_current_snapshot()`'s xmin
        and xmax: xmax moves when any transaction takes an id, xmin when the oldest open one ends), so
        a commit by any client — journaled or not, such as a hold — moves the marker."""
        from fieldwork_tui.store import journal

        with self.read_engine.connect() as conn:
            last = conn.exec_driver_sql(f"SELECT max(id) FROM {journal.TABLE_NAME}").scalar()
            xmin, xmax = conn.exec_driver_sql(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text, "
                "pg_snapshot_xmax(pg_current_snapshot())::text").one()
        return ("postgresql", last, xmin, xmax)

    def close(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "server"


def work_dir(home: Path | str | None, url: URL) -> Path:
    """The private working folder of the engagement `url` on this machine."""
    host = url.host or str(url.query.get("host", "local"))
    server = _safe(f"{url.username or ''}@{host}:{url.port or 5432}")
    return paths.resolve_home(home) / SERVERS_DIR / server / _safe(postgres.database_name(url))


def open_server_handle(address: str | URL, home: Path | str | None = None, *, create: bool = False) -> ServerHandle:
    """A handle on the engagement at `address` (a postgresql:// URL without a password)."""
    try:
        url = postgres.parse_address(address) if isinstance(address, str) else address
        engine = postgres.open_server_database(url, create=create)
    except (postgres.AddressError, DatabaseError) as exc:
        raise FieldworkError(str(exc)) from None
    root = work_dir(home, url)
    paths.ensure_private_dir(root / paths.VAULT_NAME)
    from fieldwork_tui.store.holds import install_server_rules

    handle = ServerHandle(root=root, engine=engine, read_engine=postgres.make_server_engine(url, write=False), url=url)
    handle.session_hooks.append(install_server_rules)  # controls checked out to replicas (store/holds.py)
    return handle
