"""The command palette (`ctrl+p`): every action reachable from the current screen and its tabs.

Built from the bindings (`kit.actions.palette_actions`), so "sign" on a control finds "Sign as
preparer" although the Inquiry tab is showing; choosing it shows the Review tab and signs. Each entry
says where it acts and which key does the same.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from fieldwork_tui.tui.kit.actions import Action, palette_actions, run_action


def entry_text(action: Action, screen_area: str) -> str:
    where = "" if action.area in (screen_area, "Everywhere") else f" — {action.area}"
    return f"{action.title}{where}"


def entry_help(action: Action) -> str:
    key = f"key {action.key_display}" if action.key_display else ""
    return " · ".join(p for p in (action.help, key) if p)


class ScreenActions(Provider):
    """Offers the actions of the screen under the palette (and its tabs, and the app's)."""

    def _entries(self) -> list[tuple[str, Action]]:
        from fieldwork_tui.tui.kit.actions import area_label

        screen = self.screen
        area = area_label(screen)
        return [(entry_text(a, area), a) for a in palette_actions(screen)]

    def _command(self, action: Action):
        return partial(self.app.call_later, run_action, action)

    async def discover(self) -> Hits:
        for text, action in self._entries():
            yield DiscoveryHit(text, self._command(action), text=text, help=entry_help(action))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, action in self._entries():
            score = max(matcher.match(text), matcher.match(action.help) * 0.5)
            if score > 0:
                yield Hit(score, matcher.highlight(text), self._command(action), text=text, help=entry_help(action))
