"""Attribute testing from the shell: test steps, the matrix, the extract record that gates rules,
proposals and confirmation, single tests, and the testing workbook round trip."""

from __future__ import annotations

from pathlib import Path

import typer

from fieldwork_tui.cli.common import (
    DRY_RUN_HELP,
    app,
    command,
    echo_import,
    echo_json,
    fail,
    import_app,
    open_handle,
    printable,
)

testing_app = typer.Typer(help="Attribute testing: test steps, the testing matrix, rules, single tests.",
                          no_args_is_help=True, rich_markup_mode=None)
app.add_typer(testing_app, name="testing")

ENGAGEMENT = typer.Argument(..., help="Engagement folder name or name prefix.")
CONTROL = typer.Argument(..., help="Control ref, e.g. CM-01.")


def _attribute_option(text: str, index: int):
    """`--attribute "A: description | deviation wording | rule"` (the letter and the later parts optional)."""
    import re

    from fieldwork_tui.domain.attributes import AttributeSpec, letter

    parts = [p.strip() for p in text.split("|")]
    m = re.match(r"^([A-Za-z])\s*(?:[—–:]|[.)-](?=\s))\s*(.+)$", parts[0])
    lt, description = (m.group(1).upper(), m.group(2).strip()) if m else (letter(index), parts[0])
    return AttributeSpec(lt, description, parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else "")


def _steps_json(view) -> dict:
    return {"control": view.ref, "objective": view.objective, "source": view.source,
            "attributes": [{"letter": a.letter, "description": a.description, "deviation": a.deviation,
                            "rule": a.rule} for a in view.attributes]}


def _echo_steps(view) -> None:
    typer.echo(printable(f"{view.ref}: {view.objective or '(no test objective)'}"
                         + (f"  [{view.source}]" if view.source else "")))
    if not view.attributes:
        typer.echo("  no test attributes")
    for a in view.attributes:
        line = f"  {a.letter} — {a.description}"
        if a.deviation:
            line += f"  · deviation: {a.deviation}"
        if a.rule:
            line += f"  · rule: {a.rule}"
        typer.echo(printable(line))


@command(testing_app, name="steps")
def steps(
    engagement: str = ENGAGEMENT,
    control: str = CONTROL,
    objective: str | None = typer.Option(None, "--objective", help="The test objective."),
    attribute: list[str] = typer.Option([], "--attribute", help='An attribute, in order: "A description | deviation '
                                        'wording | rule" (repeat; replaces the attributes).'),
    from_text: Path | None = typer.Option(None, "--from-text", help="A text file, one attribute per line "
                                          "(as a control matrix's Test procedures column)."),
    library: bool = typer.Option(False, "--library", help="Take the firm library's steps for the control."),
    entry: str | None = typer.Option(None, "--entry", help="With --library: the library entry to use."),
    drop_results: bool = typer.Option(False, "--drop-results", help="Allow removing attributes that hold results."),
    as_json: bool = typer.Option(False, "--json", help="Print the steps as JSON."),
    as_text: bool = typer.Option(False, "--as-text", help="Print the steps as a control matrix's Test procedures "
                                 "cell (one attribute per line; --from-text reads it back)."),
) -> None:
    """Show or set a control's test objective and attributes."""
    from fieldwork_tui.services import sampling

    handle = open_handle(engagement)
    try:
        chosen = sum(bool(x) for x in (attribute, from_text, library))
        if chosen > 1:
            fail("--attribute, --from-text and --library: choose one")
        if library:
            view = sampling.steps_from_library(handle, control, entry)
        elif from_text is not None:
            try:
                text = from_text.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                fail(printable(f"{from_text}: cannot read ({exc.__class__.__name__})"))
            view = sampling.set_steps_from_text(handle, control, text, objective=objective or "", source="manual")
        elif attribute:
            specs = [_attribute_option(t, i) for i, t in enumerate(attribute)]
            current = sampling.get_steps(handle, control)
            view = sampling.set_steps(handle, control, current.objective if objective is None else objective, specs,
                                drop_results=drop_results)
        elif objective is not None:
            current = sampling.get_steps(handle, control)
            view = sampling.set_steps(handle, control, objective, current.spec().attributes)
        else:
            view = sampling.get_steps(handle, control)
        if as_json:
            echo_json(_steps_json(view))
        elif as_text:
            from fieldwork_tui.domain.attributes import steps_text

            for line in steps_text(view.spec()).split("\n"):
                typer.echo(printable(line))
        else:
            _echo_steps(view)
    finally:
        handle.close()


