"""Shared by the Pilot tests: the one way to wait for the app (`settle`), fixed sign-off and note times
so snapshots do not depend on the day the demo was built, and keys that open a control's Review tab."""

from __future__ import annotations

import sqlite3
from pathlib import Path

FIXED = "2026-11-18 09:30:00.000000"


# Workers that live as long as their widget (Textual's DirectoryTree loader loop): never "complete".
LONG_LIVED_GROUPS = {"_loader"}


async def _handled(app) -> None:
    """Wait until the app has handled every message queued on it so far."""
    import asyncio

    marker = asyncio.Event()
    app.call_later(marker.set)
    await marker.wait()


async def idle_on_events(min_sleep: float = 0, max_sleep: float = 1) -> None:
    """Textual's Pilot waits for "CPU idle" after every key and pause: it sleeps in 20 ms steps until
    the process used little CPU in one (`textual._wait.wait_for_idle`) - at least 40 ms a key, and up
    to a second each when a worker thread or the machine is busy. The suite replaces it with a wait on
    events (tests/conftest.py): a key sent through the headless driver is posted to the app on the
    loop's next turns, then every message queued on the app so far is handled, then every callback
    those queued. (`settle` waits for the rest: the kit's key queue, filters and workers;
    `key_handled` below waits for all of it after each key Pilot presses.)"""
    import asyncio

    from textual._context import active_app

    for _ in range(3):  # the driver posts keys with run_coroutine_threadsafe: a few loop turns
        await asyncio.sleep(0)
    app = active_app.get(None)
    if app is None or not app.is_running or app._exception is not None:
        return
    for _ in range(2):
        marker = asyncio.Event()
        if not app.call_later(marker.set):  # closing: nothing more will be handled
            return
        crash = asyncio.ensure_future(app._exception_event.wait())
        done = asyncio.ensure_future(marker.wait())
        try:
            await asyncio.wait({done, crash}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            crash.cancel()
            done.cancel()
        if app._exception is not None:
            return


async def key_handled(min_sleep: float = 0, max_sleep: float = 1) -> None:
    """What Pilot waits for after each key it presses (tests/conftest.py): the key and everything it
    set in motion - workers included, so a dialog a key's worker opens is up before the next key, as
    a user waits to see the question before answering it. It does not paint: the test's own
    `settle` paints what the keys changed, together."""
    from textual._context import active_app

    await idle_on_events()
    app = active_app.get(None)
    if app is not None and app.is_running and app._exception is None:
        await settle(app, paint_it=False)


def _deferred_compositor_refresh(screen) -> None:
    """Textual paints the top screen after every refresh tick (up to 60 a second), into a headless
    driver that discards it - a third of a Pilot test's CPU. The suite paints once per `settle` a
    test asks for instead (tests/conftest.py), not after each key Pilot presses (`key_handled`: a
    string typed key by key is painted once, when the test waits for it; 13 % of the Pilot tests'
    CPU): the regions made dirty meanwhile are kept and painted together, so every state a test
    looks at is rendered (a widget whose rendering fails still fails its test)."""
    app = screen.app
    if screen is app.screen and not app.is_inline:
        screen._dirty_widgets.clear()  # their regions are in the compositor's dirty regions
        screen._fw_paint_due = True
        return
    PAINT(screen)


def paint(app) -> None:
    """Lay out and paint what changed on the top screen since it was last painted (see above).

    Textual lays a screen out on its update timer (a sixtieth of a second after a widget asked): on a
    busy machine a test could look before it ran, and see a widget whose text changed at its old
    size (a detail line cut to one line of two). The pending layout runs here first."""
    try:
        screen = app.screen
    except Exception:  # noqa: BLE001 - no screen (the app is closing)
        return
    if screen.is_attached and screen.is_current and not app._batch_count and (
            screen._layout_required or screen._scroll_required or screen._repaint_required
            or screen._recompose_required or screen._dirty_widgets):
        screen._on_timer_update()  # what the timer would do: layout, then `_compositor_refresh` (deferred)
    if getattr(screen, "_fw_paint_due", False) and screen.is_attached:
        screen._fw_paint_due = False
        PAINT(screen)


from textual.screen import Screen as _Screen  # noqa: E402

#: Textual's own painting, used by `paint`.
PAINT = _Screen._compositor_refresh


async def _filters_done(app) -> None:
    """Wait for every filter bar of the screen to show the result for the text in its box. A query
    still waiting out its debounce (the user typing) runs now: a test waits here as the user pauses,
    and the 0.15 s it would sleep per key typed into a filter is all it would add (a tenth of the
    time of the Pilot tests that find a control by typing its ref)."""
    from fieldwork_tui.tui.kit.filter_bar import FilterBar

    try:
        bars = list(app.screen.query(FilterBar))
    except Exception:  # noqa: BLE001 - no screen (the app is closing)
        return
    for bar in bars:
        if bar._timer is not None:
            bar._stop_timer()
            bar.run_query()
        await bar.wait_settled()


async def _unless_crashed(app, step) -> None:
    """Run `step` (a coroutine) unless the app crashes meanwhile: an app that has exited with an
    exception never handles another message, so waiting on it would never end. Fail with its error."""
    import asyncio

    if app._exception is not None:
        step.close()
        raise AssertionError(f"the app crashed: {app._exception!r}") from app._exception
    task = asyncio.ensure_future(step)
    crash = asyncio.ensure_future(app._exception_event.wait())
    try:
        await asyncio.wait({task, crash}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        crash.cancel()
    if not task.done():
        task.cancel()
        raise AssertionError(f"the app crashed: {app._exception!r}") from app._exception
    task.result()


def _busy(app) -> list:
    from textual.worker import WorkerState

    return [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)
            and w.group not in LONG_LIVED_GROUPS]


async def settle(pilot, rounds: int = 100, *, paint_it: bool = True) -> None:
    """Wait until the app is idle: every queued key handed over (the kit holds keys in order), every
    posted message handled, every filter showing the result for its text and no worker pending or
    running (a worker's result may post messages that start another worker, hence the rounds).
    An app that crashed meanwhile fails the test with its exception (it would never settle).
    Takes the pilot (or the app); `paint_it=False` leaves the painting to the next settle that
    paints. Pilot tests wait this way only - never by sleeping."""
    from textual.worker import WorkerCancelled, WorkerFailed

    app = getattr(pilot, "app", pilot)

    async def one_round() -> None:
        if pilot is not app:
            await pilot.pause()
        await _handled(app)
        keys_settled = getattr(app, "keys_settled", None)
        if keys_settled is not None:
            await keys_settled()
        await _filters_done(app)
        for worker in _busy(app):
            try:
                await worker.wait()
            except (WorkerCancelled, WorkerFailed):  # cancelled with its dialog, or reported: done too
                pass
        await _handled(app)

    def idle() -> bool:
        return not _busy(app) and not getattr(app, "_kit_queue", None) and not getattr(app, "_kit_busy", False)

    for _ in range(rounds):
        await _unless_crashed(app, one_round())
        if idle():
            if paint_it:
                paint(app)  # may read a page of a table (a worker): then another round
            await _handled(app)
            if not idle():
                continue
            if pilot is not app:
                await pilot.pause()
            return
    raise AssertionError(f"the app never settled: {_busy(app)}")


async def open_control_tab(pilot, ref: str, tab: str) -> None:
    """Open control `ref` on `tab` (a ControlDetailScreen tab id) and let it draw."""
    from fieldwork_tui.tui.screens.control_detail import ControlDetailScreen

    await settle(pilot)
    pilot.app.push_screen(ControlDetailScreen(ref, tab=tab))
    await settle(pilot)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*list(text))


def freeze_review_times(home: Path) -> None:
    from fieldwork_tui.services.demo import DEMO_SLUG

    conn = sqlite3.connect(home / DEMO_SLUG / "fieldwork.db")
    try:
        # sign-offs are signed at a fixed time of the demo's story (services/demo/review.py); editing
        # them here would make their signatures fail, as any edit outside the app does
        conn.execute("UPDATE reviewnote SET created_at = ?", (FIXED,))
        conn.execute("UPDATE reviewnote SET cleared_at = ? WHERE cleared_at IS NOT NULL", (FIXED,))
        conn.execute("UPDATE reviewnote SET responded_at = ? WHERE responded_at IS NOT NULL", (FIXED,))
        conn.commit()
    finally:
        conn.close()


def open_review_keys(ref: str) -> list[str]:
    """Keys from the dashboard to the Review tab of control `ref`."""
    names = {"-": "minus", ".": "full_stop", " ": "space"}
    return ["2", "slash", *[names.get(ch, ch) for ch in ref], "enter", "enter", "alt+7"]


def plain(widget) -> str:
    """The text a Static shows (its Rich renderable printed without styles)."""
    import io

    from rich.console import Console

    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()
