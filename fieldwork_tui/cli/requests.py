"""Request-list commands: `import requests` (the client's PBC list) and `export-requests` (open items)."""

from __future__ import annotations

from pathlib import Path

import typer

from fieldwork_tui.cli.common import (
    DRY_RUN_HELP,
    MAP_HELP,
    PROFILE_HELP,
    SAVE_PROFILE_HELP,
    SHEET_HELP,
    command,
    echo_import,
    import_app,
    open_handle,
    save_import_profile,
)


@command(import_app, name="requests")
def import_requests_command(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    file: Path = typer.Argument(..., help="Request list (PBC), CSV or XLSX."),
    sheet: str | None = typer.Option(None, "--sheet", help=SHEET_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help=DRY_RUN_HELP),
    profile: str | None = typer.Option(None, "--profile", help=PROFILE_HELP),
    mapping: list[str] = typer.Option([], "--map", help=MAP_HELP),
    save_profile: str | None = typer.Option(None, "--save-profile", help=SAVE_PROFILE_HELP),
) -> None:
    """Import (or update by request ID) the client's request list; all-or-nothing."""
    from fieldwork_tui.services.requests import import_requests

    handle = open_handle(engagement)
    try:
        result = import_requests(handle, file, sheet=sheet, dry_run=dry_run, profile=profile, mapping=mapping)
    finally:
        handle.close()
    echo_import(result)
    save_import_profile(save_profile, result, sheet)


@command(name="export-requests")
def export_requests_command(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    output: Path = typer.Option(..., "-o", "--output", help="FILE.xlsx or FILE.csv (CSV is UTF-8 for Excel)."),
    open_only: bool = typer.Option(False, "--open-only",
                                   help="Only what the client still owes (open, in progress, needs "
                                        "clarification, returned)."),
) -> None:
    """Write the request list (or the open items) for the client, sorted by due date."""
    from fieldwork_tui.services.requests import export_requests

    handle = open_handle(engagement)
    try:
        result = export_requests(handle, output, open_only=open_only)
    finally:
        handle.close()
    typer.echo(result.describe())
