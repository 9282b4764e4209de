"""`fieldwork publish ENG --to postgresql://…`: move a local engagement to a team database.

Everything happens in ONE transaction on the server, under the engagement's write lock: the schema is
migrated (store/postgres.py), every table is copied row by row (ids kept, so the journal's entity ids and
every foreign key still hold; sequences moved past them), every vault file is streamed into the
content-addressed blob store in 1 MiB chunks (constant memory, its SHA-256 re-computed as it goes), and
then, before the commit, the copy is verified as the server stores it: each table's rows digest equal to
the local ones (domain/replay.py's normalised digest), the journal chain verifies and ends at the local
head, each blob re-hashes to its name. Only then is a `publish` entry appended to the server's journal
(naming the local head it continues) and the transaction committed. Any failure rolls it all back: the
server holds the whole engagement or nothing of it. The local engagement is not changed.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from fieldwork_tui.domain import replay as rp
from fieldwork_tui.services.errors import FieldworkError, InvalidInput
from fieldwork_tui.services.team.address import resolve_address
from fieldwork_tui.services.team.views import PublishResult
from fieldwork_tui.store import journal, postgres, server_vault, table_rows
from fieldwork_tui.store.db import DatabaseError
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import EvidenceFile
from fieldwork_tui.store.vault import Vault, VaultError

BATCH = 1000
Progress = Callable[[str], None]


def _copy_table(src, dst, table) -> int:
    n = 0
    result = src.execute(select(table), execution_options={"stream_results": True})
    while rows := result.fetchmany(BATCH):
        dst.execute(insert(table), [dict(r._mapping) for r in rows])
        n += len(rows)
    return n


def _move_sequences(dst, table) -> None:
    pk = list(table.primary_key.columns)
    if len(pk) != 1 or not pk[0].autoincrement or pk[0].type.python_type is not int:
        return
    q = '"' + table.name.replace('"', '""') + '"'
    seq = dst.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": q, "c": pk[0].name}).scalar()
    if seq:
        dst.execute(text(f"SELECT setval(:s, COALESCE((SELECT max({pk[0].name}) FROM {q}), 0) + 1, false)"), {"s": seq})


def _upload(dst, vault: Vault, sha: str) -> int:
    path = vault.path_for(sha)
    if not path.is_file():
        raise FieldworkError(f"{path}: evidence file missing from the vault; nothing was published "
                             "(fieldwork check names what is missing)")
    try:
        return server_vault.upload(dst, path, sha)
    except VaultError as exc:
        raise FieldworkError(f"{exc}; nothing was published") from None


def _digests(conn) -> dict[str, tuple[int, str]]:
    out = {}
    for spec in table_rows.table_specs():
        cols = sorted(spec.kinds)
        rows = (tuple(r[c] for c in cols) for r in table_rows.raw_rows(conn, spec))
        out[spec.name] = rp.digest_tuples(spec, cols, rows)
    return out


def publish_engagement(handle: EngagementHandle, to: str, progress: Progress | None = None) -> PublishResult:
    """Copy the engagement `handle` to the (empty) team database `to`, verified and journaled."""
    import fieldwork_tui.store.models  # noqa: F401 - registers the tables

    url = postgres.parse_address(resolve_address(to))
    shown = postgres.display(url)
    say = progress or (lambda _m: None)
    try:
        postgres.ensure_database(url)
        engine = postgres.open_server_database(url, create=True)
    except DatabaseError as exc:
        raise FieldworkError(str(exc)) from None
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name != "alembic_version"]
    vault = handle.vault()  # local files, or (re-publishing a server's engagement) fetched from it
    try:
        with handle.read() as src_session, engine.begin() as dst:
            src = src_session.connection()
            if dst.execute(text("SELECT count(*) FROM engagement")).scalar():
                raise InvalidInput(f"{shown}: already holds an engagement; publish to a new, empty database "
                                   "(one database per engagement)")
            rows = 0
            for table in tables:
                say(f"copying {table.name}")
                rows += _copy_table(src, dst, table)
                _move_sequences(dst, table)
            shas = sorted({sha for (sha,) in src.execute(select(EvidenceFile.sha256).distinct())})
            blob_bytes = 0
            for i, sha in enumerate(shas, 1):
                say(f"uploading evidence file {i} of {len(shas)}")
                blob_bytes += _upload(dst, vault, sha)
            say("verifying the copy on the server")
            local_head = journal.head(src_session)
            _verify(src, dst, shas, local_head, shown)
            with Session(bind=dst) as s:
                journal.install(s, handle.actor)
                journal.record(s, "publish", "engagement", "", {
                    "to": shown, "from": handle.slug, "local_head": local_head[0], "local_entries": local_head[1],
                    "rows": rows, "blobs": len(shas)})
                head = journal.head(s)
                s.flush()
    except DatabaseError as exc:
        raise FieldworkError(str(exc)) from None
    except Exception as exc:  # the driver's errors: one line, nothing was committed
        if isinstance(exc, FieldworkError):
            raise
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            raise FieldworkError(f"{shown}: publishing failed ({postgres._reason(exc)}); nothing was published") from exc
        raise
    finally:
        engine.dispose()
    return PublishResult(address=shown, slug=postgres.database_name(url), tables=len(tables), rows=rows,
                         journal_entries=head[1], journal_head=head[0], blobs=len(shas), blob_bytes=blob_bytes)


def _verify(src, dst, shas: list[str], local_head: tuple[str, int], shown: str) -> None:
    mine, theirs = _digests(src), _digests(dst)
    for name, value in mine.items():
        if theirs.get(name) != value:
            raise FieldworkError(f"{shown}: table {name} differs on the server after copying; nothing was published")
    problems = list(journal.verify_chain(journal.iter_entries(Session(bind=dst))))
    if problems:
        raise FieldworkError(f"{shown}: the journal does not verify on the server ({problems[0]}); nothing was published")
    with Session(bind=dst) as s:
        if journal.head(s) != local_head:
            raise FieldworkError(f"{shown}: the journal's head differs on the server; nothing was published")
    for sha in shas:
        if server_vault.server_digest(dst, sha) != sha:
            raise FieldworkError(f"{shown}: evidence file {sha[:12]}… differs on the server; nothing was published")
    count = dst.execute(select(func.count()).select_from(text(postgres.BLOB_TABLE))).scalar()
    if count < len(shas):
        raise FieldworkError(f"{shown}: evidence files missing on the server; nothing was published")
