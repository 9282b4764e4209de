"""Every key of the app, read from the classes' bindings: for the help screen (`?`) and docs/keys.md, the README's key table
and checking a user keymap (an id nobody has is a typo).

Unlike `kit.actions` (what the current screen offers, live), this reads the classes without running the
app: every screen, tab, dialog and widget of `fieldwork_tui.tui` with its own `BINDINGS`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass

from textual.binding import Binding
from textual.dom import DOMNode


@dataclass(frozen=True)
class KeyEntry:
    id: str
    keys: str  # as declared, e.g. "question_mark"
    description: str
    tooltip: str
    owner: str  # the class that declares it, e.g. "InspectionTab"
    area: str  # its AREA_LABEL / VIEW_NAME when it has one


def tui_classes(package: str = "fieldwork_tui.tui") -> list[type[DOMNode]]:
    """Every DOMNode class defined in `package` (modules imported on the way)."""
    root = importlib.import_module(package)
    seen: dict[str, type[DOMNode]] = {}
    for mod in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        module = importlib.import_module(mod.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__ == module.__name__:
                seen[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return list(seen.values())


def declared_bindings(cls: type[DOMNode]) -> list[Binding]:
    """The bindings `cls` itself declares (not those it inherits)."""
    out = []
    for item in cls.__dict__.get("BINDINGS", []):
        if isinstance(item, Binding):
            out.append(item)
        elif isinstance(item, tuple):
            out.append(Binding(*item))
    return out


def class_label(cls: type) -> str:
    """What a class is called in key lists: its tab, view or area label, else its name."""
    for attr, fmt in (("KEYS_LABEL", "{}"), ("TAB_LABEL", "{} tab"), ("VIEW_NAME", "{}"), ("AREA_LABEL", "{}")):
        value = getattr(cls, attr, None)
        if isinstance(value, str) and value:
            return fmt.format(value)
    name = cls.__name__
    for suffix in ("Screen", "Dialog", "Tab"):
        name = name.removesuffix(suffix)
    return name


def catalogue(package: str = "fieldwork_tui.tui") -> list[KeyEntry]:
    """Every binding with an id, once per id, in module order."""
    entries: dict[str, KeyEntry] = {}
    for cls in tui_classes(package):
        area = class_label(cls)
        for b in declared_bindings(cls):
            if b.id and b.id not in entries:
                entries[b.id] = KeyEntry(b.id, b.key, b.description, b.tooltip, cls.__name__, area)
    return list(entries.values())


def known_ids(package: str = "fieldwork_tui.tui") -> set[str]:
    return {e.id for e in catalogue(package)}
