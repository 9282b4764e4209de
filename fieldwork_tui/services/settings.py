"""The auditor's own settings: `config.toml` in the fieldwork config folder.

```toml
theme = "textual-light"          # any Textual theme name

[keymap]                         # rebind keys by binding id (`?` lists every id, as does docs/keys.md)
"controls.flagged" = "F"
"app.help" = "f1,question_mark"  # several keys: comma-separated

[servers]                        # team engagements' servers (services/team/address.py), never a password
firm = "postgresql://elena@db.firm.example"
```

The folder is the platform's user config dir (`~/.config/fieldwork-tui` on Linux), or
`FIELDWORK_CONFIG`. A missing file means the defaults. A file that cannot be read or parsed, or an entry
that makes no sense, never stops the app: each problem is one line naming the file and the entry
(`problems`), shown by the app as a warning, and the rest of the file still applies.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from fieldwork_tui.store import paths

CONFIG_FILE = "config.toml"
_KNOWN = {"theme", "keymap", "servers"}  # [servers]: team engagements (services/team/address.py)
_KEY = re.compile(r"^[a-z0-9_+\-]+$|^.$", re.IGNORECASE)  # "ctrl+shift+x", "f1", "question_mark", "F", "?"


@dataclass(frozen=True)
class Settings:
    keymap: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    theme: str | None = None
    problems: tuple[str, ...] = ()
    path: Path | None = None


def config_path() -> Path:
    return paths.config_dir() / CONFIG_FILE


def parse_settings(text: str, source: str = CONFIG_FILE) -> Settings:
    """Settings from the text of a config.toml (pure; `source` names the file in messages)."""
    problems: list[str] = []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Settings(problems=(f"{source}: not valid TOML ({exc}); using the default settings",))
    for name in data:
        if name not in _KNOWN:
            problems.append(f"{source}: unknown setting {name!r} (known: {', '.join(sorted(_KNOWN))})")
    theme = data.get("theme")
    if theme is not None and not (isinstance(theme, str) and theme.strip()):
        problems.append(f"{source}: theme: expected a theme name in quotes")
        theme = None
    keymap: dict[str, str] = {}
    raw = data.get("keymap", {})
    if not isinstance(raw, dict):
        problems.append(f"{source}: keymap: expected a [keymap] table of binding id = \"key\"")
        raw = {}
    for binding_id, keys in raw.items():
        if not isinstance(keys, str):
            problems.append(f"{source}: keymap.{binding_id}: expected keys in quotes, e.g. \"ctrl+f\"")
            continue
        parts = [k.strip() for k in keys.split(",")]
        bad = [k for k in parts if not k or not _KEY.match(k)]
        if bad:
            problems.append(f"{source}: keymap.{binding_id}: {keys!r} is not a key (e.g. \"f\", \"ctrl+f\", \"f2\")")
            continue
        keymap[str(binding_id)] = ",".join(parts)
    return Settings(MappingProxyType(keymap), theme.strip() if isinstance(theme, str) else None, tuple(problems))


def load_settings() -> Settings:
    """The settings in effect: config.toml if there is one, else the defaults."""
    path = config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings(path=path)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Settings(problems=(f"{path}: cannot be read ({reason}); using the default settings",), path=path)
    parsed = parse_settings(text, str(path))
    return Settings(parsed.keymap, parsed.theme, parsed.problems, path)


def unknown_binding_ids(keymap: Mapping[str, str], known: set[str], source: str = CONFIG_FILE) -> list[str]:
    """One problem per keymap entry that names no binding (a typo would otherwise do nothing)."""
    return [f"{source}: keymap: no key has the id {binding_id!r} (? in the app lists every binding id, "
            "as does docs/keys.md)"
            for binding_id in keymap if binding_id not in known]
