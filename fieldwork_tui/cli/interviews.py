"""Interview commands: import notes typed elsewhere, list interviews, the interview plan (who to
interview for which control), people's roles, possible coached answers, and a statement's
corroboration (corroborated, contradicted, resolved by later evidence, raised as an exception).
Live entry during an interview is in the app (view 4)."""

from __future__ import annotations

from pathlib import Path

import typer

from fieldwork_tui.cli.common import (
    DRY_RUN_HELP,
    SHEET_HELP,
    app,
    command,
    echo_import,
    echo_json,
    import_app,
    open_handle,
    printable,
)

plan_app = typer.Typer(help="The interview plan: which roles to interview for each control, and who is still "
                            "to be booked.", no_args_is_help=True, rich_markup_mode=None)
people_app = typer.Typer(help="Client personnel and their roles (the interview plan's vocabulary).",
                         no_args_is_help=True, rich_markup_mode=None)
coached_app = typer.Typer(help="Possible coached answers (advisory): near-identical answers by different "
                               "interviewees, or recitals of the control description.", no_args_is_help=True,
                          rich_markup_mode=None)
statement_app = typer.Typer(help="One inquiry statement: corroborate, contradict, resolve or raise an exception.",
                            no_args_is_help=True, rich_markup_mode=None)
app.add_typer(plan_app, name="plan")
app.add_typer(people_app, name="people")
app.add_typer(coached_app, name="coached")
app.add_typer(statement_app, name="statement")

ENG = typer.Argument(..., help="Engagement folder name or name prefix.")


