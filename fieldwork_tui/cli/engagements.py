"""Engagement commands: new, list, demo, open, status, import controls."""

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
    echo_json,
    fail,
    import_app,
    open_handle,
    printable,
    save_import_profile,
    state,
)


def launch_tui(engagement: str | None = None, control: str | None = None, population: bool = False) -> None:
    from fieldwork_tui.tui.app import create_app

    app = create_app(state.home, engagement, control=control, population=population)
    app.run()


@command(name="new")
def new(
    name: str = typer.Argument(..., help="Engagement name, e.g. 'Acme Cloud SOC 2 2026'."),
    type: str = typer.Option("2", "--type", help="Report type: 1 or 2."),
    period: str | None = typer.Option(None, "--period", help="Observation period YYYY-MM-DD..YYYY-MM-DD."),
    categories: str = typer.Option("security", "--categories", help="Trust services categories in scope."),
    organization: str = typer.Option("", "--organization", help="Service organization (defaults to the name)."),
) -> None:
    """Create an engagement folder (database + evidence vault)."""
    from fieldwork_tui.services.engagements import create_engagement

    handle = create_engagement(state.home, name, type=type, period=period, categories=categories,
                               service_organization=organization)
    typer.echo(f"created {handle.slug} at {handle.root}")
    handle.close()


@command(name="list")
def list_(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """List engagements."""
    from fieldwork_tui.services.engagements import list_engagements

    items = list_engagements(state.home)
    if as_json:
        echo_json(items)
        return
    if not items:
        typer.echo("no engagements yet: fieldwork new NAME, or fieldwork demo")
        return
    for e in items:
        if e.get("error"):
            typer.echo(f"{e['slug']:<32} {printable(e['error'])}")
        else:
            typer.echo(f"{e['slug']:<32} {e['type']:<6} {e['period_start']}..{e['period_end']}  {e['phase']}")


@command(name="demo")
def demo(no_open: bool = typer.Option(False, "--no-open", help="Create the demo without opening the app.")) -> None:
    """Create (or reset) the demo engagement, then open it."""
    from fieldwork_tui.services.demo import build_demo

    handle = build_demo(state.home)
    slug = handle.slug
    typer.echo(f"demo engagement ready: {slug} at {handle.root}")
    handle.close()
    if not no_open:
        launch_tui(slug)


@command(name="open")
def open_(
    engagement: str | None = typer.Argument(None, help="Engagement slug or name prefix (or a team address)."),
    control: str | None = typer.Option(None, "--control", help="Open straight on this control's detail."),
    population: bool = typer.Option(False, "--population",
                                    help="With --control: on its Sampling tab (population and sample)."),
) -> None:
    """Open the app on one engagement (or the picker), optionally straight on one control."""
    if (control or population) and not engagement:
        fail("--control and --population need an ENGAGEMENT: fieldwork open ENGAGEMENT --control REF")
    if population and not control:
        fail("--population needs --control REF: fieldwork open ENGAGEMENT --control REF --population")
    if engagement:  # fail fast, with a one-line reason, before the screen takes over
        handle = open_handle(engagement)
        try:
            if control:
                from fieldwork_tui.services.controls import control_ref

                control = control_ref(handle, control)  # NotFound names the ref; the app is not started
        finally:
            handle.close()
    launch_tui(engagement, control=control, population=population)


@command(name="status")
def status(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Controls with evidence types, flags and samples; request and exception counts."""
    from fieldwork_tui.domain.coverage import badges
    from fieldwork_tui.services.controls import status_json

    handle = open_handle(engagement)
    data = status_json(handle)
    handle.close()
    if as_json:
        echo_json(data)
        return
    e = data["engagement"]
    typer.echo(f"{printable(e['name'])} ({e['type']}, {e['period_start']}..{e['period_end']}), phase {e['phase']}")
    for c in data["controls"]:
        flags = ", ".join(c["flags"]) or "ok"
        signed = [f"{role} {printable(so['by'])}: {so['signature']}" for role, so in c["signoffs"].items() if so]
        typer.echo(f"  {printable(c['ref']):<10} {badges(c['evidence_types'])}  {c['status']:<16} {flags}"
                   + (f"  [{'; '.join(signed)}]" if signed else ""))
    r, x = data["requests"], data["exceptions"]
    typer.echo(f"requests: {r['total']} ({r['overdue']} overdue) · exceptions: {x['total']} "
               f"({x['without_response']} without response)")


@command(import_app, name="controls")
def import_controls_command(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    file: Path = typer.Argument(..., help="Control matrix, CSV or XLSX."),
    sheet: str | None = typer.Option(None, "--sheet", help=SHEET_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help=DRY_RUN_HELP),
    profile: str | None = typer.Option(None, "--profile", help=PROFILE_HELP),
    mapping: list[str] = typer.Option([], "--map", help=MAP_HELP),
    save_profile: str | None = typer.Option(None, "--save-profile", help=SAVE_PROFILE_HELP),
) -> None:
    """Import (or update by ref) the control matrix; all-or-nothing; a re-import changes only the columns
    the file has and lists what changed."""
    from fieldwork_tui.services.controls import import_controls

    handle = open_handle(engagement)
    try:
        result = import_controls(handle, file, sheet=sheet, dry_run=dry_run, profile=profile, mapping=mapping)
    finally:
        handle.close()
    echo_import(result)
    save_import_profile(save_profile, result, sheet)
