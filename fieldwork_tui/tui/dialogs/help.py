"""The `?` screen: the keys of the screen that is showing (generated from its bindings by the kit),
then what each flag means (from the flag table) and the evidence badges."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.screen import Screen

from fieldwork_tui.domain import flags as flag_table
from fieldwork_tui.tui.kit.help import HelpScreen
from fieldwork_tui.tui.kit.styles import flag_role, role


def flags_help() -> Group:
    table = Table(title="Flags — a conclusion not yet defensible", title_justify="left", title_style=role("accent"),
                  show_header=False, box=None, expand=True, padding=(0, 1))
    table.add_column(width=30, no_wrap=True)
    table.add_column(ratio=1)
    for row in flag_table.FLAG_TABLE:
        table.add_row(Text(row.label, style=role(flag_role(row.name))), row.help)
    badges = Text("Evidence badges: I inquiry · O observation · N inspection · R re-performance", style=role("muted"))
    return Group(Text(""), table, Text(""), badges)


def help_screen(origin: Screen) -> HelpScreen:
    return HelpScreen(origin, extra=[flags_help()])
