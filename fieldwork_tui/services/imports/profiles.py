"""Mapping profiles: a firm's column mapping saved under a name and reused (`--profile NAME`).

One TOML file per profile in the config folder, `import-profiles/<name>.toml`::

    kind = "controls"              # controls | requests
    sheet = "Matrix"               # optional: the workbook sheet to read
    [columns]                      # the file's header = the app's field ("" keeps the column as an extra field)
    "Ctl #" = "ref"
    "What is done" = "description"
    "Type" = ""

A profile names fields by the importer's field names (`fieldwork import controls --help` lists them);
a profile that cannot be read, or names a field the importer does not have, is refused with one line
naming the file and the entry.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.store import paths

PROFILE_DIR = "import-profiles"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")


@dataclass(frozen=True)
class MappingProfile:
    name: str
    kind: str
    columns: dict[str, str] = field(default_factory=dict)  # header -> field ("" for an extra field)
    sheet: str | None = None


def profile_path(name: str) -> Path:
    if not _NAME.match(name or "") or name.strip(" .") != name:
        raise InvalidInput(f"profile name {name!r}: use letters, digits, spaces, '-', '_' or '.' (at most 64)")
    return paths.config_dir() / PROFILE_DIR / f"{name}.toml"


def parse_mapping(pairs: list[str], fields: set[str]) -> dict[str, str]:
    """`--map "Header=field"` options as a mapping; `Header=` keeps the column as an extra field."""
    out: dict[str, str] = {}
    for pair in pairs:
        header, sep, name = pair.rpartition("=")
        if not sep or not header.strip():
            raise InvalidInput(f"--map {pair!r}: expected HEADER=FIELD (fields: {', '.join(sorted(fields))})")
        name = name.strip()
        if name and name not in fields:
            raise InvalidInput(f"--map {pair!r}: unknown field {name!r} (fields: {', '.join(sorted(fields))})")
        out[header.strip()] = name
    return out


def load_profile(name: str, kind: str, fields: set[str]) -> MappingProfile:
    path = profile_path(name)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no mapping profile named {name!r}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"{path}: not a readable mapping profile ({exc.__class__.__name__})") from None
    if data.get("kind") != kind:
        raise InvalidInput(f"{path}: a profile for {data.get('kind')!r} imports, not {kind}")
    columns = data.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in columns.items()):
        raise InvalidInput(f"{path}: [columns] must map each header to a field name in quotes")
    for header, fieldname in columns.items():
        if fieldname and fieldname not in fields:
            raise InvalidInput(f"{path}: columns.{header!r}: unknown field {fieldname!r} "
                               f"(fields: {', '.join(sorted(fields))})")
    sheet = data.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        raise InvalidInput(f"{path}: sheet: expected a sheet name in quotes")
    return MappingProfile(name=name, kind=kind, columns=dict(columns), sheet=sheet)


def list_profiles(kind: str) -> list[str]:
    """The names of the saved profiles for `kind` imports (a file that cannot be read is left out:
    naming it with `--profile` says why)."""
    folder = paths.config_dir() / PROFILE_DIR
    out = []
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        if data.get("kind") == kind and _NAME.match(path.stem):
            out.append(path.stem)
    return out


def resolve_mapping(kind: str, fields: set[str], *, profile: str | None, mapping: list[str] | None,
                    sheet: str | None) -> tuple[dict[str, str], str | None]:
    """The column overrides and the sheet an import uses: the profile's, then `--map` pairs over them,
    and `--sheet` over the profile's sheet."""
    overrides: dict[str, str] = {}
    if profile:
        loaded = load_profile(profile, kind, fields)
        overrides.update(loaded.columns)
        sheet = sheet or loaded.sheet
    overrides.update(parse_mapping(list(mapping or []), fields))
    return overrides, sheet


def save_plan_profile(name: str, plan, sheet: str | None = None) -> Path:
    """Save the mapping an import used (its plan's `field_map`) as profile `name`."""
    return save_profile(MappingProfile(name=name, kind=plan.kind, columns=dict(plan.field_map), sheet=sheet))


def _toml_string(text: str) -> str:
    return '"' + "".join(ch if ch not in '"\\' and ord(ch) >= 32 else f"\\u{ord(ch):04x}" for ch in text) + '"'


def save_profile(profile: MappingProfile) -> Path:
    """Write the profile (0600, replacing one of the same name)."""
    path = profile_path(profile.name)
    paths.ensure_private_dir(path.parent)
    lines = [f"kind = {_toml_string(profile.kind)}"]
    if profile.sheet:
        lines.append(f"sheet = {_toml_string(profile.sheet)}")
    lines.append("")
    lines.append("[columns]")
    lines += [f"{_toml_string(h)} = {_toml_string(f)}" for h, f in profile.columns.items()]
    tmp = path.with_name(f".tmp-{path.name}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    tmp.replace(path)
    return path
