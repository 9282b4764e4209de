"""What every command shares: the fieldwork home, opening an engagement, one-line errors."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(
    name="fieldwork",
    help="Offline SOC 2 fieldwork: evidence by technique, sampling, requests, verifiable workpaper bundles.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
import_app = typer.Typer(help="Import a control matrix, a request list or a population (CSV or XLSX).",
                         no_args_is_help=True, rich_markup_mode=None)
app.add_typer(import_app, name="import")


#: The option a command that changes one record takes for a script that read the record first.
IF_VERSION_HELP = ("Refuse (nothing saved) if the record changed since the version you read (its \"version\" in "
                   "--json), naming who changed it and when.")


class State:
    home: Path | None = None


state = State()


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"fieldwork: {message}", err=True)
    raise typer.Exit(code)


_CONTROL_CHARS = ({c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]}
                  | {c: f"\\u{c:04x}" for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]}  # bidi overrides
                  | {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"})


def printable(text: str) -> str:
    """Escape control characters (a newline or a terminal escape in a file name or a cell) so a
    message stays one line and cannot drive the user's terminal."""
    return text.translate(_CONTROL_CHARS)


def _one_line(exc: BaseException) -> str:
    from fieldwork_tui.services.errors import FieldworkError

    if isinstance(exc, FieldworkError):  # one line by contract; any newline comes from user data
        return printable(str(exc).strip()) or exc.__class__.__name__
    text = str(exc).strip().splitlines()
    return printable(text[0]) if text else exc.__class__.__name__


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every error into one line on stderr and a non-zero exit; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from fieldwork_tui.services.engagements import waiting_for_lock
        from fieldwork_tui.services.errors import FieldworkError

        try:
            with waiting_for_lock(_WaitNotice()):
                return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except BrokenPipeError:  # the reader went away (`fieldwork status | head -1`): stop quietly
            quiet_stdout()
            raise typer.Exit(0) from None
        except FieldworkError as exc:
            fail(_one_line(exc))
        except KeyboardInterrupt:
            fail("interrupted; nothing was half-written", 130)
        except Exception as exc:  # noqa: BLE001 - last line of defence for the user
            if os.environ.get("FIELDWORK_DEBUG"):
                raise
            fail(describe_unexpected(exc))

    return wrapper


class _WaitNotice:
    """A write of this command waits for another process's write lock: say so on stderr at once, then
    once a minute (the write goes ahead the moment the lock is free; ctrl-c stops it, nothing saved)."""

    def __init__(self) -> None:
        self.minutes = -1

    def __call__(self, wait) -> bool:
        from fieldwork_tui.services.engagements import describe_wait

        if int(wait.waited // 60) != self.minutes:
            self.minutes = int(wait.waited // 60)
            typer.echo(f"fieldwork: {printable(wait.slug)}: another fieldwork process is writing; waiting for it "
                       f"({describe_wait(wait.waited)} so far; ctrl-c stops, nothing is saved then)", err=True)
        return True


def quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush into a closed pipe stays silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def describe_unexpected(exc: BaseException) -> str:
    text = _one_line(exc)
    if "database is locked" in text:
        return "the engagement is busy (another fieldwork process is writing); try again in a moment"
    if isinstance(exc, MemoryError):
        return "not enough memory to finish (nothing was saved)"
    if "database or disk is full" in text:
        return "disk full (nothing was saved)"
    if isinstance(exc, OSError) and exc.errno == 28:
        return f"disk full: {exc.filename or ''} (nothing was half-written)".replace(":  (", " (")
    if isinstance(exc, OSError):
        return printable(f"{exc.filename}: {exc.strerror}") if exc.filename else text
    return f"unexpected error: {exc.__class__.__name__}: {text}"


def command(target: typer.Typer = app, name: str | None = None, **kw: Any):
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        return target.command(name, **kw)(handle_errors(fn))

    return deco


def open_handle(engagement: str):
    """The engagement an ENGAGEMENT argument names: a local slug or prefix, a postgresql:// address or
    SERVER/ENG (services/team/address.py): one address form for every command."""
    from fieldwork_tui.services.team import open_any

    return open_any(state.home, engagement)


def echo_json(data: Any) -> None:
    import json

    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


#: The options every import command shares (one flag, one mechanism: services.imports).
DRY_RUN_HELP = "Read and check the whole file, print the column mapping and the changes; write nothing."
SHEET_HELP = "The workbook sheet to read (default: the first visible sheet holding the header)."


def echo_import(result: Any) -> None:
    """An import's summary, column mapping, changes and notes (or its dry-run plan), one line each."""
    for line in result.lines():
        typer.echo(printable(line))
PROFILE_HELP = "A saved mapping profile (import-profiles/NAME.toml in the config folder) to read the columns by."
MAP_HELP = "HEADER=FIELD: map a column to a field (HEADER= keeps it as an extra field); repeatable, over the profile."
SAVE_PROFILE_HELP = "Save the column mapping this import used as a profile NAME (for --profile NAME)."


def save_import_profile(name: str | None, result: Any, sheet: str | None) -> None:
    if not name:
        return
    from fieldwork_tui.services.imports import save_plan_profile

    path = save_plan_profile(name, result.plan, sheet)
    typer.echo(printable(f"mapping saved as profile {name!r} ({path})"))
