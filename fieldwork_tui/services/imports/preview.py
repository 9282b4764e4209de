"""The mapping step before an import: the file's columns beside the app's fields, the proposed
mapping (the importer's header words, a saved profile, or the user's choices) and the first rows.

Reading the preview writes nothing. A header the importer does not recognise is still shown: when no
row names the required fields, the first non-blank row is taken as the header so the user can map
it (the import then reads the file with that mapping, as `--map HEADER=FIELD` does).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.imports.profiles import list_profiles, load_profile
from fieldwork_tui.store.tabular import cell_text, open_table

#: Data rows shown under the columns.
PREVIEW_ROWS = 5


@dataclass(frozen=True)
class ImportPreview:
    kind: str  # controls | requests
    source: str  # the file (and sheet) as messages name it
    sheet: str | None
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # the first data rows, as text
    #: (header, field or "" for an extra field), one per header, in file order.
    proposed: tuple[tuple[str, str], ...]
    fields: tuple[tuple[str, str], ...]  # (field, label) the importer knows
    required: tuple[str, ...]
    #: Whether the importer recognised the header by its own words (or the profile's).
    recognised: bool
    profiles: tuple[str, ...] = ()  # saved profiles for this kind of import
    profile: str | None = None  # the profile the proposal came from

    def problems(self, chosen: dict[int, str]) -> list[str]:
        """What a chosen mapping ({column index: field or ""}) still lacks: a required field not mapped,
        or one field taken by two columns."""
        out = []
        labels = dict(self.fields)
        taken: dict[str, int] = {}
        for idx, name in sorted(chosen.items()):
            if not name:
                continue
            if name in taken:
                out.append(f"{self.headers[idx]!r} and {self.headers[taken[name]]!r} both map to "
                           f"{labels.get(name, name)}: keep one, make the other an extra field")
            else:
                taken[name] = idx
        out += [f"{labels.get(f, f)}: choose the column that holds it" for f in self.required if f not in taken]
        return out

    def mapping_pairs(self, chosen: dict[int, str]) -> list[str]:
        """The chosen mapping as the importers' `mapping` ("Header=field"; "Header=" keeps an extra field)."""
        return [f"{self.headers[i]}={name}" for i, name in sorted(chosen.items()) if self.headers[i]]


def preview_table(kind: str, path: Path | str, aliases: dict[str, list[str]], labels: dict[str, str],
                  required: tuple[str, ...], *, sheet: str | None = None, profile: str | None = None) -> ImportPreview:
    """The preview of `path` for an importer with these header words (`aliases`) and field labels."""
    overrides: dict[str, str] = {}
    if profile:
        loaded = load_profile(profile, kind, set(aliases))
        overrides = dict(loaded.columns)
        sheet = sheet or loaded.sheet
    recognised = True
    try:
        table = open_table(path, aliases, required=required, sheet=sheet, overrides=overrides)
    except InvalidInput as exc:
        if "no header row found" not in str(exc):
            raise
        recognised = False
        # the first row with two or more cells (a title line above the header is skipped): the user maps it
        table = open_table(path, None, sheet=sheet, is_header=lambda texts: sum(1 for t in texts if t) >= 2)
    try:
        rows = []
        for raw in table.rows:
            cells = tuple(cell_text(c) for c in raw)
            if any(cells):
                rows.append(cells)
            if len(rows) >= PREVIEW_ROWS:
                break
    finally:
        close = getattr(table.rows, "close", None)
        if close is not None:
            close()
    by_index = {idx: name for name, idx in table.columns.items()} if recognised else {}
    headers = tuple(h or f"column {i + 1}" for i, h in enumerate(table.headers))
    proposed = tuple((h, by_index.get(i, "")) for i, h in enumerate(headers))
    return ImportPreview(kind=kind, source=table.label, sheet=table.sheet, headers=headers, rows=tuple(rows),
                         proposed=proposed, fields=tuple((f, labels.get(f, f)) for f in aliases),
                         required=tuple(required), recognised=recognised,
                         profiles=tuple(list_profiles(kind)), profile=profile)
