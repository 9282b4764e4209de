"""Team engagements on a PostgreSQL server: `fieldwork publish`, `checkout`, `checkin`, `sync`, `holds`.

Every other command takes a team engagement's address where it takes an engagement
(`fieldwork open postgresql://host/acme`, `fieldwork status firm/acme`, `fieldwork export firm/acme`).
"""

from __future__ import annotations

from pathlib import Path

import typer

from fieldwork_tui.cli.common import command, open_handle, printable, state


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


@command(name="checkout")
def checkout_cmd(
    engagement: str = typer.Argument(..., help="The team engagement: SERVER/ENG or postgresql://…/ENG."),
    controls: str = typer.Option(..., "--controls", help="The controls to hold, comma-separated (AC-01,AC-02)."),
    out: Path | None = typer.Option(None, "-o", "--out", help="The replica's folder (default: ENG-replica in "
                                                                 "the fieldwork home)."),
) -> None:
    """Check controls out into a local replica to work offline; the server refuses others' changes to them
    until you check them in."""
    from fieldwork_tui.services.team import checkout

    result = checkout(state.home, engagement, controls, out, progress=lambda m: typer.echo(f"  {m}", err=True))
    typer.echo(printable(result.summary()))
    typer.echo(f"work in it as in any engagement (fieldwork open {printable(result.name)}); bring the server's "
               f"review notes with fieldwork sync {printable(result.name)}; when done: fieldwork checkin "
               f"{printable(result.name)}")


@command(name="checkin")
def checkin_cmd(
    replica: str | None = typer.Argument(None, help="The replica's folder (default: the current folder, or the "
                                                    "only replica in the fieldwork home)."),
) -> None:
    """Verify a replica and write its work to the server in one transaction; releases its controls."""
    from fieldwork_tui.services.team import checkin

    result = checkin(state.home, replica, progress=lambda m: typer.echo(f"  {m}", err=True))
    typer.echo(printable(result.summary()))


@command(name="sync")
def sync_cmd(
    replica: str | None = typer.Argument(None, help="The replica's folder (default: the current folder, or the "
                                                    "only replica in the fieldwork home)."),
) -> None:
    """Bring what the server recorded since (review notes, other controls' work) into a replica."""
    from fieldwork_tui.services.team import sync

    typer.echo(printable(sync(state.home, replica).summary()))


@command(name="holds")
def holds_cmd(
    engagement: str = typer.Argument(..., help="The team engagement (or a replica's folder)."),
) -> None:
    """Which controls are checked out, to whom and since when."""
    from fieldwork_tui.services.team import control_holds

    handle = open_handle(engagement)
    try:
        held = control_holds(handle)
    finally:
        handle.close()
    if not held:
        typer.echo("no control is checked out")
    for h in held:
        since = h.since.strftime("%Y-%m-%d %H:%M UTC") if h.since else "?"
        fields = [h.ref, h.holder, f"since {since}", f"replica {h.replica[:8]}"] + (["(this replica)"] if h.here else [])
        typer.echo("\t".join(printable(f) for f in fields))
