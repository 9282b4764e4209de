"""Bundle commands: export (the workpaper bundle), verify (a bundle against its manifest), check
(an engagement folder: database, vault hashes, journal chain)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from fieldwork_tui.cli.common import command, open_handle


def _progress_printer():
    """A one-line percentage on stderr when it is a terminal; nothing otherwise (scripts, tests)."""
    if not sys.stderr.isatty():
        return None
    last = [-1]

    def show(done: int, total: int, label: str) -> None:
        pct = done * 100 // max(total, 1)
        if pct != last[0]:
            last[0] = pct
            typer.echo(f"\r{pct:3d}% {label[:60]:<60}", err=True, nl=False)

    return show


@command(name="export")
def export(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    output: Path = typer.Option(..., "-o", "--output", help="The bundle to write (BUNDLE.zip)."),
) -> None:
    """Write the workpaper bundle (.zip): HTML workpapers, evidence, workbook, section IV, OSCAL, journal, manifest."""
    from fieldwork_tui.services.bundle import export_bundle, verify_bundle

    handle = open_handle(engagement)
    try:
        progress = _progress_printer()
        result = export_bundle(handle, output, progress=progress)
        if progress:
            typer.echo("", err=True)
    finally:
        handle.close()
    typer.echo(f"exported {result.describe()}")
    report = verify_bundle(result.path)
    typer.echo(f"verify: {'intact' if report.ok else 'NOT intact'}")
    if not report.ok:
        for line in report.lines():
            typer.echo(f"  {line}")
        raise typer.Exit(1)


@command(name="verify")
def verify_command(bundle: Path = typer.Argument(..., help="BUNDLE.zip, or the folder it was extracted into.")) -> None:
    """Rehash every file against the manifest and check the journal chain; exit 1 listing what differs."""
    from fieldwork_tui.services.bundle import verify_bundle

    report = verify_bundle(bundle)
    if report.ok:
        typer.echo(f"intact: {report.checked} files match manifest.json; journal chain holds ({bundle})")
        return
    typer.echo(f"NOT intact: {bundle}")
    for line in report.lines():
        typer.echo(f"  {line}")
    raise typer.Exit(1)


@command(name="check")
def check(engagement: str = typer.Argument(..., help="Engagement slug or name prefix.")) -> None:
    """Database integrity, every vault file against its recorded SHA-256, the journal chain."""
    from fieldwork_tui.services.maintenance import check_engagement

    handle = open_handle(engagement)
    try:
        report = check_engagement(handle)
    finally:
        handle.close()
    if report.ok:
        typer.echo(f"ok: database intact, {report.vault_files} vault files match their SHA-256, "
                   f"journal chain of {report.journal_entries} entries holds")
        return
    typer.echo(f"{len(report.problems)} problem(s) in {handle.slug}:")
    for line in report.problems:
        typer.echo(f"  {line}")
    raise typer.Exit(1)