@command(import_app, name="interviews")
def import_interviews(
    engagement: str = ENG,
    file: Path = typer.Argument(..., help="CSV or XLSX: date, interviewee, role, interviewer, statement, control refs."),
    sheet: str | None = typer.Option(None, "--sheet", help=SHEET_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help=DRY_RUN_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Import interview notes (all or nothing; row-numbered errors). Importing the same notes again
    adds nothing."""
    from fieldwork_tui.services.evidence import import_interviews as run

    handle = open_handle(engagement)
    try:
        result = run(handle, file, sheet=sheet, dry_run=dry_run)
    finally:
        handle.close()
    if json_out:
        echo_json(result.to_json())
    else:
        echo_import(result)


@command(name="interviews")
def interviews_command(
    engagement: str = ENG,
    interview: int | None = typer.Argument(None, help="An interview id: show its statements."),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Interviews with whom (role and title), when and by whom; or one interview's statements."""
    from fieldwork_tui.services import evidence as interviews

    handle = open_handle(engagement)
    try:
        if interview is None:
            rows = interviews.list_interviews(handle)
            if json_out:
                echo_json([{"id": r.id, "held_on": r.held_on, "person": r.person.name, "role": r.person.role,
                            "title": r.person.title, "interviewer": r.interviewer, "topic": r.topic,
                            "statements": r.statements, "red_flags": r.red_flags} for r in rows])
                return
            for r in rows:
                flag = f"  {r.red_flags} contradicted" if r.red_flags else ""
                typer.echo(printable(f"#{r.id:<4} {r.held_on}  {r.person.label}  by {r.interviewer}  "
                                     f"{r.statements} statement(s){flag}" + (f"  — {r.topic}" if r.topic else "")))
            if not rows:
                typer.echo("no interviews yet")
            return
        d = interviews.interview_detail(handle, interview)
    finally:
        handle.close()
    if json_out:
        echo_json({"id": d.id, "held_on": d.held_on.isoformat(), "person": d.person.name, "role": d.person.role,
                   "title": d.person.title, "interviewer": d.interviewer, "topic": d.topic,
                   "statements": [{"id": s.id, "text": s.text, "controls": list(s.controls),
                                   "corroboration": s.corroboration, "evidence_id": s.evidence_id,
                                   "evidence_name": s.evidence_name, "note": s.note,
                                   "contradiction": s.contradiction.value if s.contradiction else None,
                                   "red_flag": s.red_flag, "described": s.describe()} for s in d.statements]})
        return
    typer.echo(printable(f"Interview #{d.id}: {d.person.label}, {d.held_on.isoformat()}, by {d.interviewer}"
                         + (f" — {d.topic}" if d.topic else "")))
    for s in d.statements:
        if not s.text:
            continue
        refs = " ".join(s.controls) or "no control"
        typer.echo(printable(f"  #{s.id} [{refs}] {s.text}"))
        typer.echo(printable(f"      {s.describe()}"))


# -- the plan -------------------------------------------------------------------------------------------
@command(plan_app, name="show")
def plan_show(
    engagement: str = ENG,
    control: str | None = typer.Option(None, "--control", help="Only this control."),
    missing: bool = typer.Option(False, "--missing", help="Only controls with a planned role not yet interviewed."),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Planned against held, per control, per role and per person, and who to book next."""
    from fieldwork_tui.services.evidence import engagement_plan

    handle = open_handle(engagement)
    try:
        view = engagement_plan(handle)
    finally:
        handle.close()
    rows = [c for c in view.controls if (control is None or c.ref.upper() == control.strip().upper())
            and (not missing or c.missing)]
    if control is not None and not rows and not missing:
        from fieldwork_tui.services.errors import NotFound

        raise NotFound(f"control {control.strip()!r} not found")
    if json_out:
        data = view.to_json()
        data["controls"] = [c.to_json() for c in rows]
        echo_json(data)
        return
    typer.echo(f"interview plan ({view.source}): {sum(1 for c in view.controls if c.missing)} of "
               f"{len(view.controls)} controls miss a planned role")
    for c in rows:
        state = "missing " + ", ".join(c.missing) if c.missing else "complete"
        adj = f"  (set by hand: {c.adjust_reason})" if c.adjusted else ""
        typer.echo(printable(f"{c.ref:<8} planned {', '.join(c.planned) or '-'}; held {', '.join(c.held) or '-'}; "
                             f"{state}{' [blocking]' if c.blocking else ''}{adj}"))
    if control is None:
        typer.echo("book next:")
        for b in view.book_next:
            who = ", ".join(b.candidates) or "nobody of this role on file"
            typer.echo(printable(f"  {b.role:<20} {len(b.controls)} control(s): {' '.join(b.controls)} — {who}"))
        if view.no_role:
            typer.echo(printable(f"interviewed without a role (count for no role): {', '.join(view.no_role)}"))


@command(plan_app, name="set")
def plan_set(
    engagement: str = ENG,
    control: str = typer.Argument(..., help="Control ref."),
    roles: list[str] = typer.Argument(..., help="Roles to interview (engineering, hr, it_administration, "
                                                "security_operations, finance, executive, other)."),
    reason: str = typer.Option("", "--reason", help="Why this control differs from the firm's plan (required)."),
) -> None:
    """Set the roles to interview for one control instead of the table's proposal."""
    from fieldwork_tui.services.evidence import set_control_roles

    handle = open_handle(engagement)
    try:
        c = set_control_roles(handle, control, roles, reason)
    finally:
        handle.close()
    typer.echo(f"{c.ref}: planned {', '.join(c.planned) or 'no interview'}"
               + (f"; missing {', '.join(c.missing)}" if c.missing else ""))


@command(plan_app, name="reset")
def plan_reset(engagement: str = ENG, control: str = typer.Argument(..., help="Control ref.")) -> None:
    """Go back to the roles the firm's table proposes for one control."""
    from fieldwork_tui.services.evidence import set_control_roles

    handle = open_handle(engagement)
    try:
        c = set_control_roles(handle, control, None)
    finally:
        handle.close()
    typer.echo(f"{c.ref}: planned {', '.join(c.planned) or 'no interview'} (the firm's table)")


@command(plan_app, name="table")
def plan_table_command(
    path: bool = typer.Option(False, "--path", help="Only print where a firm's own table goes."),
) -> None:
    """Print the plan table in use (a firm's copy in the config dir replaces the shipped one)."""
    from fieldwork_tui.services.evidence import firm_table_path, plan_table, table_source

    if path:
        typer.echo(str(firm_table_path()))
        return
    plan_table()  # refuse a broken firm table here too
    source, text = table_source()
    typer.echo(f"# in use: {source}; a firm's own copy goes to {firm_table_path()}")
    typer.echo(text.rstrip("\n"))


# -- people ----------------------------------------------------------------------------------------------
@command(people_app, name="list")
def people_list(engagement: str = ENG, json_out: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Client personnel with role and title."""
    from fieldwork_tui.services.evidence import interviewees

    handle = open_handle(engagement)
    try:
        people = interviewees(handle)
    finally:
        handle.close()
    if json_out:
        echo_json([{"name": p.name, "role": p.role, "title": p.title} for p in people])
        return
    for p in people:
        typer.echo(printable(p.label + ("" if p.role else "  — role not set")))


@command(people_app, name="set")
def people_set(
    engagement: str = ENG,
    name: str = typer.Argument(..., help="The person's name."),
    role: str = typer.Option(..., "--role", help="engineering, hr, it_administration, security_operations, finance, "
                                                  "executive or other."),
    title: str | None = typer.Option(None, "--title", help="Job title (free text)."),
) -> None:
    """Say what a person does (their role in the interview plan) and their title."""
    from fieldwork_tui.services.evidence import set_person_role

    handle = open_handle(engagement)
    try:
        p = set_person_role(handle, name, role, title)
    finally:
        handle.close()
    typer.echo(printable(p.label))


# -- coached answers ---------------------------------------------------------------------------------------
@command(coached_app, name="list")
def coached_list(
    engagement: str = ENG,
    control: str | None = typer.Option(None, "--control", help="Only this control."),
    open_only: bool = typer.Option(False, "--open", help="Only signals not dismissed."),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Possible coached answers with the texts side by side, and how each was reviewed."""
    from fieldwork_tui.services.evidence import coaching_signals

    handle = open_handle(engagement)
    try:
        signals = [s for s in coaching_signals(handle, control) if s.open or not open_only]
    finally:
        handle.close()
    if json_out:
        echo_json([s.to_json() for s in signals])
        return
    if not signals:
        typer.echo("no possible coached answers")
    for s in signals:
        state = {"dismissed": f"dismissed: {s.reason}", "kept": "kept" + (f": {s.reason}" if s.reason else "")}.get(
            s.decision or "", "not reviewed")
        typer.echo(printable(f"{s.key}  {s.control} {s.label} ({s.scores}) — {state}"))
        for x in s.statements:
            typer.echo(printable(f"    #{x.statement_id} {x.who}, {x.held_on}: {x.text}"))
        if s.description:
            typer.echo(printable(f"    control description: {s.description}"))


def _review(engagement: str, key: str, decision: str, reason: str) -> None:
    from fieldwork_tui.services.evidence import review_signal

    handle = open_handle(engagement)
    try:
        s = review_signal(handle, key, decision, reason)
    finally:
        handle.close()
    typer.echo(printable(f"{s.key}: {s.decision}" + (f" ({s.reason})" if s.reason else "")
                         + ("" if s.open else "; possible_coached_answer cleared for this pair")))


@command(coached_app, name="dismiss")
def coached_dismiss(
    engagement: str = ENG,
    key: str = typer.Argument(..., help="The signal's key, as `fieldwork coached list` prints it."),
    reason: str = typer.Option(..., "--reason", help="Why the answers are not coached."),
) -> None:
    """Dismiss a possible coached answer (with a reason); it comes back if a text changes."""
    _review(engagement, key, "dismissed", reason)


@command(coached_app, name="keep")
def coached_keep(
    engagement: str = ENG,
    key: str = typer.Argument(..., help="The signal's key, as `fieldwork coached list` prints it."),
    reason: str = typer.Option("", "--reason", help="A note for the reviewer."),
) -> None:
    """Keep a possible coached answer as a flag (reviewed, still shown)."""
    _review(engagement, key, "kept", reason)


# -- one statement ---------------------------------------------------------------------------------------------
def _evidence_id(handle, statement_id: int, evidence: int | None, file: Path | None) -> int | None:
    from fieldwork_tui.services.errors import InvalidInput
    from fieldwork_tui.services.evidence import attach_for_statement

    if evidence is not None and file is not None:
        raise InvalidInput("give --evidence or --file, not both")
    if file is not None:
        return attach_for_statement(handle, statement_id, file)
    return evidence


def _show(row) -> None:
    typer.echo(printable(f"statement #{row.id}: {row.describe()}"))


FILE = typer.Option(None, "--file", help="Attach this file to the statement's controls and use it.")
EVIDENCE = typer.Option(None, "--evidence", help="An evidence id already in the vault (`fieldwork status --json`).")


@command(statement_app, name="corroborate")
def statement_corroborate(
    engagement: str = ENG, statement: int = typer.Argument(..., help="Statement id (`fieldwork interviews ENG ID`)."),
    evidence: int | None = EVIDENCE, file: Path | None = FILE,
    note: str = typer.Option("", "--note", help="What the evidence shows."),
) -> None:
    """The statement is corroborated by an evidence file."""
    from fieldwork_tui.services.evidence import set_corroboration

    handle = open_handle(engagement)
    try:
        _show(set_corroboration(handle, statement, "corroborated", _evidence_id(handle, statement, evidence, file), note))
    finally:
        handle.close()


@command(statement_app, name="contradict")
def statement_contradict(
    engagement: str = ENG, statement: int = typer.Argument(..., help="Statement id."),
    evidence: int | None = EVIDENCE, file: Path | None = FILE,
    note: str = typer.Option(..., "--note", help="What the evidence shows instead."),
) -> None:
    """The statement is contradicted by an evidence file: a red flag until resolved or raised."""
    from fieldwork_tui.services.evidence import set_corroboration

    handle = open_handle(engagement)
    try:
        _show(set_corroboration(handle, statement, "contradicted", _evidence_id(handle, statement, evidence, file), note))
    finally:
        handle.close()


@command(statement_app, name="resolve")
def statement_resolve(
    engagement: str = ENG, statement: int = typer.Argument(..., help="Statement id."),
    evidence: int | None = EVIDENCE, file: Path | None = FILE,
    note: str = typer.Option(..., "--note", help="How the later evidence resolves the contradiction."),
) -> None:
    """Later evidence resolves a contradiction (a reason alone is not enough)."""
    from fieldwork_tui.services.evidence import resolve_contradiction

    handle = open_handle(engagement)
    try:
        _show(resolve_contradiction(handle, statement, _evidence_id(handle, statement, evidence, file), note))
    finally:
        handle.close()


@command(statement_app, name="exception")
def statement_exception(
    engagement: str = ENG, statement: int = typer.Argument(..., help="Statement id."),
    control: str | None = typer.Option(None, "--control", help="The control (when the statement names several)."),
    deviation: str | None = typer.Option(None, "--deviation", help="What happened (default: from the contradiction)."),
) -> None:
    """Raise an exception for a contradicted statement; the statement then names it."""
    from fieldwork_tui.services.evidence import get_statement, raise_statement_exception

    handle = open_handle(engagement)
    try:
        ex_id = raise_statement_exception(handle, statement, control, deviation=deviation)
        row = get_statement(handle, statement)
    finally:
        handle.close()
    typer.echo(f"exception #{ex_id} raised")
    _show(row)
