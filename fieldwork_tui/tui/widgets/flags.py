"""How flags and evidence badges look: severe flags red, warnings amber, badges I·O·N·R."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from fieldwork_tui.domain.coverage import FLAG_LABELS, SEVERE
from fieldwork_tui.domain.vocab import EVIDENCE_ORDER, EvidenceType, Flag


def badges_text(types: Iterable[str]) -> Text:
    present = {EvidenceType(t) for t in types}
    text = Text()
    for t in EVIDENCE_ORDER:
        if t in present:
            text.append(t.letter, style="bold green" if len(present) > 1 else "bold yellow")
        else:
            text.append("·", style="dim")
    return text


def flag_style(flag: Flag) -> str:
    if flag in SEVERE:
        return "bold red"
    if flag in (Flag.unsigned,):
        return "dim"
    return "yellow"


def flags_text(flags: Iterable[Flag], *, short: bool = True) -> Text:
    text = Text()
    for i, flag in enumerate(flags):
        if i:
            text.append(" ")
        text.append(FLAG_LABELS[flag] if short else flag.value, style=flag_style(flag))
    return text
