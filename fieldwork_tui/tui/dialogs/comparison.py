"""Dialog: set up a re-performance comparison — two lists, the key column on each side (their names
may differ), how keys match, and an optional date window. The comparison runs in a thread worker;
the dialog returns the stored re-performance id, or None."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Select

KEY_MODES = [
    ("trimmed, case-insensitive", "casefold"),
    ("e-mail matches user name (jdoe@x = jdoe)", "username"),
    ("exact (trimmed only)", "exact"),
]


class ComparisonDialog(ModalScreen[int | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="compare.cancel", tooltip="Close without comparing"),
        Binding("ctrl+s", "compare", "Compare", id="compare.run", tooltip="Compare the two lists and store the result"),
    ]
    DEFAULT_CSS = """
    ComparisonDialog .hint { width: 1fr; padding-top: 1; }
    ComparisonDialog .row { height: auto; }
    ComparisonDialog .half { width: 1fr; height: auto; padding-right: 1; }
    ComparisonDialog .days { width: 16; height: auto; }
    ComparisonDialog ProgressBar { padding-top: 1; }
    """

    def __init__(self, control_ref: str) -> None:
        super().__init__(classes="dialog")
        self.control_ref = control_ref
        self.columns: dict[str, list[str]] = {"a": [], "b": []}
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical(id="compare-box"):
            yield Label(f"Re-perform {self.control_ref}: compare two lists", classes="section-title")
            with Horizontal(classes="row"):
                for side, hint in (("a", "List A — the list you pulled (CSV/XLSX path)"),
                                   ("b", "List B — the list the client used or reviewed")):
                    with Vertical(classes="half"):
                        yield Label(hint, classes="field-label")
                        yield Input(placeholder="/path/to/list.csv — paste, then enter", id=f"path-{side}")
                        yield Select([], prompt="key column (load the list first)", id=f"key-{side}")
                        yield Input(placeholder="label, e.g. IdP export" if side == "a"
                                    else "label, e.g. reviewed list", id=f"label-{side}")
            with Horizontal(classes="row"):
                with Vertical(classes="half"):
                    yield Label("Keys match", classes="field-label")
                    yield Select(KEY_MODES, value="casefold", allow_blank=False, id="key-mode")
                with Vertical(classes="half"):
                    yield Label("Title", classes="field-label")
                    yield Input(placeholder="e.g. Q2 user access review re-performed", id="title")
            yield Label("Date window (optional): flag a B date more than N days after the A date",
                        classes="field-label")
            with Horizontal(classes="row"):
                with Vertical(classes="half"):
                    yield Select([], prompt="date in A", id="window-a")
                with Vertical(classes="half"):
                    yield Select([], prompt="date in B", id="window-b")
                with Vertical(classes="days"):
                    yield Input(placeholder="days", id="window-days", type="integer")
            yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="progress")
            yield Label("", classes="error", id="error")
            with Horizontal(classes="buttons"):
                yield Label("ctrl+s compares · escape cancels", classes="muted hint")
                yield Button("Cancel", id="cancel")
                yield Button("Compare", variant="primary", id="compare")

    def on_mount(self) -> None:
        self.query_one("#compare-box").styles.width = 110  # wider than the default dialog: two lists side by side
        self.query_one("#progress", ProgressBar).display = False
        self.query_one("#path-a", Input).focus()

    # -- loading the lists' columns -------------------------------------------------
    @on(Input.Submitted, "#path-a, #path-b")
    def _path_entered(self, event: Input.Submitted) -> None:
        side = event.input.id[-1]
        if self._load(side):
            nxt = "#path-b" if side == "a" and not self.query_one("#path-b", Input).value else "#title"
            self.query_one(nxt, Input).focus()

    @on(Input.Blurred, "#path-a, #path-b")
    def _path_left(self, event: Input.Blurred) -> None:
        side = event.input.id[-1]
        if event.input.value.strip() and not self.columns[side]:
            self._load(side)

    def _load(self, side: str) -> bool:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.evidence import list_columns

        path = self.query_one(f"#path-{side}", Input).value.strip().strip("'\"")
        if not path:
            return False
        try:
            cols = list_columns(path)
        except FieldworkError as exc:
            self.query_one("#error", Label).update(str(exc))
            return False
        except OSError as exc:
            self.query_one("#error", Label).update(f"{path}: {exc.strerror or exc}")
            return False
        self.query_one("#error", Label).update("")
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
        return True

    @staticmethod
    def _guess_key(cols: list[str]) -> str | None:
        """The first column that looks like an identifier (user, e-mail, id…), else the first column."""
        from fieldwork_tui.domain.compare import norm_column

        hints = ("login", "user", "email", "e-mail", "account", "employee", "id", "key", "name")
        for hint in hints:
            for c in cols:
                if hint in norm_column(c).split() or norm_column(c).startswith(hint):
                    return c
        return cols[0] if cols else None

    def _match_b_key(self) -> None:
        from fieldwork_tui.domain.compare import norm_column

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

    # -- running ---------------------------------------------------------------------
    @on(Input.Submitted, "#title, #label-a, #label-b, #window-days")
    def _submit(self) -> None:
        self.action_compare()

    @on(Button.Pressed, "#compare")
    def _compare_pressed(self) -> None:
        self.action_compare()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def _value(self, selector: str) -> str | None:
        value = self.query_one(selector, Select).value
        return None if value in (Select.NULL, None) else str(value)

    def action_compare(self) -> None:
        from fieldwork_tui.domain.compare import DateWindow

        if self.running:
            return
        error = self.query_one("#error", Label)
        for side in ("a", "b"):
            if not self.columns[side] and not self._load(side):
                if not str(error.content):
                    error.update(f"List {side.upper()}: paste the path of a CSV or XLSX file")
                return
        key_a, key_b = self._value("#key-a"), self._value("#key-b")
        if not key_a or not key_b:
            error.update("Key column: choose the key on both sides")
            return
        window = None
        wa, wb = self._value("#window-a"), self._value("#window-b")
        days_text = self.query_one("#window-days", Input).value.strip()
        if wa or wb or days_text:
            if not (wa and wb and days_text.isdigit()):
                error.update("Date window: choose a date column on each side and a number of days")
                return
            window = DateWindow(wa, wb, int(days_text))
        error.update("")
        self.running = True
        self.query_one("#compare", Button).disabled = True
        self.query_one("#progress", ProgressBar).display = True
        self._run({
            "list_a": self.query_one("#path-a", Input).value.strip().strip("'\""),
            "list_b": self.query_one("#path-b", Input).value.strip().strip("'\""),
            "key_a": key_a, "key_b": key_b, "key_mode": str(self.query_one("#key-mode", Select).value),
            "date_window": window, "title": self.query_one("#title", Input).value,
            "label_a": self.query_one("#label-a", Input).value, "label_b": self.query_one("#label-b", Input).value,
        })

    @work(thread=True, exclusive=True, group="compare")
    def _run(self, args: dict) -> None:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.evidence import run_comparison

        try:
            outcome = run_comparison(self.app.handle, self.control_ref, **args)  # type: ignore[attr-defined]
        except FieldworkError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        except OSError as exc:
            self.app.call_from_thread(self._failed, f"{exc.filename}: {exc.strerror or exc}")
            return
        self.app.call_from_thread(self.dismiss, outcome.reperformance.id)

    def _failed(self, message: str) -> None:
        self.running = False
        self.query_one("#compare", Button).disabled = False
        self.query_one("#progress", ProgressBar).display = False
        self.query_one("#error", Label).update(message)

    def action_cancel(self) -> None:
        if not self.running:
            self.dismiss(None)
