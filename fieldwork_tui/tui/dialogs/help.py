"""The `?` screen: the keys of the screen that is showing (generated from its bindings by the kit),
then what each flag means (from the flag table, grouped by the part of the work) and the evidence badges."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.screen import Screen

from fieldwork_tui.tui.kit.help import HelpScreen
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.widgets.flags import flags_help


def _flags_and_badges() -> list[RenderableType]:
    """One renderable per Static: a Rich Group in one Static was laid out wider than the help's
    column, so the flags' wrapped descriptions restarted at the left edge."""
    badges = Text("Evidence badges: I inquiry · O observation · N inspection · R re-performance", style=role("muted"))
    return [Text(""), flags_help(), Text(""), badges]


def help_screen(origin: Screen) -> HelpScreen:
    return HelpScreen(origin, extra=_flags_and_badges())
