"""Typing at full speed: every key is in the app's queue before the first is handled, as when a
terminal delivers a burst of keys to a busy app."""

from __future__ import annotations

import unicodedata

from textual import events
from textual.keys import _character_to_key, _get_unicode_name_from_key

from ..support import settle


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


__all__ = ["key_event", "screen_lines", "screen_text", "settle", "type_fast"]


def screen_lines(app) -> list[str]:
    """The text of the screen as the terminal would show it, line by line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app) -> str:
    return "\n".join(screen_lines(app))
