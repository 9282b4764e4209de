"""The one dialog base: a form that returns a value.

Every form behaves the same way:

* `ctrl+s` saves from any field; `escape` cancels; `enter` in a one-line field goes to the next
  field and saves from the last one (or earlier where the dialog says the rest is optional,
  `enter_saves`); in a multi-line field (`TextArea`) it starts a new line;
* `Tab` / `shift+Tab` walk the fields in order — the buttons are for the mouse and never take the
  focus, so Tab never lands on Cancel;
* a wrong value is named on the error line (`FieldError("field-id", "…")`) and its field takes the
  focus; nothing is closed and nothing typed is lost;
* with `save=` the form calls the service itself, in a worker, while it stays open: "Saving…", then
  it closes with the service's result; a user error from the service shows on the error line; a
  write that waits for another process's lock is retried ("Waiting for the engagement…"); while it
  waits, escape asks to be pressed again and the second press stops retrying (a single escape while
  a save runs without waiting - an attach's copy - stops it at once). Either way the form stays open
  with what was typed and the reason nothing was saved; only an escape after that closes it. (Both
  presses stop the same wait: before, the first press already stopped it, and a second press that
  came after the last try had failed closed the form and dropped the text.)

Subclass `FormDialog`, give `TITLE_TEXT` (or `title=`), `fields()` (compose the widgets, ids on each)
and `values()` (read them, raise `FieldError`). Use `text_field()` / `area_field()` / `choice_field()`
helpers for the label + widget pairs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, RadioSet, Select, SelectionList, Static, TextArea

from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.safe_text import safe_content, visible
from fieldwork_tui.tui.kit.screen import KitModal

T = TypeVar("T")


class FieldError(ValueError):
    """A value the form cannot accept: `field` is the id of the widget to fix (or None)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class FormBody(VerticalScroll, can_focus=False):
    """The scrolling body of a form (not itself a tab stop: Tab goes field to field)."""


class FormButton(Button, can_focus=False):
    """A form's button: clickable, never a tab stop."""


def text_field(label: str, id: str, value: str = "", *, placeholder: str = "", **kwargs: Any) -> ComposeResult:
    """A label and a one-line field."""
    yield Label(label, classes="field-label", markup=False)
    yield Input(value, placeholder=placeholder, id=id, **kwargs)


def area_field(label: str, id: str, value: str = "", *, height: int = 4, placeholder: str = "") -> ComposeResult:
    """A label and a multi-line field (observations, statements, notes: text that runs long)."""
    yield Label(label, classes="field-label", markup=False)
    area = TextArea(value, id=id, soft_wrap=True, tab_behavior="focus", show_line_numbers=False,
                    placeholder=placeholder, classes="form-area")
    area.styles.height = height + 2
    yield area


def choice_field(label: str, id: str, options: list[tuple[str, Any]], value: Any = Select.NULL, *,
                 allow_blank: bool = False, prompt: str = "Select") -> ComposeResult:
    """A label and a choice."""
    yield Label(label, classes="field-label", markup=False)
    if value is Select.NULL and not allow_blank and options:
        value = options[0][1]
    yield Select(options, value=value, allow_blank=allow_blank, prompt=prompt, id=id)


