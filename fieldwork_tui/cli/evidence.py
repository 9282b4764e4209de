"""Evidence commands: attach, compare, differences (interviews and observations are entered in the app)."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.core import TyperGroup

from fieldwork_tui.cli.common import IF_VERSION_HELP, app, command, echo_json, fail, open_handle, printable

evidence_app = typer.Typer(help="Evidence records: edit what is known of a file (as-of date, description).",
                           no_args_is_help=True, rich_markup_mode=None)
app.add_typer(evidence_app, name="evidence")


@command(name="attach")
def attach_command(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    control: str = typer.Argument(..., help="Control ref, e.g. AC-01."),
    files: list[Path] = typer.Argument(..., help="Files or folders (a folder attaches its files)."),
    request: str | None = typer.Option(None, "--request", help="The evidence request these files answer."),
    as_of: str | None = typer.Option(None, "--as-of", help="The evidence's own date (YYYY-MM-DD)."),
    description: str = typer.Option("", "--description", help="What the files show."),
    update_as_of: bool = typer.Option(False, "--update-as-of",
                                      help="A file already in the vault with another as-of date: change its date "
                                           "(for every control using it)."),
    update_description: bool = typer.Option(False, "--update-description",
                                            help="A file already in the vault with another description: change it."),
    json_out: bool = typer.Option(False, "--json", help="Print the stored records as JSON."),
) -> None:
    """Copy files into the engagement's vault (SHA-256, one streaming pass) as inspection evidence.

    Paths are used exactly as given. A file already in the vault keeps its as-of date and description
    (they belong to the document) unless --update-as-of / --update-description is given."""
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

    update = [f for f, on in (("as_of", update_as_of), ("description", update_description)) if on]
    try:
        attached = evidence.attach(handle, control, files, request=request, as_of=as_of, description=description,
                                   progress=progress, update=update)
    except evidence.MetadataConflictError as exc:
        hints = {"as_of": "--update-as-of to change its date for every control using it, or leave out --as-of",
                 "description": "--update-description to change it, or leave out --description"}
        fail(f"{printable(str(exc))}; the file's date and description belong to the document: pass "
             + "; or ".join(hints[f] for f in exc.fields) + " (nothing was attached)")
    finally:
        if show and last[0] >= 0:
            sys.stderr.write("\r" + " " * 66 + "\r")
        handle.close()
    if json_out:
        echo_json([{"id": a.evidence.id, "name": a.evidence.original_name, "sha256": a.evidence.sha256,
                    "size": a.evidence.size, "media_type": a.evidence.media_type,
                    "as_of": a.evidence.as_of.isoformat() if a.evidence.as_of else None,
                    "already_in_vault": a.already_in_vault, "already_linked": a.already_linked,
                    "updated": list(a.updated), "also_used_by": list(a.also_used_by)} for a in attached])
        return
    for a in attached:
        note = " (already attached)" if a.already_linked else " (same content already in the vault)" \
            if a.already_in_vault else ""
        typer.echo(f"{a.evidence.sha256[:12]}  {a.evidence.size:>12,}  {printable(a.evidence.original_name)}{note}")
        if a.updated:
            fields = " and ".join("as-of date" if f == "as_of" else f for f in a.updated)
            used = f"; also used by {', '.join(a.also_used_by)}, whose workpapers change with it" if a.also_used_by else ""
            typer.echo(printable(f"  {fields} of evidence #{a.evidence.id} updated{used}"))
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
    whole_population: bool = typer.Option(False, "--whole-population",
                                          help="List A is every instance of the period (not one quarter)."),
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
                                 columns=columns, ignore=ignore, date_window=window, title=title,
                                 whole_population=whole_population)
    finally:
        handle.close()
    data = outcome.to_json(control.upper())
    if json_out:
        echo_json(data)
        return
    rp = outcome.reperformance
    typer.echo(f"{printable(rp.title)}: {data['list_a']['rows']} rows in A, {data['list_b']['rows']} in B, "
               f"{data['matched']} matched on {rp.key_a} = {rp.key_b}")
    typer.echo(f"keys: {data['key_normalisation']}")
    typer.echo(f"only in A: {data['only_in_a']}  only in B: {data['only_in_b']}  differing: {data['differing']}"
               + (f"  date window breaches: {data['date_window_breaches']}" if window else "")
               + f"  duplicate keys: {data['duplicates']}")
    for row in data["rows"][:50]:
        details = {k: v for k, v in row.items() if k not in ("id", "kind", "key", "disposition")}
        typer.echo(printable(f"  #{row['id']} [{row['kind']}] "
                             f"{describe_difference(row['kind'], row['key'], details, rp.list_a_label, rp.list_b_label)}"))
    if len(data["rows"]) > 50:
        typer.echo(f"  ... and {len(data['rows']) - 50} more (use --json)")
    typer.echo(f"stored as re-performance #{rp.id} on {data['control']}")
    if data["unresolved"]:
        typer.echo(f"{data['unresolved']} difference(s) need a disposition: fieldwork differences resolve "
                   f"{engagement} {data['control']} ID --as exception|explained|not-deviation --reason TEXT")


class _ListByDefault(TyperGroup):
    """`fieldwork differences ENG REF` lists; `fieldwork differences resolve ...` resolves."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["list", *args]
        return super().resolve_command(ctx, args)


