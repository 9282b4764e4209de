"""Bundle commands: export (the workpaper bundle), verify (a bundle against its manifest), check
(an engagement folder: database, vault hashes, journal chain)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from fieldwork_tui.cli.common import command, open_handle, printable


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


def _say(message: str) -> None:
    """A notice (e.g. the signing key just created): on stdout, so stderr carries only the one-line error."""
    typer.echo(printable(message))


@command(name="export")
def export(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    output: Path = typer.Option(..., "-o", "--output", help="The bundle to write (BUNDLE.zip)."),
) -> None:
    """Write the signed workpaper bundle (.zip): HTML workpapers, evidence, workbook, section IV, OSCAL,
    journal, anchors, manifest and manifest.sig; print the manifest digest and the signer's fingerprint."""
    from fieldwork_tui.cli.keys import terminal_passphrase
    from fieldwork_tui.services.bundle import export_bundle, verify_bundle

    handle = open_handle(engagement)
    try:
        progress = _progress_printer()
        result = export_bundle(handle, output, progress=progress, passphrase=terminal_passphrase(),
                               on_created=_say)
        if progress:
            typer.echo("", err=True)
    finally:
        handle.close()
    typer.echo(f"exported {result.describe()}")
    typer.echo(printable(result.signature_line()))
    report = verify_bundle(result.path, key=result.fingerprint)
    typer.echo(f"verify: {'intact' if report.ok else 'NOT intact'}")
    if not report.ok:
        for line in report.lines():
            typer.echo(f"  {printable(line)}")
        raise typer.Exit(1)


@command(name="verify")
def verify_command(
    bundle: Path = typer.Argument(..., help="BUNDLE.zip, or the folder it was extracted into."),
    key: str | None = typer.Option(None, "--key", help="The signer to require: a fingerprint (SHA256:…) or "
                                   "their public key file; without it, any key in your trust list."),
) -> None:
    """Check manifest.sig (signer and fingerprint), rehash every file against the manifest, cross-check each
    evidence file against its name, workpapers and journal, and check the journal chain; exit 1 listing
    what differs. An unsigned bundle or an unknown signer fails."""
    from fieldwork_tui.services.bundle import verify_bundle

    report = verify_bundle(bundle, key=key)
    sig_line = printable(report.signature.describe())
    if report.ok:
        typer.echo(f"intact: {sig_line}; {report.checked} files match manifest.json and every place naming "
                   f"their hashes; journal chain holds ({bundle})")
        return
    typer.echo(f"NOT verified: {bundle}")
    for line in report.lines():
        typer.echo(f"  {printable(line)}")
    raise typer.Exit(1)


@command(name="check")
def check(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    restore_locks: bool = typer.Option(False, "--restore-locks",
                                       help="Put back missing or altered final-report lock triggers (journaled)."),
) -> None:
    """Database integrity and lock triggers, vault hashes, the journal chain replayed against every row,
    sign-off signatures and the anchors record; exit 1 listing every problem."""
    from fieldwork_tui.services.maintenance import check_engagement
    from fieldwork_tui.services.maintenance import restore_locks as put_back

    handle = open_handle(engagement)
    try:
        if restore_locks:
            done = put_back(handle)
            typer.echo(f"restored {len(done)} lock trigger(s)" + (f": {', '.join(done)}" if done else ""))
        report = check_engagement(handle)
    finally:
        handle.close()
    for line in report.notes:
        typer.echo(f"note: {printable(line)}")
    if report.ok:
        typer.echo(f"ok: database intact, {report.vault_files} vault files match their SHA-256, "
                   f"journal chain of {report.journal_entries} entries holds and replays to the database, "
                   f"{report.signoffs} sign-off signatures verify, {report.anchors} anchored heads found")
        return
    typer.echo(f"{len(report.problems)} problem(s) in {handle.slug}:")
    for line in report.problems:
        typer.echo(f"  {printable(line)}")
    raise typer.Exit(1)
