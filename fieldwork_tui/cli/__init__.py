"""The `fieldwork` command line (typer). Heavy modules (sqlmodel, alembic, textual) are imported
inside the commands so `fieldwork --help` stays fast."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import typer

from fieldwork_tui.cli.common import app, handle_errors, quiet_stdout, state

# Each area module registers its commands on import, in the order `fieldwork --help` lists them:
# the order of the work.
for _area in (
    "engagements", "evidence", "interviews", "sampling", "testing", "requests", "review", "bundle", "maintenance",
    "team", "keys",
):
    importlib.import_module(f"fieldwork_tui.cli.{_area}")


def _version(value: bool) -> None:
    if value:
        from fieldwork_tui import __version__

        typer.echo(f"fieldwork-tui {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
@handle_errors
def root(
    ctx: typer.Context,
    home: Path | None = typer.Option(None, "--home", envvar="FIELDWORK_HOME",
                                     help="Folder holding engagement folders (default: the user data dir)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Open the app (engagement picker) when no command is given."""
    state.home = home
    if ctx.invoked_subcommand is None:
        from fieldwork_tui.cli.engagements import launch_tui

        launch_tui(None)


def main() -> None:
    """Run the command line. A reader that goes away (`fieldwork status demo | head -1`) costs no
    message and no failure, as with Unix tools: the buffered rest of the output is dropped quietly."""
    code: int | str | None = 0
    try:
        app(prog_name="fieldwork")
    except SystemExit as exc:
        code = exc.code
    except BrokenPipeError:
        quiet_stdout()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_stdout()
    raise SystemExit(code)


__all__ = ["app", "main"]