differences_app = typer.Typer(cls=_ListByDefault, help="Re-performance differences and their dispositions: "
                              "`differences ENG REF [--json]` lists them, `differences resolve ...` decides them.",
                              no_args_is_help=True, rich_markup_mode=None)
app.add_typer(differences_app, name="differences")


def _difference_line(row) -> str:
    state = row.disposition.replace("_", " ") if row.disposition else "OPEN"
    if row.exception_id:
        state += f" #{row.exception_id}"
    why = f" — {row.reason}" if row.reason and not row.exception_id else ""
    ev = f" (evidence #{row.evidence_id})" if row.evidence_id else ""
    return printable(f"#{row.id}  {row.kind:<11}  {state:<15}  {row.description}{why}{ev}")


@command(differences_app, name="list", hidden=True)
def differences_list_command(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    control: str = typer.Argument(..., help="Control ref, e.g. AC-01."),
    open_only: bool = typer.Option(False, "--open", help="Only the differences without a disposition."),
    json_out: bool = typer.Option(False, "--json", help="JSON: every difference with its id and disposition."),
) -> None:
    """List a control's re-performance differences with their stable ids and dispositions."""
    from fieldwork_tui.services.evidence import list_differences

    handle = open_handle(engagement)
    try:
        rows = list_differences(handle, control, open_only=open_only)
    finally:
        handle.close()
    unresolved = sum(1 for r in rows if r.open)
    if json_out:
        echo_json({"control": control.upper(), "differences": len(rows), "unresolved": unresolved,
                   "rows": [r.to_json() for r in rows]})
        return
    for r in rows:
        typer.echo(_difference_line(r))
    typer.echo(f"{len(rows)} difference(s), {unresolved} without a disposition")


@command(differences_app, name="resolve")
def differences_resolve_command(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    control: str = typer.Argument(..., help="Control ref, e.g. AC-01."),
    difference_ids: list[str] = typer.Argument(None, help="Difference id(s) from `fieldwork differences` "
                                               "(several: one disposition for all)."),
    disposition: str = typer.Option(..., "--as", help="exception | explained | not-deviation"),
    reason: str = typer.Option("", "--reason", help="The explanation, the reason it is not a deviation, or "
                               "the exception's deviation (empty: worded from the difference)."),
    evidence: int | None = typer.Option(None, "--evidence", help="Evidence id that shows the explanation."),
    all_open: str | None = typer.Option(None, "--all-open", metavar="KIND",
                                        help="Every open difference of this kind (only_in_a, only_in_b, "
                                             "differing, date_window, duplicate, rule) or 'any'."),
) -> None:
    """Record the disposition of one or many differences (alike rows at once)."""
    from fieldwork_tui.services.errors import InvalidInput
    from fieldwork_tui.services.evidence import list_differences, resolve_differences

    ids: list[int] = []
    for text in difference_ids or []:
        try:
            ids.append(int(text.lstrip("#")))
        except ValueError:
            raise InvalidInput(f"difference id {text!r}: expected a number from `fieldwork differences`") from None
    handle = open_handle(engagement)
    try:
        if all_open:
            kind = None if all_open == "any" else all_open
            ids += [r.id for r in list_differences(handle, control, open_only=True, kind=kind)]
            if not ids:
                raise InvalidInput(f"--all-open {all_open}: no open differences of that kind on {control.upper()}")
        rows = resolve_differences(handle, control, ids, disposition, reason, evidence)
        left = sum(1 for r in list_differences(handle, control) if r.open)
    finally:
        handle.close()
    for r in rows:
        typer.echo(_difference_line(r))
    typer.echo(f"{len(rows)} difference(s) resolved; {left} still without a disposition on {control.upper()}")


@command(evidence_app, name="edit")
def evidence_edit_command(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    evidence_id: str = typer.Argument(..., metavar="EVIDENCE_ID",
                                      help="The evidence id (as status --json and the Inspection tab show it) "
                                           "or an unambiguous SHA-256 prefix."),
    as_of: str | None = typer.Option(None, "--as-of", help="The document's own date (YYYY-MM-DD; 'none' clears it)."),
    description: str | None = typer.Option(None, "--description", help="What the file shows."),
    json_out: bool = typer.Option(False, "--json", help="Print the record and the stale sign-offs as JSON."),
    if_version: int | None = typer.Option(None, "--if-version", help=IF_VERSION_HELP),
) -> None:
    """Change an evidence file's as-of date and/or description (journaled); the sign-offs of every
    control using the file go stale."""
    from fieldwork_tui.services import evidence

    kwargs = {} if as_of is None else {"as_of": as_of}
    handle = open_handle(engagement)
    try:
        result = evidence.edit_evidence(handle, evidence_id, description=description, expected_version=if_version,
                                        **kwargs)
    finally:
        handle.close()
    if json_out:
        echo_json({"evidence": result.evidence.to_json(),
                   "changes": {k: {"from": a or None, "to": b or None} for k, (a, b) in result.changes.items()},
                   "stale_signoffs": list(result.staled)})
        return
    typer.echo(printable(result.describe()))
