"""Evidence commands: attach, compare (interviews and observations are entered in the app)."""

from __future__ import annotations

from pathlib import Path

import typer

from fieldwork_tui.cli.common import command, echo_json, open_handle, printable


@command(name="attach")
def attach_command(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    control: str = typer.Argument(..., help="Control ref, e.g. AC-01."),
    files: list[Path] = typer.Argument(..., help="Files or folders (a folder attaches its files)."),
    request: str | None = typer.Option(None, "--request", help="The evidence request these files answer."),
    as_of: str | None = typer.Option(None, "--as-of", help="The evidence's own date (YYYY-MM-DD)."),
    description: str = typer.Option("", "--description", help="What the files show."),
    json_out: bool = typer.Option(False, "--json", help="Print the stored records as JSON."),
) -> None:
    """Copy files into the engagement's vault (SHA-256, one streaming pass) as inspection evidence."""
    import sys

    from fieldwork_tui.services import evidence

    handle = open_handle(engagement)
    show = sys.stderr.isatty() and not json_out
    last = [-1]

    def progress(done: int, total: int, name: str) -> None:
        pct = int(done * 100 / total) if total else 100
        if show and pct != last[0]:
            last[0] = pct
            sys.stderr.write(f"\r{pct:3d}% {name[:60]:<60}")
            sys.stderr.flush()

    try:
        attached = evidence.attach(handle, control, files, request=request, as_of=as_of, description=description,
                                   progress=progress)
    finally:
        if show and last[0] >= 0:
            sys.stderr.write("\r" + " " * 66 + "\r")
        handle.close()
    if json_out:
        echo_json([{"id": a.evidence.id, "name": a.evidence.original_name, "sha256": a.evidence.sha256,
                    "size": a.evidence.size, "media_type": a.evidence.media_type,
                    "as_of": a.evidence.as_of.isoformat() if a.evidence.as_of else None,
                    "already_in_vault": a.already_in_vault, "already_linked": a.already_linked} for a in attached])
        return
    for a in attached:
        note = " (already attached)" if a.already_linked else " (same content already in the vault)" \
            if a.already_in_vault else ""
        typer.echo(f"{a.evidence.sha256[:12]}  {a.evidence.size:>12,}  {printable(a.evidence.original_name)}{note}")
    typer.echo(f"{len(attached)} file(s) attached to {control.upper()}")


@command(name="compare")
def compare_command(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    control: str = typer.Argument(..., help="Control ref, e.g. AC-01."),
    list_a: Path = typer.Argument(..., help="The list the auditor pulled (CSV or XLSX)."),
    list_b: Path = typer.Argument(..., help="The list the client used or reviewed (CSV or XLSX)."),
    key: str = typer.Option(..., "--key", help="Key column: COL_A[=COL_B] when the names differ."),
    date_window: str | None = typer.Option(None, "--date-window",
                                           help="COL_A=COL_B:DAYS — flag B dates more than DAYS after A dates."),
    column: list[str] = typer.Option([], "--column", help="Compare only these columns: COL_A[=COL_B] (repeat)."),
    ignore: list[str] = typer.Option([], "--ignore", help="Column not to compare (repeat)."),
    key_mode: str = typer.Option("casefold", "--key-mode",
                                 help="exact | casefold (default: trimmed, case-insensitive) | username (e-mail -> name)."),
    title: str = typer.Option("", "--title", help="Title of the comparison."),
    json_out: bool = typer.Option(False, "--json", help="JSON with counts and every difference."),
) -> None:
    """Re-perform: compare two lists by key and store the result (and both files) on the control."""
    from fieldwork_tui.domain.compare import CompareError, parse_key, parse_window
    from fieldwork_tui.services.errors import InvalidInput
    from fieldwork_tui.services.evidence import describe_difference, run_comparison

    try:
        key_a, key_b = parse_key(key)
        window = parse_window(date_window) if date_window else None
        columns = [parse_key(c) for c in column] or None
    except CompareError as exc:
        raise InvalidInput(str(exc)) from None
    handle = open_handle(engagement)
    try:
        outcome = run_comparison(handle, control, list_a, list_b, key_a=key_a, key_b=key_b, key_mode=key_mode,
                                 columns=columns, ignore=ignore, date_window=window, title=title)
    finally:
        handle.close()
    data = outcome.to_json(control.upper())
    if json_out:
        echo_json(data)
        return
    rp = outcome.reperformance
    typer.echo(f"{printable(rp.title)}: {data['list_a']['rows']} rows in A, {data['list_b']['rows']} in B, "
               f"{data['matched']} matched on {rp.key_a} = {rp.key_b}")
    typer.echo(f"only in A: {data['only_in_a']}  only in B: {data['only_in_b']}  differing: {data['differing']}"
               + (f"  date window breaches: {data['date_window_breaches']}" if window else ""))
    for row in data["rows"][:50]:
        details = {k: v for k, v in row.items() if k not in ("kind", "key")}
        typer.echo(printable(f"  [{row['kind']}] "
                             f"{describe_difference(row['kind'], row['key'], details, rp.list_a_label, rp.list_b_label)}"))
    if len(data["rows"]) > 50:
        typer.echo(f"  ... and {len(data['rows']) - 50} more (use --json)")
    typer.echo(f"stored as re-performance #{rp.id} on {data['control']}")
