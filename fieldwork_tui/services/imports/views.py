"""The plain data every importer returns: what it read (the column mapping), what it changed (or, in a
dry run, would change) and what it noticed."""

from __future__ import annotations

from dataclasses import dataclass

#: Change lines a plan prints before "and N more".
MAX_CHANGES_SHOWN = 50


@dataclass(frozen=True)
class ColumnUse:
    """One column of the file and what the import does with it: an app field, or "extra field"."""

    column: str
    use: str


@dataclass(frozen=True)
class ImportPlan:
    kind: str  # controls, requests, population, ...
    source: str  # the file (and sheet) read
    summary: str
    mapping: tuple[ColumnUse, ...] = ()
    changes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    dry_run: bool = False
    #: The mapping as a profile saves it: (header, field name or "" for an extra field), in file order.
    field_map: tuple[tuple[str, str], ...] = ()

    def lines(self) -> list[str]:
        """The plan as the CLI prints it: summary, mapping, changes, notes."""
        head = f"dry run, nothing written: {self.summary}" if self.dry_run else self.summary
        out = [head, f"read from {self.source}"]
        if self.mapping:
            out.append("columns:")
            out += [f"  {c.column or '(no header)'} → {c.use}" for c in self.mapping]
        if self.changes:
            out.append("would change:" if self.dry_run else "changed:")
            out += [f"  {line}" for line in self.changes[:MAX_CHANGES_SHOWN]]
            if len(self.changes) > MAX_CHANGES_SHOWN:
                out.append(f"  and {len(self.changes) - MAX_CHANGES_SHOWN} more")
        out += [f"note: {n}" for n in self.notes]
        return out


#: The use of a column no app field takes: kept on the record under its header.
EXTRA = "extra field (kept as text)"
