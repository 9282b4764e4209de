"""Review commands: sign a control's workpaper, review notes (add, answer, clear), and the
engagement's review settings (self-review)."""

from __future__ import annotations

import typer

from fieldwork_tui.cli.common import IF_VERSION_HELP, app, command, echo_json, fail, open_handle, printable

notes_app = typer.Typer(help="Review notes: list, add, answer (the preparer), clear (the note's author).",
                        no_args_is_help=True, rich_markup_mode=None)
app.add_typer(notes_app, name="notes")

CONFIRM_OPTION = "--confirm-flags"


@command(name="sign")
def sign_command(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    control: str = typer.Argument(..., help="Control ref, e.g. AC-01."),
    role: str = typer.Option(..., "--role", help="preparer | reviewer."),
    confirm_flags: str | None = typer.Option(
        None, CONFIRM_OPTION, metavar="FLAG,...",
        help="Sign over these blocking flags (named exactly as the refusal lists them); recorded on the sign-off."),
    json_out: bool = typer.Option(False, "--json", help="Print the sign-off as JSON."),
) -> None:
    """Sign a control's workpaper as preparer or reviewer, bound to the digest of its current content."""
    from fieldwork_tui.domain.signoff import parse_flag_names
    from fieldwork_tui.domain.vocab import Flag
    from fieldwork_tui.services.errors import InvalidInput
    from fieldwork_tui.services.findings import ConfirmationNeeded, sign

    try:
        confirmed = parse_flag_names(confirm_flags, [f.value for f in Flag])
    except ValueError as exc:
        raise InvalidInput(f"{CONFIRM_OPTION}: {exc}") from None
    handle = open_handle(engagement)
    try:
        result = sign(handle, control, role, confirm_flags=confirmed)
    except ConfirmationNeeded as exc:
        fail(f"{printable(str(exc))}; to sign over {'it' if len(exc.flags) == 1 else 'them'} pass "
             f"{CONFIRM_OPTION} {','.join(exc.flags)}")
    finally:
        handle.close()
    if json_out:
        echo_json(result.to_json())
        return
    typer.echo(printable(result.describe()))


@command(notes_app, name="list")
def notes_list(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    control: str | None = typer.Argument(None, help="Only the notes on this control (and its exceptions)."),
    open_only: bool = typer.Option(False, "--open", help="Only the open notes."),
    json_out: bool = typer.Option(False, "--json", help="JSON, one object per note."),
) -> None:
    """List review notes with their answers."""
    from fieldwork_tui.services.findings import list_notes

    handle = open_handle(engagement)
    try:
        notes = list_notes(handle, control, open_only=open_only)
    finally:
        handle.close()
    if json_out:
        echo_json([n.to_json() for n in notes])
        return
    if not notes:
        typer.echo("no review notes")
        return
    for n in notes:
        typer.echo(printable(f"#{n.id}  {n.status:<7}  {n.target_label}  {n.author}: {n.text}"))
        if n.response:
            typer.echo(printable(f"      answered by {n.responded_by}: {n.response}"))
        if n.cleared_by:
            typer.echo(printable(f"      cleared by {n.cleared_by}"))


@command(notes_app, name="add")
def notes_add(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    control: str = typer.Argument(..., help="Control ref, e.g. AC-01."),
    text: str = typer.Argument(..., help="The note for the preparer."),
    exception: int | None = typer.Option(None, "--exception", help="Put the note on this exception of the control."),
) -> None:
    """Write a review note on a control (or one of its exceptions)."""
    from fieldwork_tui.services.findings import add_note

    handle = open_handle(engagement)
    try:
        note = add_note(handle, control, text, exception_id=exception)
    finally:
        handle.close()
    typer.echo(printable(f"review note #{note.id} added on {note.target_label}"))


@command(notes_app, name="answer")
def notes_answer(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    note: int = typer.Argument(..., help="The note's number (#N in notes list)."),
    text: str = typer.Argument(..., help="The answer (what was done or why)."),
    if_version: int | None = typer.Option(None, "--if-version", help=IF_VERSION_HELP),
) -> None:
    """Answer a review note (the preparer; the note stays open until its author clears it)."""
    from fieldwork_tui.services.findings import answer_note

    handle = open_handle(engagement)
    try:
        view = answer_note(handle, note, text, expected_version=if_version)
    finally:
        handle.close()
    typer.echo(printable(f"review note #{view.id} answered; {view.author} clears it"))


@command(notes_app, name="clear")
def notes_clear(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    note: int = typer.Argument(..., help="The note's number (#N in notes list)."),
    if_version: int | None = typer.Option(None, "--if-version", help=IF_VERSION_HELP),
) -> None:
    """Clear an answered review note (its author only)."""
    from fieldwork_tui.services.findings import clear_note

    handle = open_handle(engagement)
    try:
        view = clear_note(handle, note, expected_version=if_version)
    finally:
        handle.close()
    typer.echo(printable(f"review note #{view.id} cleared"))


@command(name="settings")
def settings_command(
    engagement: str = typer.Argument(..., help="Engagement slug or name prefix."),
    self_review: bool | None = typer.Option(
        None, "--allow-self-review/--no-self-review",
        help="Whether a control's preparer may also review it (a firm's decision for this engagement; journaled)."),
    reason: str = typer.Option("", "--reason", help="Why self-review is allowed (required to allow it)."),
    json_out: bool = typer.Option(False, "--json", help="Print the settings as JSON."),
) -> None:
    """Show or change the engagement's review settings (kept in the engagement, never in a person's config)."""
    from fieldwork_tui.services.findings import review_settings, set_self_review

    handle = open_handle(engagement)
    try:
        current = review_settings(handle) if self_review is None else set_self_review(handle, self_review, reason)
    finally:
        handle.close()
    if json_out:
        echo_json(current.to_json())
        return
    typer.echo(printable(current.describe()))
