"""Typing at full speed: every key is in the app's queue before the first is handled, as when a
terminal delivers a burst of keys to a busy app."""

from __future__ import annotations

import asyncio
import unicodedata

from textual import events
from textual.keys import _character_to_key, _get_unicode_name_from_key


def key_event(key: str) -> events.Key:
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char = unicodedata.lookup(_get_unicode_name_from_key(key))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


def type_fast(app, *keys: str) -> None:
    """Queue `keys` on the app all at once (nothing is handled in between)."""
    for key in keys:
        event = key_event(key)
        event.set_sender(app)
        app.post_message(event)


async def _handled(app) -> None:
    """Wait until the app has handled every message queued on it so far."""
    marker = asyncio.Event()
    app.call_later(marker.set)
    await marker.wait()


async def _workers_done(app) -> None:
    """Wait for every worker; one cancelled with its screen (a dialog that closed) is done too."""
    from textual.worker import WorkerCancelled, WorkerFailed

    for worker in list(app.workers):
        try:
            await worker.wait()
        except (WorkerCancelled, WorkerFailed):
            pass


async def _filters_done(app) -> None:
    """Wait for every filter bar of the screen to show the result for the text in its box."""
    from fieldwork_tui.tui.kit.filter_bar import FilterBar

    try:
        bars = list(app.screen.query(FilterBar))
    except Exception:  # noqa: BLE001 - no screen (the app is closing)
        return
    for bar in bars:
        await bar.wait_settled()


async def settle(app) -> None:
    """Wait until every queued key was handed over and its effects (filters and workers included) are
    done. Pilot's `pause()` waits only for the messages queued so far; this waits for what they cause."""
    for _ in range(100):
        await _handled(app)
        await app.keys_settled()
        await _filters_done(app)
        await _workers_done(app)
        await _handled(app)
        if not app._kit_queue and not app._kit_busy and not any(
                w.state.name in ("PENDING", "RUNNING") for w in app.workers):
            return


def screen_lines(app) -> list[str]:
    """The text of the screen as the terminal would show it, line by line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app) -> str:
    return "\n".join(screen_lines(app))
