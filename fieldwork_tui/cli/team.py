"""Team engagements on a PostgreSQL server: `fieldwork publish`.

Every other command takes a team engagement's address where it takes an engagement
(`fieldwork open postgresql://host/acme`, `fieldwork status firm/acme`, `fieldwork export firm/acme`).
"""

from __future__ import annotations

import typer

from fieldwork_tui.cli.common import command, open_handle, printable


@command(name="publish")
def publish(
    engagement: str = typer.Argument(..., help="The local engagement (slug or name prefix)."),
    to: str = typer.Option(..., "--to", help="postgresql://[user@]host[:port]/DBNAME, or SERVER/DBNAME from "
                                             "config.toml [servers]; no password (use ~/.pgpass)."),
) -> None:
    """Copy a local engagement to a new team database on a PostgreSQL server, verified and journaled."""
    from fieldwork_tui.services.team import publish_engagement

    handle = open_handle(engagement)
    try:
        result = publish_engagement(handle, to, progress=lambda m: typer.echo(f"  {m}", err=True))
    finally:
        handle.close()
    typer.echo(printable(result.summary()))
    typer.echo(f"open it with: fieldwork open {printable(result.address)}")
