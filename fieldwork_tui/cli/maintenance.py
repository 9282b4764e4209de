"""Maintenance commands: backup and restore of an engagement."""

from __future__ import annotations

from pathlib import Path

import typer

from fieldwork_tui.cli.common import command, open_handle, state


@command(name="backup")
def backup(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    output: Path = typer.Option(..., "-o", "--output", help="Backup file to write, e.g. acme-2026.zip."),
) -> None:
    """Back up an engagement (database and evidence vault) into one archive with a manifest of hashes."""
    from fieldwork_tui.services.maintenance import backup_engagement

    handle = open_handle(engagement)
    try:
        result = backup_engagement(handle, output)
    finally:
        handle.close()
    typer.echo(result.describe())


@command(name="restore")
def restore(
    file: Path = typer.Argument(..., help="Backup file written by fieldwork backup."),
    as_name: str | None = typer.Option(None, "--as", help="Restore under another engagement name."),
    force: bool = typer.Option(False, "--force", help="Replace an existing engagement of the same name."),
) -> None:
    """Restore an engagement from a backup; every hash is verified before anything is moved into place."""
    from fieldwork_tui.services.maintenance import restore_engagement

    result = restore_engagement(state.home, file, as_name=as_name, force=force)
    typer.echo(result.describe())
