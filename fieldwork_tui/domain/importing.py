"""Rules every importer shares: all problems of a file reported in one run (capped, with a count),
and the words a plan uses to describe a change."""

from __future__ import annotations

from dataclasses import dataclass, field

#: How many problems one message lists; the count says how many there are in all.
MAX_PROBLEMS_LISTED = 12


@dataclass
class Problems:
    """The problems found while checking a whole file. The importer checks every row, then raises once."""

    items: list[str] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}" if where else message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def message(self, label: str) -> str:
        """One line: the file, the count, the first problems and how many more; "nothing imported"."""
        n = len(self.items)
        listed = "; ".join(self.items[:MAX_PROBLEMS_LISTED])
        more = f"; and {n - MAX_PROBLEMS_LISTED} more" if n > MAX_PROBLEMS_LISTED else ""
        head = "1 problem" if n == 1 else f"{n} problems"
        return f"{label}: {head}, nothing imported: {listed}{more}"


def show_value(value: object) -> str:
    """A value as a change line shows it: lists joined, empty as "(empty)", long text shortened."""
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        value = "yes" if value else "no"
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    if not text:
        return "(empty)"
    return text if len(text) <= 40 else text[:39] + "…"


def change_line(ref: str, changes: list[tuple[str, object, object]]) -> str:
    """'AC-01: owner Ana → Bo; key no → yes' — a re-import's changes to one record."""
    return f"{ref}: " + "; ".join(f"{name} {show_value(old)} → {show_value(new)}" for name, old, new in changes)
