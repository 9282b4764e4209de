"""How flags and evidence badges look: the colour of a flag is its severity in the flag table
(`domain/flags.py`), shown in the theme's colours; badges I·O·N·R."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from fieldwork_tui.domain import flags as flag_table
from fieldwork_tui.domain.vocab import EVIDENCE_ORDER, EvidenceType, Flag
from fieldwork_tui.tui.kit.styles import flag_role, role


def badges_text(types: Iterable[str]) -> Text:
    present = {EvidenceType(t) for t in types}
    text = Text()
    for t in EVIDENCE_ORDER:
        if t in present:
            text.append(t.letter, style=role("ok.strong") if len(present) > 1 else role("warning") + role("strong"))
        else:
            text.append("·", style=role("muted"))
    return text


def flag_style(flag: Flag):
    return role(flag_role(flag))


def flags_text(flags: Iterable[Flag], *, compact: bool = True) -> Text:
    """Flags as words in their severity's colour; compact for table cells (most severe first), the
    table's labels elsewhere."""
    ordered = flag_table.by_severity(flags) if compact else flag_table.ordered(flags)
    text = Text()
    for i, flag in enumerate(ordered):
        if i:
            text.append(" " if compact else " · ", style=role("muted"))
        spec = flag_table.spec(flag)
        text.append(spec.compact if compact else spec.label, style=flag_style(flag))
    return text
