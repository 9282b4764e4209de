"""Sampling commands: import a population, and select, expand or verify a control's sample."""

from __future__ import annotations

from pathlib import Path

import typer

from fieldwork_tui.cli.common import command, echo_json, fail, import_app, open_handle


@command(import_app, name="population")
def import_population_command(
    engagement: str = typer.Argument(..., help="Engagement folder name or name prefix."),
    control: str = typer.Argument(..., help="Control ref, e.g. CM-01."),
    file: Path = typer.Argument(..., help="CSV or XLSX with one row per instance."),
    key: str | None = typer.Option(None, "--key", help="Column identifying each instance (default: the first)."),
    date: str | None = typer.Option(None, "--date", help="Column with the instance's date (stratifies the sample)."),
    expected_count: int | None = typer.Option(None, "--expected-count",
                                              help="Row count the client states (completeness check)."),
) -> None:
    """Import a control's population (all or nothing); prints its row count and SHA-256."""
    from fieldwork_tui.services.sampling import import_population

    handle = open_handle(engagement)
    try:
        result = import_population(handle, control, file, key=key, date=date, expected_count=expected_count)
    finally:
        handle.close()
    typer.echo(result.describe())
    typer.echo(f"sha256 {result.sha256}")


@command(name="sample")
def sample(
    engagement: str = typer.Argument(..., help="Engagement folder name or name prefix."),
    control: str = typer.Argument(..., help="Control ref, e.g. CM-01."),
    size: int | None = typer.Option(None, "--size", help="Sample size instead of the policy's (needs --reason); "
                                    "with --expand, the total after expansion."),
    reason: str = typer.Option("", "--reason", help="Why the size differs from the policy."),
    expand: bool = typer.Option(False, "--expand", help="Expand the sample after a deviation (e.g. 25 -> 40)."),
    verify: bool = typer.Option(False, "--verify", help="Re-derive the selection from the stored population; "
                                "exit 1 on any difference."),
    as_json: bool = typer.Option(False, "--json", help="Print the sample as JSON."),
) -> None:
    """Select a control's sample from its population (re-performable: the seed derives from the data)."""
    from fieldwork_tui.services import sampling

    handle = open_handle(engagement)
    try:
        if verify:
            report = sampling.verify_sample(handle, control)
            if as_json:
                echo_json({"control": report.ref, "ok": report.ok, "checks": report.checks,
                           "problems": report.problems})
            else:
                for line in report.checks:
                    typer.echo(f"ok       {line}")
                for line in report.problems:
                    typer.echo(f"DIFFERS  {line}", err=True)
            if not report.ok:
                fail(f"{report.ref}: the stored sample does NOT re-derive ({len(report.problems)} difference(s))")
            if not as_json:
                typer.echo(f"{report.ref}: verified — the same items re-derive from the stored population")
            return
        if expand:
            view = sampling.expand(handle, control, size, reason)
        else:
            view = sampling.take_sample(handle, control, size, reason)
        if as_json:
            echo_json(sampling.sample_json(view))
            return
        init = view.initial
        typer.echo(f"{view.plan.ref}: {view.size} items ({view.plan.describe()})")
        typer.echo(f"seed {init.seed}\npopulation sha256 {init.population_sha256}\nmethod {init.method}")
        for item in view.items:
            when = item.occurred_on.isoformat() if item.occurred_on else ""
            typer.echo(f"  {item.key}\t{when}\t{item.result.value}")
    finally:
        handle.close()
