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
    text: str = typer.Option("", "--filter", help="Only requests matching this text (as the view's / filter)."),
    overdue: bool = typer.Option(False, "--overdue", help="Only overdue requests."),
    owner: str | None = typer.Option(None, "--owner", help="Only this owner's requests (name, or 'unassigned')."),
    status: list[str] = typer.Option([], "--status", help="Only this status (repeat for several)."),
    control: str | None = typer.Option(None, "--control", help="Only requests for this control ref."),
    wave: str | None = typer.Option(None, "--wave", help="Only this wave: general, population or sample."),
    everything: bool = typer.Option(False, "--all", help="Every request, whatever the filters (the view's "
                                                          "'Everything')."),
) -> None:
    """Write the request list for the client, sorted by due date: what the filters select (the TUI exports
    what its view shows), or everything with --all."""
    from fieldwork_tui.services.errors import InvalidInput
    from fieldwork_tui.services.requests import export_requests, request_query

    filtered = bool(text or overdue or owner or status or control or wave or open_only)
    if everything and filtered:
        raise InvalidInput("--all exports every request: drop the filters, or drop --all")
    handle = open_handle(engagement)
    try:
        query = None if everything else request_query(handle, text=text, overdue=overdue, owner=owner,
                                                       statuses=status, control=control, wave=wave)
        result = export_requests(handle, output, open_only=open_only, query=query)
    finally:
        handle.close()
    typer.echo(result.describe())