@command(testing_app, name="apply-library")
def apply_library(engagement: str = ENGAGEMENT) -> None:
    """Give every control without test steps the firm library's steps that fit it."""
    from fieldwork_tui.services import sampling

    handle = open_handle(engagement)
    try:
        done = sampling.apply_library(handle)
    finally:
        handle.close()
    for ref, entry_id in done:
        typer.echo(printable(f"{ref}: {entry_id}"))
    typer.echo(f"{len(done)} control(s) took the library's steps")


@command(testing_app, name="library")
def show_library(as_json: bool = typer.Option(False, "--json", help="Print the library as JSON.")) -> None:
    """The firm library of default test steps (shipped, plus test_steps.toml in the config dir)."""
    from fieldwork_tui.services import sampling

    lib = sampling.library()
    if as_json:
        echo_json([{"id": e.id, "name": e.name, "match": list(e.match), "criteria": list(e.criteria),
                    "objective": e.steps.objective,
                    "attributes": [{"letter": a.letter, "description": a.description, "deviation": a.deviation,
                                    "rule": a.rule} for a in e.steps.attributes]} for e in lib.values()])
        return
    for e in lib.values():
        typer.echo(printable(f"{e.id}: {e.name} — {len(e.steps.attributes)} attributes "
                             f"(matches {', '.join(e.match) or '—'}; {', '.join(e.criteria) or 'no criteria'})"))


def _matrix_json(view) -> dict:
    letters = view.steps.letters()
    return {
        "control": view.ref,
        "approach": view.approach.kind,
        "objective": view.steps.objective,
        "attributes": [{"letter": a.letter, "description": a.description, "rule": a.rule,
                        "rule_problem": view.rule_problems.get(a.letter)} for a in view.steps.attributes],
        "population_sha256": view.population_sha256 or None,
        "extract": {"source_system": view.extract.source_system, "query": view.extract.query,
                    "client_count": view.extract.client_count, "rows": view.extract.rows,
                    "complete": view.rules_offered, "missing": view.ipe_gaps},
        "counts": {"items": view.counts.items, "tested": view.counts.tested, "deviations": view.counts.deviations,
                   "passed": view.counts.passed, "not_applicable": view.counts.not_applicable,
                   "proposed": view.counts.proposed, "by_attribute": dict(view.counts.by_attribute)},
        "wordings": [{"attribute": w.letter, "deviations": w.deviations, "text": w.text} for w in view.wordings],
        "items": [{"key": it.key, "date": it.date or None, "sample": it.kind, "result": it.result.value,
                   "cells": {lt: {"result": c.result.value, "proposed": c.proposed, "note": c.note,
                                  "evidence_id": c.evidence_id, "seen_in_extract": c.seen_in_extract,
                                  "reason": c.reason} for lt, c in zip(letters, it.cells, strict=True)}}
                  for it in view.items],
    }


@command(testing_app, name="show")
def show(engagement: str = ENGAGEMENT, control: str = CONTROL,
         as_json: bool = typer.Option(False, "--json", help="Print the matrix as JSON.")) -> None:
    """The testing matrix: items × attributes with tickmarks, the counts and each attribute's wording."""
    from fieldwork_tui.domain.attributes import LEGEND, tickmark
    from fieldwork_tui.services import sampling

    handle = open_handle(engagement)
    try:
        view = sampling.matrix(handle, control)
    finally:
        handle.close()
    if as_json:
        echo_json(_matrix_json(view))
        return
    _echo_steps(view.steps)
    if view.approach.kind != "sample":
        typer.echo(view.approach.explanation)
    if not view.items:
        typer.echo("no sample yet")
        return
    letters = view.steps.letters()
    typer.echo(f"{'item':<18}{'date':<12}" + "".join(f"{lt:^5}" for lt in letters) + "  result")
    for it in view.items:
        marks = "".join(f"{tickmark(c):^5}" for c in it.cells)
        typer.echo(printable(f"{it.key:<18}{it.date:<12}{marks}  {it.result.value}"))
    c = view.counts
    typer.echo(f"{c.tested} of {c.items} items tested · {c.deviations} with a deviation · {c.proposed} proposed cells "
               f"awaiting confirmation")
    for w in view.wordings:
        typer.echo(printable(f"{w.letter}: {w.text}"))
    typer.echo("legend: " + " · ".join(f"{m} {meaning}" for m, meaning in LEGEND))


@command(testing_app, name="extract")
def extract(
    engagement: str = ENGAGEMENT,
    control: str = CONTROL,
    source_system: str = typer.Option(..., "--source-system", help="The system the client extracted it from."),
    query: str = typer.Option(..., "--query", help="The query, report or parameters the client used."),
    client_count: int | None = typer.Option(None, "--client-count", help="The count the client stated."),
    note: str = typer.Option("", "--note", help="How the count was reconciled."),
) -> None:
    """Record the population's completeness and accuracy work (rules read the extract only after it)."""
    from fieldwork_tui.domain.attributes import ipe_message
    from fieldwork_tui.services import sampling

    handle = open_handle(engagement)
    try:
        rec = sampling.record_extract(handle, control, source_system=source_system, query=query, client_count=client_count,
                                note=note)
    finally:
        handle.close()
    typer.echo(printable(f"{control.upper()}: {ipe_message(rec)}"))


