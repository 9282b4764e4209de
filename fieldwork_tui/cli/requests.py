"""Request-list commands: `import requests` (the client's PBC list) and `export-requests` (open items)."""

from __future__ import annotations

from pathlib import Path

import typer

from fieldwork_tui.cli.common import command, import_app, open_handle


@command(import_app, name="requests")
def import_requests_command(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    file: Path = typer.Argument(..., help="Request list (PBC), CSV or XLSX."),
) -> None:
    """Import (or update by request ID) the client's request list; all-or-nothing."""
    from fieldwork_tui.services.requests import import_requests

    handle = open_handle(engagement)
    try:
        result = import_requests(handle, file)
    finally:
        handle.close()
    typer.echo(result.describe())


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
