"""One way to run work off the UI thread, with ONE error handler.

Everything that touches the database or the file system from the TUI — loading a screen, saving a
form, importing, attaching, exporting, filtering a large list — goes through `run()`:

* the work runs in a thread worker, so the UI never freezes (a write that waits for another
  process's lock waits in the thread, not in the event loop);
* a write that timed out on the engagement's lock (`EngagementBusy`) is retried, not dropped: the
  caller is told it waits (`on_wait`), and what the auditor typed stays where it was;
* the result reaches the UI thread only if the worker was not cancelled (a newer query replaced it)
  and the widget that asked is still on screen;
* any error ends in `report()`: a user error becomes a one-line notification (or the caller shows it
  inline, e.g. a form's error line), an `OSError` names its file, anything unexpected becomes an
  "unexpected error" notification and a log entry — never a crash of the app.

Tests synchronise on `await app.workers.wait_for_complete()`: a worker is complete only once its
result has been delivered on the UI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.worker import Worker, get_current_worker

from fieldwork_tui.tui.kit.safe_text import visible

T = TypeVar("T")
log = logging.getLogger("fieldwork_tui.tui")

#: How many times a write that timed out on the lock is tried again before the caller is told it
#: did not happen. Each attempt already waits SQLite's busy timeout, so this is minutes, not a spin.
BUSY_ATTEMPTS = 20


def _busy_error() -> type[BaseException]:
    from fieldwork_tui.services.errors import EngagementBusy

    return EngagementBusy


def describe_error(exc: BaseException) -> tuple[str, str]:
    """(title, one-line message) for an error, the way every screen words it."""
    from fieldwork_tui.services.errors import FieldworkError

    if isinstance(exc, FieldworkError):
        return "Not done", visible(str(exc))
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return "Not done", visible(f"{where}{exc.strerror or exc}")
    return "Unexpected error", visible(f"unexpected error: {type(exc).__name__}: {exc}")


def report(node: DOMNode, exc: BaseException) -> None:
    """THE error handler of the TUI: a notification, never a crash."""
    from fieldwork_tui.services.errors import FieldworkError

    title, message = describe_error(exc)
    if not isinstance(exc, FieldworkError | OSError):
        log.error("unexpected error in the TUI", exc_info=exc)
    try:
        node.app.notify(message, title=title, severity="error", timeout=10, markup=False)
    except Exception:  # noqa: BLE001 - the app is closing: nothing left to show it on
        log.error("could not show an error: %s", message)


def run(
    node: DOMNode,
    work: Callable[[], T],
    *,
    done: Callable[[T], Any] | None = None,
    failed: Callable[[BaseException], bool | None] | None = None,
    on_wait: Callable[[int], Any] | None = None,
    retry_busy: bool | Callable[[], bool] = True,
    group: str = "default",
    exclusive: bool = False,
    description: str = "",
) -> Worker[None]:
    """Run `work()` in a thread worker owned by `node`.

    `done(result)` runs on the UI thread when it succeeded; `failed(exc)` when it raised — return True
    from it when the caller showed the error itself, otherwise `report()` shows it. `on_wait(attempt)`
    runs on the UI thread each time a write timed out on the lock and is about to be tried again;
    `retry_busy` (or a callable asked before each retry) says whether to try again. `exclusive`
    cancels the group's earlier workers: their results are dropped.
    """
    app = node.app
    busy_error = _busy_error()

    def keep_trying() -> bool:
        return retry_busy() if callable(retry_busy) else bool(retry_busy)

    def deliver(worker: Worker, ok: bool, value: Any) -> None:
        if worker.is_cancelled or not node.is_attached:
            return  # replaced by a newer request, or the screen is gone: nothing to show it on
        try:
            if ok:
                if done is not None:
                    done(value)
            elif failed is None or not failed(value):
                report(node, value)
        except Exception as exc:  # noqa: BLE001 - an error in a result handler is still only a notification
            report(node, exc)

    def body() -> None:
        worker = get_current_worker()
        attempt = 0
        while True:
            try:
                value, ok = work(), True
            except busy_error as exc:
                attempt += 1
                if attempt < BUSY_ATTEMPTS and not worker.is_cancelled and keep_trying():
                    if on_wait is not None:
                        _to_ui(app, on_wait, attempt)
                    continue
                value, ok = exc, False
            except Exception as exc:  # noqa: BLE001 - every error goes to the one handler
                value, ok = exc, False
            break
        _to_ui(app, deliver, worker, ok, value)

    return node.run_worker(body, thread=True, exit_on_error=False, group=group, exclusive=exclusive,
                           description=description or getattr(work, "__name__", "work"))


def _to_ui(app, fn: Callable[..., Any], *args: Any) -> None:
    try:
        app.call_from_thread(fn, *args)
    except RuntimeError:  # the app stopped while the work ran
        pass


def cancel(node: DOMNode, group: str) -> None:
    """Cancel `node`'s workers of `group` (their results are dropped)."""
    node.workers.cancel_group(node, group)