@command(testing_app, name="propose")
def propose(engagement: str = ENGAGEMENT, control: str = CONTROL) -> None:
    """Let the attributes' rules propose each sampled item's cells from its population columns."""
    from fieldwork_tui.services import sampling

    handle = open_handle(engagement)
    try:
        summary = sampling.propose(handle, control)
    finally:
        handle.close()
    for lt, (ok, dev, undecided) in summary.proposed.items():
        typer.echo(f"{lt}: proposed {ok} pass, {dev} deviation; {undecided} undecided (left for a person)")
    for lt, why in summary.skipped.items():
        typer.echo(printable(f"{lt}: rule not run — {why}"))
    typer.echo(f"{summary.kept} confirmed cells left as they were; confirm with: fieldwork testing confirm "
               f"{engagement} {summary.ref}")


@command(testing_app, name="confirm")
def confirm(engagement: str = ENGAGEMENT, control: str = CONTROL,
            attribute: str | None = typer.Option(None, "--attribute", help="Only this attribute's proposals."),
            item: list[str] = typer.Option([], "--item", help="Only these items (keys; repeat).")) -> None:
    """Confirm the rules' proposals (nothing counts as tested until a person confirms it)."""
    from fieldwork_tui.services import sampling

    handle = open_handle(engagement)
    try:
        ids = None
        if item:
            view = sampling.matrix(handle, control)
            by_key = {it.key: it.item_id for it in view.items}
            missing = [k for k in item if k not in by_key]
            if missing:
                fail(printable(f"--item {missing[0]!r}: not in the sample of {view.ref}"))
            ids = [by_key[k] for k in item]
        n = sampling.confirm(handle, control, attribute, ids)
    finally:
        handle.close()
    typer.echo(f"{n} proposed cells confirmed")


@command(testing_app, name="set")
def set_cell(
    engagement: str = ENGAGEMENT,
    control: str = CONTROL,
    item: str = typer.Argument(..., help="The item's key (as in the population)."),
    attribute: str = typer.Argument(..., help="The attribute letter, or 'all' to pass the whole row."),
    result: str = typer.Argument(..., help="pass, deviation, n/a or untested."),
    note: str | None = typer.Option(None, "--note", help="What was inspected or found."),
    evidence: int | None = typer.Option(None, "--evidence", help="Evidence file id (linked to the control)."),
    seen_in_extract: bool = typer.Option(False, "--seen-in-extract",
                                         help="The pass was seen in the population extract."),
) -> None:
    """Record one cell of the matrix (or pass a whole row with ATTRIBUTE 'all')."""
    from fieldwork_tui.services import sampling

    handle = open_handle(engagement)
    try:
        view = sampling.matrix(handle, control)
        match = next((it for it in view.items if it.key == item), None)
        if match is None:
            fail(printable(f"item {item!r}: not in the sample of {view.ref}"))
        if attribute.lower() == "all":
            if result.lower() not in ("pass", "passed"):
                fail("ATTRIBUTE 'all' passes a whole row: RESULT must be pass")
            done = sampling.pass_row(handle, match.item_id, seen_in_extract=seen_in_extract)
        else:
            kwargs = {"evidence_id": evidence} if evidence is not None else {}
            done = sampling.set_cell(handle, match.item_id, attribute, result, note=note,
                               seen_in_extract=True if seen_in_extract else None, **kwargs)
    finally:
        handle.close()
    typer.echo(printable(f"{view.ref} {done.key}: {done.result.value}"))


@command(testing_app, name="exceptions")
def exceptions(engagement: str = ENGAGEMENT, control: str = CONTROL) -> None:
    """Record an exception for every confirmed deviating cell that has none, worded from its attribute."""
    from fieldwork_tui.services import findings, sampling

    handle = open_handle(engagement)
    try:
        ids = sampling.raise_exceptions(handle, control)
        recorded = [e for e in findings.list_exceptions(handle, control=control) if e.id in ids]
    finally:
        handle.close()
    for e in recorded:
        typer.echo(printable(f"exception #{e.id} {e.instance}: {e.report_wording}"))
    typer.echo(f"{len(ids)} exception(s) recorded")


