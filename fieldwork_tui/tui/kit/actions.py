"""What can be done from the current screen, read from the bindings themselves.

The command palette (`kit.palette`), the `?` help (`kit.help`) and the README's key table
(`scripts/keys_table.py`) are all built from `screen_actions()`: the `Binding`s of the screen, of every
`ActionArea` in it (each tab of the control detail, shown or not), of its main widget (table keys) and
of the app — with the user's keymap applied (keys rebound by `Binding.id` in `config.toml`). Nothing
restates a key by hand, so a new binding appears in the palette and the help by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget

from fieldwork_tui.tui.kit.safe_text import visible


@dataclass(frozen=True)
class Action:
    """One action reachable from a screen."""

    binding: Binding
    keys: tuple[str, ...]  # as bound now (after the keymap), e.g. ("question_mark",)
    key_display: str  # as shown, e.g. "?"
    node: DOMNode  # where the action runs (its namespace)
    area: str  # the group it is listed under ("Controls", "Inspection tab", "Everywhere")
    enabled: bool  # check_action allows it right now

    @property
    def id(self) -> str:
        return self.binding.id or ""

    @property
    def title(self) -> str:
        return self.binding.description or self.binding.action

    @property
    def help(self) -> str:
        return self.binding.tooltip or ""


@dataclass
class ActionGroup:
    area: str
    actions: list[Action] = field(default_factory=list)


def _keymapped(node: DOMNode) -> dict[str, tuple[Binding, list[str]]]:
    """Binding id (or action) → (binding, keys) of `node`, with the app's keymap applied."""
    bindings = node._bindings.copy()
    keymap = getattr(node.app, "_keymap", None)
    if keymap:
        bindings.apply_keymap(keymap)
    out: dict[str, tuple[Binding, list[str]]] = {}
    for key, key_bindings in bindings.key_to_bindings.items():
        for binding in key_bindings:
            name = binding.id or f"{binding.action}"
            if name in out:
                out[name][1].append(key)
            else:
                out[name] = (binding, [key])
    return out


def _enabled(node: DOMNode, binding: Binding) -> bool | None:
    try:
        return node.app._check_action_state(binding.action, node)
    except Exception:  # noqa: BLE001 - an action Textual cannot parse is not offered
        return False


def node_actions(node: DOMNode, area: str) -> list[Action]:
    """Every binding of `node` (not of its children) that has an id, as an Action, in declaration order."""
    app = node.app
    out: list[Action] = []
    for binding, keys in _keymapped(node).values():
        if binding.system or not binding.id:
            continue  # Textual's own plumbing (focus next, copy): every binding of the app has an id
        display = " / ".join(dict.fromkeys(app.get_key_display(binding.with_key(k)) for k in keys))
        state = _enabled(node, binding)
        out.append(Action(binding, tuple(keys), display, node, area, state is True))
    return out


def area_label(node: DOMNode) -> str:
    label = getattr(node, "AREA_LABEL", "") or getattr(node, "VIEW_NAME", "")
    if isinstance(node, Screen) and not label:
        label = getattr(node, "SCREEN_LABEL", "") or type(node).__name__.removesuffix("Screen")
    return visible(label) if label else type(node).__name__


def screen_actions(screen: Screen, *, include_main: bool = True) -> list[ActionGroup]:
    """The actions of `screen`: the screen's own, each ActionArea's (DOM order), the main widget's
    (table keys), then the app's. Screens above a modal are not mixed in."""
    from fieldwork_tui.tui.kit.screen import ActionArea

    groups: list[ActionGroup] = [ActionGroup(area_label(screen), node_actions(screen, area_label(screen)))]
    for area in screen.query(ActionArea):
        label = area_label(area)
        groups.append(ActionGroup(label, node_actions(area, label)))
    if include_main:
        main = getattr(screen, "main_widget", lambda: None)()
        if isinstance(main, Widget) and main._bindings.key_to_bindings:
            label = getattr(main, "HELP_LABEL", "") or "In the list"
            groups.append(ActionGroup(label, node_actions(main, label)))
    groups.append(ActionGroup("Everywhere", node_actions(screen.app, "Everywhere")))
    return [g for g in groups if g.actions]


def palette_actions(screen: Screen) -> list[Action]:
    """What the command palette offers on `screen`: every enabled action except the table's
    cursor keys (moving a cursor is not a command)."""
    seen: set[tuple[int, str]] = set()
    out: list[Action] = []
    for group in screen_actions(screen, include_main=False):
        for action in group.actions:
            if not action.enabled:
                continue
            marker = (id(action.node), action.binding.action)
            if marker in seen:
                continue
            seen.add(marker)
            out.append(action)
    return out


async def run_action(action: Action) -> None:
    """Run `action` where it belongs: show its tab first, then run it in its namespace."""
    from fieldwork_tui.tui.kit.screen import ActionArea, reveal

    if isinstance(action.node, ActionArea):
        reveal(action.node)
        await action.node.prepare()  # a tab built on demand composes before its action runs
    app = action.node.app
    app.running_palette_action = True  # an action offered by the palette runs even off its key's screen
    try:
        await app.run_action(action.binding.action, action.node)
    finally:
        app.running_palette_action = False
