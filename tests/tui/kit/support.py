"""Typing at full speed: every key is in the app's queue before the first is handled, as when a
terminal delivers a burst of keys to a busy app."""

from __future__ import annotations

import unicodedata

from textual import events
from textual.keys import _character_to_key, _get_unicode_name_from_key

from ..support import settle


def key_event(key: str) -> events.Key:
    """The Key event a terminal sends for `key`: a character ("-", "M") or a key name ("minus", "enter")."""
    if len(key) == 1:  # the character itself: Textual's name table does not map every name back ("minus")
        return events.Key(key if key.isalnum() else _character_to_key(key), key)
    try:
        char = unicodedata.lookup(_get_unicode_name_from_key(key))
    except KeyError:
        char = next((c for c in map(chr, range(32, 127)) if _character_to_key(c) == key), None)
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
