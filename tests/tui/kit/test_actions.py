"""Palette and help built from the bindings: every action of the screen and of every tab, with the
user's keymap applied; running an action from the palette shows its tab first."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import CommandPalette
from textual.widgets import Label, TabbedContent, TabPane

from fieldwork_tui.tui.kit.actions import palette_actions, screen_actions
from fieldwork_tui.tui.kit.help import HelpScreen
from fieldwork_tui.tui.kit.keys import OrderedKeys
from fieldwork_tui.tui.kit.palette import ScreenActions
from fieldwork_tui.tui.kit.screen import ActionArea, KitScreen
from tests.tui.kit.support import screen_text, settle, type_fast


class Inquiry(ActionArea):
    AREA_LABEL = "Inquiry tab"
    BINDINGS = [Binding("c", "corroborate", "Corroboration", id="inquiry.corroborate",
                        tooltip="Corroborated or contradicted by which evidence")]

    def compose(self) -> ComposeResult:
        main = Label("statements", id="inquiry-main")
        main.can_focus = True
        yield main

    def action_corroborate(self) -> None:
        self.app.done.append("corroborate")


class Review(ActionArea):
    AREA_LABEL = "Review tab"
    BINDINGS = [Binding("p", "sign('preparer')", "Sign as preparer", id="review.sign_preparer",
                        tooltip="Sign the workpaper as preparer")]

    def compose(self) -> ComposeResult:
        main = Label("sign-offs", id="review-main")
        main.can_focus = True
        yield main

    def action_sign(self, role: str) -> None:
        self.app.done.append(f"sign {role}")


class Detail(KitScreen):
    AREA_LABEL = "Control AC-01"
    BINDINGS = [Binding("escape", "back", "Back", id="control.back", tooltip="Back to the list"),
                Binding("ctrl+right", "next_tab", "Next tab", id="control.next_tab", tooltip="Next tab",
                        priority=True)]

    def compose(self) -> ComposeResult:
        with TabbedContent():
            with TabPane("Inquiry", id="inquiry"):
                yield Inquiry()
            with TabPane("Review", id="review"):
                yield Review()

    def main_widget(self):
        active = self.query_one(TabbedContent).active
        return self.query_one(f"#{active}-main")

    def action_back(self) -> None:
        self.app.done.append("back")

    def action_next_tab(self) -> None:
        self.show_tab("review" if self.query_one(TabbedContent).active == "inquiry" else "inquiry")


class TinyApp(OrderedKeys, App):
    COMMANDS = {ScreenActions}
    BINDINGS = [Binding("question_mark", "help", "Help", id="app.help", tooltip="Keys of this screen")]

    def __init__(self) -> None:
        super().__init__()
        self.done: list[str] = []

    def on_mount(self) -> None:
        self.start_ordered_keys()
        self.push_screen(Detail())

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.screen))


async def test_palette_offers_the_actions_of_hidden_tabs_and_runs_them_there():
    app = TinyApp()
    async with app.run_test():
        await settle(app)
        titles = [(a.title, a.area) for a in palette_actions(app.screen)]
        assert ("Sign as preparer", "Review tab") in titles and ("Corroboration", "Inquiry tab") in titles
        type_fast(app, "ctrl+p")
        await settle(app)
        assert isinstance(app.screen, CommandPalette)
        type_fast(app, *"sign", "enter")
        await settle(app)
        assert app.done == ["sign preparer"]
        detail = app.screen
        assert detail.query_one(TabbedContent).active == "review"
        assert detail.focused is detail.query_one("#review-main")


async def test_help_lists_every_group_generated_from_the_bindings():
    app = TinyApp()
    async with app.run_test():
        await settle(app)
        groups = {g.area: [(a.key_display, a.title, a.id) for a in g.actions] for g in screen_actions(app.screen)}
        assert groups["Control AC-01"][0] == ("esc", "Back", "control.back")
        assert groups["Review tab"] == [("p", "Sign as preparer", "review.sign_preparer")]
        assert groups["Inquiry tab"] == [("c", "Corroboration", "inquiry.corroborate")]
        assert ("?", "Help", "app.help") in groups["Everywhere"]
        type_fast(app, "question_mark")
        await settle(app)
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for needle in ("Control AC-01", "Review tab", "Sign as preparer", "review.sign_preparer", "Inquiry tab",
                       "Corroboration", "Everywhere"):
            assert needle in text


async def test_a_user_keymap_rebinds_by_id_and_the_palette_and_help_follow():
    app = TinyApp()
    async with app.run_test():
        app.set_keymap({"review.sign_preparer": "ctrl+g", "app.help": "f1"})
        await settle(app)
        review = next(g for g in screen_actions(app.screen) if g.area == "Review tab")
        assert review.actions[0].key_display == "^g"
        everywhere = next(g for g in screen_actions(app.screen) if g.area == "Everywhere")
        assert any(a.id == "app.help" and a.key_display == "f1" for a in everywhere.actions)
        type_fast(app, "ctrl+right", "ctrl+g")
        await settle(app)
        assert app.done == ["sign preparer"]
        type_fast(app, "f1")
        await settle(app)
        assert isinstance(app.screen, HelpScreen)
