"""How flags and evidence badges look. Every word, colour and help text comes from the flag table
(`domain.flags`): the colour is the flag's severity (severe, warning, advisory) as a theme role."""

from __future__ import annotations

from collections.abc import Iterable

from rich.style import Style
from rich.table import Table
from rich.text import Text

from fieldwork_tui.domain import flags as flag_table
from fieldwork_tui.domain.vocab import EVIDENCE_ORDER, EvidenceType, Flag
from fieldwork_tui.tui.kit.safe_text import visible
from fieldwork_tui.tui.kit.styles import flag_role, role


def badges_text(types: Iterable[str]) -> Text:
    present = {EvidenceType(t) for t in types}
    text = Text()
    for t in EVIDENCE_ORDER:
        if t in present:
            text.append(t.letter, style=role("ok.strong") if len(present) > 1 else role("warning") + Style(bold=True))
        else:
            text.append("·", style=role("muted"))
    return text


def flag_style(flag: Flag | str) -> Style:
    """The style of a flag: its severity's role in the current theme."""
    return role(flag_role(flag))


def flags_text(flags: Iterable[Flag | str], *, compact: bool = True) -> Text:
    """Flags as coloured words: compact labels, most severe first, for table cells; full labels in
    vocabulary order elsewhere."""
    shown = flag_table.by_severity(flags) if compact else flag_table.ordered(flags)
    text = Text()
    for i, flag in enumerate(shown):
        if i:
            text.append(" " if compact else " · ", style=role("muted"))
        spec = flag_table.spec(flag)
        text.append(spec.compact if compact else spec.label, style=flag_style(flag))
    return text


def flags_help() -> Table:
    """What every flag means, grouped by the part of the work it belongs to (the `?` help)."""
    table = Table(title="Flags", title_justify="left", title_style=role("accent"), show_header=False, box=None,
                  expand=True, padding=(0, 1))
    table.add_column(width=30, no_wrap=True)
    table.add_column(ratio=1)
    for group in flag_table.FlagGroup:
        rows = [row for row in flag_table.FLAG_TABLE if row.group is group]
        if not rows:
            continue
        table.add_row(Text(group.value, style=role("strong")), "")
        for row in rows:
            what = Text(row.help)
            # `blocks()`, not `row.blocking`: the firm's interview plan may make a flag blocking
            what.append("" if flag_table.blocks(row.name) else "  (does not block a conclusion)",
                        style=role("muted"))
            table.add_row(Text(f"  {row.label}", style=flag_style(row.name)), what)
    return table


def hold_text(hold) -> Text:
    """Who holds a checked-out control (services.team.HoldView): in this replica, or elsewhere — then
    changes to it are refused here until it is checked in."""
    since = f" since {hold.since:%Y-%m-%d %H:%M} UTC" if hold.since else ""
    if hold.here:
        return Text(f"to you in this replica{since}: check it in with fieldwork checkin", style=role("ok"))
    return Text(f"to {visible(hold.holder)}{since} ({visible(hold.replica)}): changes are refused until "
                "it is checked in", style=role("warning"))