@command(testing_app, name="run-rules")
def run_rules(engagement: str = ENGAGEMENT, control: str = CONTROL,
              attribute: list[str] = typer.Option([], "--attribute", help="Only these attributes (repeat)."),
              as_json: bool = typer.Option(False, "--json", help="Print the runs as JSON.")) -> None:
    """Run attributes' rules over the whole population: recorded as a re-performance with its differences."""
    from fieldwork_tui.services import sampling

    handle = open_handle(engagement)
    try:
        runs = sampling.run_over_population(handle, control, attribute or None)
    finally:
        handle.close()
    if as_json:
        echo_json([{"reperformance_id": r.reperformance_id, "attribute": r.letter, "rule": r.rule, "rows": r.rows,
                    "met": r.met, "not_met": r.not_met, "undecided": r.undecided} for r in runs])
        return
    for r in runs:
        typer.echo(printable(f"{r.letter}: {r.rule} — {r.met} of {r.rows} rows meet it, {r.not_met} do not, "
                             f"{r.undecided} undecided (re-performance #{r.reperformance_id})"))
    open_ = sum(r.not_met + r.undecided for r in runs)
    if open_:  # the same decision as a comparison's differences (fieldwork differences)
        typer.echo(f"{open_} difference(s) need a disposition: fieldwork differences resolve {engagement} "
                   f"{control.upper()} ID --as exception|explained|not-deviation --reason TEXT "
                   f"(or --all-open rule)")


@command(testing_app, name="single")
def single(
    engagement: str = ENGAGEMENT,
    control: str = CONTROL,
    instance: str | None = typer.Option(None, "--instance", help="The instance walked through / system tested."),
    date: str | None = typer.Option(None, "--date", help="When it was performed (YYYY-MM-DD)."),
    description: str = typer.Option("", "--description", help="What was done and seen."),
    result: str = typer.Option("untested", "--result", help="pass, deviation, n/a or untested."),
    configuration: str = typer.Option("", "--configuration", help="Automated: the configuration inspected."),
    itgc: list[str] = typer.Option([], "--itgc", help="Automated: an IT general control relied on (repeat)."),
    itgc_basis: str = typer.Option("", "--itgc-basis", help="Automated: why the ITGCs can be relied on."),
    evidence: list[int] = typer.Option([], "--evidence", help="Evidence file id (repeat)."),
    as_json: bool = typer.Option(False, "--json", help="Print it as JSON."),
) -> None:
    """Show or record the Type I walkthrough or the automated control's test of one."""
    from fieldwork_tui.services import sampling

    handle = open_handle(engagement)
    try:
        if instance is None and date is None:
            view = sampling.single_test(handle, control)
        else:
            view = sampling.record_single_test(handle, control, instance=instance or "", performed_on=date or "",
                                         description=description, result=result, configuration=configuration,
                                         itgc_refs=itgc, itgc_basis=itgc_basis, evidence_ids=evidence)
    finally:
        handle.close()
    t = view.test
    if as_json:
        echo_json({"control": view.ref, "approach": view.approach.kind, "explanation": view.approach.explanation,
                   "test": None if t is None else {
                       "kind": t.kind, "instance": t.instance, "date": t.performed_on, "description": t.description,
                       "configuration": t.configuration, "itgc": list(t.itgc_refs), "itgc_basis": t.itgc_basis,
                       "evidence": list(t.evidence_ids), "result": t.result.value},
                   "missing": list(view.problems)})
        return
    typer.echo(printable(f"{view.ref}: {view.approach.explanation}"))
    if t is None:
        typer.echo("nothing recorded yet")
        return
    typer.echo(printable(f"{t.kind.replace('_', ' ')} of {t.instance} on {t.performed_on}: {t.result.value}"))
    for p in view.problems:
        typer.echo(printable(f"  still needed: {p}"))


@command(name="export-testing")
def export_testing(
    engagement: str = ENGAGEMENT,
    control: str = CONTROL,
    output: Path = typer.Option(..., "-o", "--output", help="The workbook to write (.xlsx)."),
) -> None:
    """Write a control's testing matrix as a workbook to fill in at the client site."""
    from fieldwork_tui.services.sampling import export_testing as run

    handle = open_handle(engagement)
    try:
        result = run(handle, control, output)
    finally:
        handle.close()
    typer.echo(printable(result.describe()))


@command(import_app, name="testing")
def import_testing(
    engagement: str = ENGAGEMENT,
    control: str = CONTROL,
    file: Path = typer.Argument(..., help="The filled-in testing workbook (.xlsx)."),
    dry_run: bool = typer.Option(False, "--dry-run", help=DRY_RUN_HELP),
) -> None:
    """Import a filled-in testing workbook (all or nothing; a bad value is named by its cell)."""
    from fieldwork_tui.services.sampling import import_testing as run

    handle = open_handle(engagement)
    try:
        result = run(handle, control, file, dry_run=dry_run)
    finally:
        handle.close()
    echo_import(result)
