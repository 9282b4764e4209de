"""The form base: ctrl+s saves from any field, escape cancels, Tab walks the fields (never the
buttons), errors name the field and keep what was typed, saving runs in a worker and survives a busy
engagement."""

from __future__ import annotations

import threading

from textual.app import App, ComposeResult
from textual.widgets import Input, Label, Select, TextArea

from fieldwork_tui.services.errors import EngagementBusy, InvalidInput
from fieldwork_tui.tui.kit.forms import (
    FieldError,
    FormDialog,
    PromptDialog,
    area_field,
    choice_field,
    text_field,
)
from fieldwork_tui.tui.kit.keys import OrderedKeys
from fieldwork_tui.tui.kit.screen import KitScreen
from tests.tui.kit.support import settle, type_fast


class NoteForm(FormDialog[dict]):
    TITLE_TEXT = "Review note"
    FIELD_NAMES = {"text": "note"}

    def fields(self) -> ComposeResult:
        yield from text_field("Title", "title")
        yield from choice_field("On", "target", [("Control", "control"), ("Exception #1", "ex1")])
        yield from area_field("Note", "note")

    def values(self) -> dict:
        return {"title": self.text("title"), "target": self.value("target"),
                "note": self.required("note", "note: a review note needs text")}


class Home(KitScreen):
    def compose(self) -> ComposeResult:
        yield Label("home")


class FormApp(OrderedKeys, App):
    def __init__(self, form: FormDialog) -> None:
        super().__init__()
        self.form = form
        self.results: list = []

    def on_mount(self) -> None:
        self.start_ordered_keys()
        self.push_screen(Home())
        self.push_screen(self.form, self.results.append)


async def test_ctrl_s_saves_from_a_multiline_field_and_returns_the_values():
    app = FormApp(NoteForm())
    async with app.run_test():
        await settle(app)
        type_fast(app, *"Access", "tab", "tab", *"line one", "enter", *"line two", "ctrl+s")
        await settle(app)
        assert app.results == [{"title": "Access", "target": "control", "note": "line one\nline two"}]


async def test_tab_walks_the_fields_in_order_and_never_lands_on_a_button():
    app = FormApp(NoteForm())
    async with app.run_test():
        await settle(app)
        seen = []
        for _ in range(6):
            seen.append(app.screen.focused.id)
            type_fast(app, "tab")
            await settle(app)
        assert seen == ["title", "target", "note", "title", "target", "note"]


async def test_escape_cancels_with_none():
    app = FormApp(NoteForm())
    async with app.run_test():
        await settle(app)
        type_fast(app, *"typed", "escape")
        await settle(app)
        assert app.results == [None]


async def test_enter_goes_to_the_next_field_and_saves_from_the_last_one():
    class Two(FormDialog[tuple]):
        def fields(self):
            yield from text_field("A", "a")
            yield from text_field("B", "b")

        def values(self):
            return self.text("a"), self.text("b")

    app = FormApp(Two())
    async with app.run_test():
        await settle(app)
        type_fast(app, "x", "enter", "y")
        await settle(app)
        assert app.screen.focused.id == "b" and not app.results
        type_fast(app, "enter")
        await settle(app)
        assert app.results == [("x", "y")]


async def test_a_wrong_value_is_named_focused_and_nothing_typed_is_lost():
    app = FormApp(NoteForm())
    async with app.run_test():
        await settle(app)
        type_fast(app, *"Access", "ctrl+s")
        await settle(app)
        form = app.screen
        assert isinstance(form, NoteForm) and not app.results
        assert "a review note needs text" in str(form.query_one("#form-error").render())
        assert form.focused.id == "note"
        assert form.query_one("#title", Input).value == "Access"


async def test_save_runs_the_service_in_a_worker_and_a_service_error_keeps_the_form_open():
    calls = []

    def save(values):
        calls.append(values)
        if len(calls) == 1:
            raise InvalidInput("text: the note must not be empty after trimming")
        return 42

    app = FormApp(NoteForm(save=save))
    async with app.run_test():
        await settle(app)
        type_fast(app, *"t", "tab", "tab", *"a note", "ctrl+s")
        await settle(app)
        form = app.screen
        assert isinstance(form, NoteForm) and not app.results
        assert "Not saved: text: the note must not be empty" in str(form.query_one("#form-error").render())
        assert form.query_one("#note", TextArea).text == "a note"
        assert form.focused.id == "note"  # FIELD_NAMES maps the service's word to the field
        type_fast(app, "ctrl+s")
        await settle(app)
        assert app.results == [42] and len(calls) == 2


async def test_a_busy_engagement_is_waited_for_and_the_save_retried(monkeypatch):
    from fieldwork_tui.tui.kit import workers

    attempts = []
    release = threading.Event()

    def save(values):
        attempts.append(values["note"])
        if len(attempts) < 3:
            raise EngagementBusy("acme: the engagement is busy; nothing was saved, try again")
        release.wait(5)
        return "stored"

    app = FormApp(NoteForm(save=save))
    statuses = []
    monkeypatch.setattr(NoteForm, "_waiting", lambda self, n: statuses.append(n) or FormDialog._waiting(self, n))
    async with app.run_test():
        await settle(app)
        type_fast(app, "tab", "tab", *"kept", "ctrl+s")
        release.set()
        await settle(app)
        assert app.results == ["stored"] and attempts == ["kept", "kept", "kept"]
        assert statuses == [1, 2]
    assert workers.BUSY_ATTEMPTS > 3


async def test_escape_while_saving_stops_retrying_but_keeps_the_text():
    release = threading.Event()
    attempts = []

    def save(values):
        attempts.append(1)
        release.wait(5)
        raise EngagementBusy("acme: the engagement is busy; nothing was saved, try again")

    app = FormApp(NoteForm(save=save))
    async with app.run_test() as pilot:
        await settle(app)
        type_fast(app, "tab", "tab", *"precious words", "ctrl+s", "escape")
        for _ in range(100):
            if app.screen._stop_retrying:
                break
            await pilot.pause()
        release.set()
        await settle(app)
        form = app.screen
        assert isinstance(form, NoteForm) and attempts == [1] and not app.results
        assert form.query_one("#note", TextArea).text == "precious words"
        assert "busy" in str(form.query_one("#form-error").render())
        type_fast(app, "escape")
        await settle(app)
        assert app.results == [None]


async def test_prompt_dialog_multiline():
    app = FormApp(PromptDialog("Conclude", "What the comparison shows", "two users", multiline=True))
    async with app.run_test():
        await settle(app)
        assert isinstance(app.screen.focused, TextArea)
        type_fast(app, "end", "enter", *"followed up", "ctrl+s")
        await settle(app)
        assert app.results == ["two users\nfollowed up"]


def test_field_error_carries_the_field():
    err = FieldError("size", "size: expected a whole number")
    assert err.field == "size" and str(err) == "size: expected a whole number"


async def test_select_value_blank_reads_none():
    class Blank(FormDialog[object]):
        def fields(self):
            yield from choice_field("Pick", "pick", [("One", 1)], allow_blank=True)

        def values(self):
            return self.value("pick")

    app = FormApp(Blank())
    async with app.run_test():
        await settle(app)
        assert app.screen.query_one(Select).value is Select.NULL
        type_fast(app, "ctrl+s")
        await settle(app)
        assert app.results == [None]
