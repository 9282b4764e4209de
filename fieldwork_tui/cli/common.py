"""What every command shares: the fieldwork home, opening an engagement, one-line errors."""

from __future__ import annotations

import functools
import os
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
        from fieldwork_tui.services.errors import FieldworkError

        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except FieldworkError as exc:
            fail(_one_line(exc))
        except KeyboardInterrupt:
            fail("interrupted; nothing was half-written", 130)
        except Exception as exc:  # noqa: BLE001 - last line of defence for the user
            if os.environ.get("FIELDWORK_DEBUG"):
                raise
            fail(describe_unexpected(exc))

    return wrapper


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
    from fieldwork_tui.services.engagements import open_engagement

    return open_engagement(state.home, engagement)


def echo_json(data: Any) -> None:
    import json

    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