class FormDialog(KitModal, Generic[T]):
    """A modal form returning `T` (or None when cancelled). See the module docstring."""

    KEYS_LABEL = "Every form"
    TITLE_TEXT: ClassVar[str] = ""
    SAVE_LABEL: ClassVar[str] = "Save"
    #: What a refused save is called in the form's error line ("Not saved: …"; a jump says otherwise).
    FAILED_LABEL: ClassVar[str] = "Not saved"
    WIDTH: ClassVar[int] = 80
    #: words a service error may start with ("text: …") → the id of the field it is about
    FIELD_NAMES: ClassVar[dict[str, str]] = {}

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form.save", tooltip="Save (the form stays open if a value is wrong)"),
        Binding("escape", "cancel", "Cancel", id="form.cancel", tooltip="Close without saving"),
        Binding("ctrl+r", "reload", "Reload", id="form.reload",
                tooltip="After a save was refused because someone changed the record: show their version"),
    ]
    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog > #form-box {
        height: auto; max-height: 95%; border: thick $accent 60%; background: $surface; padding: 0 2;
    }
    FormDialog #form-body { height: auto; max-height: 1fr; }
    FormDialog .form-title { text-style: bold; color: $accent; padding-top: 1; }
    FormDialog .form-subtitle { color: $text-muted; }
    FormDialog Label.field-label { padding-top: 1; color: $text-muted; }
    FormDialog #form-error { color: $error; height: auto; }
    FormDialog #form-status { color: $text-muted; height: auto; }
    FormDialog .form-buttons { height: auto; padding: 1 0; }
    FormDialog .form-buttons .form-hint { width: 1fr; color: $text-muted; padding-top: 1; }
    FormDialog .form-buttons Button { margin-left: 1; }
    FormDialog .row { height: auto; }
    FormDialog .row > * { width: 1fr; }
    FormDialog .half { width: 1fr; height: auto; padding-right: 1; }
    """
    MAIN = ("#form-body Input, #form-body TextArea, #form-body Select, #form-body SelectionList, "
            "#form-body Checkbox, #form-body RadioSet, #form-body DirectoryTree")

    def __init__(self, *, title: str | None = None, subtitle: str = "",
                 save: Callable[[Any], T] | None = None, fetch: Callable[[], Any] | None = None,
                 reload: Callable[[], Any] | None = None) -> None:
        """`save(values)` is the service call saving the form (run in a worker, the form stays open);
        `fetch()` reads what the form offers (choices from the engagement) in a worker before it takes
        keys — `show(data)` fills the fields. `reload()`, for a form whose record the screen behind
        shows (a status change, a bulk change): after a save was refused because someone changed the
        record, ctrl+r runs it in a worker — it reads the record's new version (and shows it behind) —
        and the typed values stay, to be saved over their change."""
        super().__init__()
        self.title_text = title if title is not None else self.TITLE_TEXT
        self.subtitle = subtitle
        self._save = save
        self._fetch = fetch
        self._reload = reload
        self.saving = False
        self._stop_retrying = False
        self._lock_waits = False  # the save in progress is waiting for another process's lock
        self._stop_asked = False  # escape was pressed once during that wait
        self.conflict = False  # a save was refused: someone changed the record since the form read it

    def _kit_fetches(self) -> bool:
        return self._fetch is not None or super()._kit_fetches()

    def fetch(self) -> Any:
        return self._fetch() if self._fetch is not None else None

    # -- layout ---------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="form-box") as box:
            box.styles.width = self.WIDTH
            yield Static(safe_content(self.title_text), classes="form-title")
            if self.subtitle:
                yield Static(safe_content(self.subtitle), classes="form-subtitle")
            with FormBody(id="form-body"):
                yield from self.fields()
            yield Static("", id="form-error")
            yield Static("", id="form-status")
            with Horizontal(classes="form-buttons"):
                yield Static(self.hint(), classes="form-hint", markup=False)
                yield FormButton("Cancel", id="form-cancel")
                yield FormButton(self.SAVE_LABEL, variant="primary", id="form-save")

    def fields(self) -> ComposeResult:
        yield from ()

    def hint(self) -> str:
        return "ctrl+s saves · esc cancels · tab next field"

    def values(self) -> Any:
        """The result (given to `save=` or returned), or raise FieldError."""
        return None

    # -- reading fields ---------------------------------------------------------------------------------
    def value(self, field_id: str) -> Any:
        """The value of a field: text (Input, TextArea), a choice (Select; None when blank), a bool
        (Checkbox) or a list (SelectionList)."""
        widget = self.query_one(f"#{field_id}")
        if isinstance(widget, Input):
            return widget.value
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else widget.value
        if isinstance(widget, Checkbox):
            return widget.value
        if isinstance(widget, SelectionList):
            return list(widget.selected)
        raise TypeError(f"#{field_id} is not a form field")

    def fill(self, values: dict[str, Any]) -> None:
        """Set fields by id (after `fetch` read what they hold)."""
        for field_id, value in values.items():
            widget = next(iter(self.query(f"#{field_id}")), None)
            if isinstance(widget, Input):
                widget.value = "" if value is None else str(value)
            elif isinstance(widget, TextArea):
                widget.load_text("" if value is None else str(value))
            elif isinstance(widget, Select):
                widget.value = Select.NULL if value is None else value
            elif isinstance(widget, Checkbox):
                widget.value = bool(value)

    def text(self, field_id: str) -> str:
        """A text field's value, stripped of surrounding blanks."""
        return str(self.value(field_id) or "").strip()

    def required(self, field_id: str, message: str) -> str:
        value = self.text(field_id)
        if not value:
            raise FieldError(field_id, message)
        return value

    # -- errors and status ------------------------------------------------------------------------------
    def show_error(self, message: str, field: str | None = None) -> None:
        self.query_one("#form-error", Static).update(safe_content(message))
        if field:
            widget = next(iter(self.query(f"#{field}")), None)
            if isinstance(widget, Widget) and widget.focusable:
                self.set_focus(widget)

    def show_status(self, message: str) -> None:
        self.query_one("#form-status", Static).update(safe_content(message))

    def _field_of(self, message: str) -> str | None:
        head = message.split(":", 1)[0].strip().lower()
        field = self.FIELD_NAMES.get(head) or head.replace(" ", "-").replace("_", "-")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", field):  # e.g. a message starting with a file path
            return None
        return field if self.query(f"#{field}") else None

    # -- keys -------------------------------------------------------------------------------------------
    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        chain = [w for w in self.focus_chain
                 if isinstance(w, Input | TextArea | Select | Checkbox | SelectionList | RadioSet)]
        if (event.input in chain and chain.index(event.input) < len(chain) - 1
                and not self.enter_saves(event.input)):
            self.set_focus(chain[chain.index(event.input) + 1])
        else:
            self.action_save()

    def enter_saves(self, field: Input) -> bool:
        """Whether enter in `field` saves at once although fields follow it (the rest are optional
        for what it holds). Default: only the last field saves."""
        return False

    @on(Button.Pressed, "#form-save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#form-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_save(self) -> None:
        if self.saving:
            self.show_status("Still saving…")
            return
        try:
            result = self.values()
        except FieldError as exc:
            self.show_error(exc.message, exc.field)
            return
        self.show_error("")
        if self._save is None:
            self.dismiss(result)
            return
        self.saving = True
        self._stop_retrying = self._lock_waits = self._stop_asked = False
        self.show_status("Saving…")
        save = self._save
        workers.run(self, lambda: save(result), done=self._saved, failed=self._save_failed, on_wait=self._waiting,
                    retry_busy=lambda: not self._stop_retrying, group="form-save", description="save form")

    def _saved(self, result: Any) -> None:
        self.saving = False
        self.dismiss(result)

    def _waiting(self, attempt: int) -> None:
        self._lock_waits = True
        if self._stop_asked:
            return  # "press esc again" stays on the status line
        self.show_status(f"Waiting for the engagement: another fieldwork process is writing (try {attempt + 1}). "
                         "What you typed is kept; esc twice stops waiting.")

    def _save_failed(self, exc: BaseException) -> bool:
        from fieldwork_tui.services.errors import FieldworkError, SaveConflict

        self.saving = False
        self.show_status("")
        if isinstance(exc, SaveConflict):  # the typed text stays; the person chooses
            self.conflict = True
            reload = (" · ctrl+r reads their change (what you typed stays), then save again" if self._reload else
                      " · ctrl+r reloads their version (replacing what you typed)" if self._fetch else "")
            self.show_error(f"{self.FAILED_LABEL}: {visible(str(exc))}{reload}")
            return True
        if isinstance(exc, FieldworkError):
            message = visible(str(exc))
            self.show_error(f"{self.FAILED_LABEL}: {message}", self._field_of(message))
            return True
        title, message = workers.describe_error(exc)
        self.show_error(f"{self.FAILED_LABEL}: {message}")
        return not title.startswith("Unexpected")  # unexpected errors are also reported (and logged)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reload":
            return self.conflict and (self._fetch is not None or self._reload is not None)
        return super().check_action(action, parameters)

    def action_reload(self) -> None:
        """Read the record again (its new version too, through `fetch`) and show it in the fields; or,
        with `reload`, read its new version and keep the fields as typed."""
        if not self.conflict or self.saving:
            return
        if self._reload is not None:
            self.conflict = False
            self.show_error("")
            self.show_status("Reading their change…")
            workers.run(self, self._reload, done=lambda _r: self.show_status(
                "Reloaded: their change is shown behind this form; what you typed is kept (ctrl+s saves it over "
                "their change)."), failed=self._save_failed, group="form-reload", description="reload form")
        elif self._fetch is not None:
            self.conflict = False
            self.show_error("")
            self.show_status("Reloaded: the fields show the record as it is now.")
            self.load()

    def stop_saving(self) -> None:
        """Escape while saving: by default stop retrying a busy write (an attach stops its copy)."""
        self._stop_retrying = True

    def action_cancel(self) -> None:
        if self.saving:
            if self._stop_retrying:
                self.show_status("Stopping after the current try; what you typed stays.")
            elif self._lock_waits and not self._stop_asked:
                self._stop_asked = True
                self.show_status("Still waiting for the engagement; what you typed is kept. "
                                 "Press esc again to stop waiting.")
            else:
                self.stop_saving()
                self.show_status("Still saving. The current try finishes first; nothing is retried after it.")
            return
        self.dismiss(None)


class PromptDialog(FormDialog[str]):
    """One text value (a note, a conclusion, a path). `multiline` gives a TextArea."""

    def __init__(self, title: str, label: str, value: str = "", *, placeholder: str = "", multiline: bool = False,
                 required: str | None = None, subtitle: str = "", save_label: str | None = None,
                 save: Callable[[str], Any] | None = None, failed_label: str | None = None) -> None:
        super().__init__(title=title, subtitle=subtitle, save=save)
        self.label, self.initial, self.placeholder = label, value, placeholder
        self.multiline, self.required_message = multiline, required
        if save_label:
            self.SAVE_LABEL = save_label  # type: ignore[misc]
        if failed_label:
            self.FAILED_LABEL = failed_label  # type: ignore[misc]

    def fields(self) -> ComposeResult:
        if self.multiline:
            yield from area_field(self.label, "text", self.initial, placeholder=self.placeholder)
        else:
            yield from text_field(self.label, "text", self.initial, placeholder=self.placeholder)

    def values(self) -> str:
        if self.required_message:
            return self.required("text", self.required_message)
        return str(self.value("text"))
