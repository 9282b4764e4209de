"""Dialog: set up a re-performance comparison — two lists, the key column on each side (their names
may differ), how keys match, an optional date window, and whether list A is the whole population of the
period (what tests a Type II control's operation across it). Reading a list's columns and running the
comparison happen in workers; the dialog returns the stored re-performance id, or None."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input, Label, ProgressBar, Select

from fieldwork_tui.domain.compare import DateWindow, norm_column
from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.forms import FieldError, FormDialog, choice_field, text_field

KEY_MODES = [
    ("trimmed, case-insensitive", "casefold"),
    ("e-mail matches user name (jdoe@x = jdoe)", "username"),
    ("exact (trimmed only)", "exact"),
]


class ComparisonDialog(FormDialog):
    """`columns(path)` reads a list's column names (worker); `save(args)` runs the comparison and
    returns the re-performance id."""

    SAVE_LABEL = "Compare"
    WIDTH = 110
    MAIN = "#path-a"
    FIELD_NAMES = {"list a": "path-a", "list b": "path-b", "key column": "key-a", "date window": "window-days"}

    def __init__(self, control_ref: str, columns: Callable[[str], list[str]], **kwargs) -> None:
        super().__init__(title=f"Re-perform {control_ref}: compare two lists", **kwargs)
        self.read_columns = columns
        self.columns: dict[str, list[str]] = {"a": [], "b": []}

    def hint(self) -> str:
        return "enter on a path reads its columns · ctrl+s compares · esc cancels"

    def fields(self) -> ComposeResult:
        with Horizontal(classes="row"):
            for side, hint in (("a", "List A — the list you pulled (CSV/XLSX path)"),
                               ("b", "List B — the list the client used or reviewed")):
                with Vertical(classes="half"):
                    yield from text_field(hint, f"path-{side}", placeholder="/path/to/list.csv — paste, then enter")
                    yield Select([], prompt="key column (load the list first)", id=f"key-{side}")
                    yield Input(placeholder="label, e.g. IdP export" if side == "a" else "label, e.g. reviewed list",
                                id=f"label-{side}")
        with Horizontal(classes="row"):
            with Vertical(classes="half"):
                yield from choice_field("Keys match", "key-mode", KEY_MODES, "casefold")
            with Vertical(classes="half"):
                yield from text_field("Title", "title", placeholder="e.g. Q2 user access review re-performed")
        yield Label("Date window (optional): flag a B date more than N days after the A date", classes="field-label")
        with Horizontal(classes="row"):
            with Vertical(classes="half"):
                yield Select([], prompt="date in A", id="window-a")
            with Vertical(classes="half"):
                yield Select([], prompt="date in B", id="window-b")
            with Vertical(classes="half"):
                yield Input(placeholder="days", id="window-days", type="integer")
        # Type II: only a list of every instance of the period evidences operation across it; one
        # quarter's list does not (the operating_effectiveness_untested flag stays)
        yield Checkbox("List A is every instance of the period (the whole population, not one quarter)",
                       False, id="whole-population")
        yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="progress")

    def on_mount(self) -> None:
        self.query_one("#progress", ProgressBar).display = False

    # -- loading the lists' columns (in a worker) ---------------------------------------------------
    @on(Input.Submitted, "#path-a, #path-b")
    def _path_entered(self, event: Input.Submitted) -> None:
        event.prevent_default()  # enter on a path reads its columns (the form's enter-moves-on waits for that)
        event.stop()
        self._load(event.input.id[-1], then_focus=True)

    @on(Input.Blurred, "#path-a, #path-b")
    def _path_left(self, event: Input.Blurred) -> None:
        side = event.input.id[-1]
        if event.input.value.strip() and not self.columns[side]:
            self._load(side)

    def _path(self, side: str) -> str:
        return self.query_one(f"#path-{side}", Input).value.strip().strip("'\"")

    def _load(self, side: str, then_focus: bool = False) -> None:
        path = self._path(side)
        if not path:
            return
        read = self.read_columns

        def got(cols: list[str]) -> None:
            self.show_error("")
            self.columns[side] = cols
            options = [(c, c) for c in cols]
            key = self.query_one(f"#key-{side}", Select)
            key.set_options(options)
            self.query_one(f"#window-{side}", Select).set_options(options)
            guess = self._guess_key(cols)
            if guess is not None:
                key.value = guess
            if side == "b" and self.columns["a"]:
                self._match_b_key()
            if then_focus:
                nxt = "#path-b" if side == "a" and not self.query_one("#path-b", Input).value else "#title"
                self.set_focus(self.query_one(nxt, Input))

        def failed(exc: BaseException) -> bool:
            _title, message = workers.describe_error(exc)
            self.show_error(message, f"path-{side}")
            return True

        workers.run(self, lambda: read(path), done=got, failed=failed, group=f"columns-{side}", exclusive=True)

    @staticmethod
    def _guess_key(cols: list[str]) -> str | None:
        """The first column that looks like an identifier (user, e-mail, id…), else the first column."""
        hints = ("login", "user", "email", "e-mail", "account", "employee", "id", "key", "name")
        for hint in hints:
            for c in cols:
                if hint in norm_column(c).split() or norm_column(c).startswith(hint):
                    return c
        return cols[0] if cols else None

    def _match_b_key(self) -> None:
        key_a = self.query_one("#key-a", Select).value
        if key_a in (Select.NULL, None):
            return
        for c in self.columns["b"]:
            if norm_column(c) == norm_column(str(key_a)):
                self.query_one("#key-b", Select).value = c
                return

    @on(Select.Changed, "#key-a")
    def _key_a_changed(self) -> None:
        self._match_b_key()

    # -- the comparison ------------------------------------------------------------------------------
    def values(self) -> dict:
        for side in ("a", "b"):
            if not self._path(side):
                raise FieldError(f"path-{side}", f"list {side.upper()}: paste the path of a CSV or XLSX file")
            if not self.columns[side]:
                self._load(side)
                raise FieldError(f"path-{side}", f"list {side.upper()}: reading its columns — choose the key, then "
                                                 "ctrl+s again")
        key_a, key_b = self.value("key-a"), self.value("key-b")
        if not key_a or not key_b:
            raise FieldError("key-a" if not key_a else "key-b", "key column: choose the key on both sides")
        window = None
        wa, wb, days_text = self.value("window-a"), self.value("window-b"), self.text("window-days")
        if wa or wb or days_text:
            if not (wa and wb and days_text.isdigit()):
                raise FieldError("window-days", "date window: choose a date column on each side and a number of days")
            window = DateWindow(str(wa), str(wb), int(days_text))
        return {"list_a": self._path("a"), "list_b": self._path("b"), "key_a": str(key_a), "key_b": str(key_b),
                "key_mode": str(self.value("key-mode")), "date_window": window, "title": str(self.value("title")),
                "label_a": str(self.value("label-a")), "label_b": str(self.value("label-b")),
                "whole_population": bool(self.value("whole-population"))}
