"""Dialog: attach files to a control. Browse with the keyboard (a folder tree) or paste a path; the
copy into the vault runs in a thread worker with a progress bar, so a gigabyte file never freezes
the app. Returns the number of files attached, or None when cancelled.

A pasted path is read the way a terminal delivers it (`tui/pasted_path.py`: surrounding quotes,
escaped spaces, a `file://` URI, a trailing newline taken off unless the text as typed names a
file), and the dialog says which path it used. A file already in the vault with another as-of
date or description is asked about: update the stored record, keep it, or cancel."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Label, ProgressBar


class AttachFileDialog(ModalScreen[int | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="attach.cancel", tooltip="Close (stops a copy in progress)"),
        Binding("ctrl+s", "attach", "Attach", id="attach.submit", tooltip="Copy the file(s) into the vault"),
    ]
    DEFAULT_CSS = """
    AttachFileDialog .hint { width: 1fr; padding-top: 1; }
    AttachFileDialog DirectoryTree { height: 12; border: round $primary 40%; }
    AttachFileDialog ProgressBar { padding-top: 1; }
    AttachFileDialog #attach-status { color: $text-muted; height: auto; }
    AttachFileDialog .row { height: auto; }
    AttachFileDialog .half { width: 1fr; height: auto; padding-right: 1; }
    """

    def __init__(self, control_ref: str, start: Path | None = None, *, statement_id: int | None = None,
                 title: str | None = None) -> None:
        super().__init__(classes="dialog")
        self.control_ref = control_ref
        #: Attaching for an inquiry statement: the file goes to the statement's controls and its
        #: evidence id is kept in `evidence_ids` for the corroboration that asked for it.
        self.statement_id = statement_id
        self.title_text = title
        self.evidence_ids: list[int] = []
        self.start = start or Path.home()
        self.cancel_event = threading.Event()
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text or f"Attach evidence to {self.control_ref}", classes="section-title")
            yield Label("Browse (enter on a file picks it), or paste a path below", classes="field-label")
            yield DirectoryTree(self.start, id="tree")
            yield Label("File or folder (a folder attaches all its files)", classes="field-label")
            yield Input(placeholder="/path/to/file.pdf", id="path")
            with Horizontal(classes="row"):
                with Vertical(classes="half"):
                    yield Label("As of (the evidence's own date)", classes="field-label")
                    yield Input(placeholder="YYYY-MM-DD", id="as-of")
                with Vertical(classes="half"):
                    yield Label("Description", classes="field-label")
                    yield Input(placeholder="what the file shows", id="description")
            yield ProgressBar(total=100, show_eta=False, id="progress")
            yield Label("", id="attach-status", markup=False)
            yield Label("", classes="error", id="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Label("enter attaches · escape cancels", classes="muted hint")
                yield Button("Cancel", id="cancel")
                yield Button("Attach", variant="primary", id="attach")

    def on_mount(self) -> None:
        self.query_one("#progress", ProgressBar).display = False
        self.query_one("#path", Input).focus()

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        self.query_one("#path", Input).value = str(event.path)
        self.query_one("#as-of", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_attach()

    @on(Button.Pressed, "#attach")
    def _attach_pressed(self) -> None:
        self.action_attach()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_attach(self, update: tuple[str, ...] = (), keep: tuple[str, ...] = ()) -> None:
        from fieldwork_tui.tui.kit.safe_text import visible
        from fieldwork_tui.tui.pasted_path import resolve_pasted_path, used_path_label

        if self.running:
            return
        typed = self.query_one("#path", Input).value
        if not typed.strip():
            self.query_one("#error", Label).update("File: pick a file in the tree or paste a path")
            return
        path = resolve_pasted_path(typed)
        self.used_label = visible(used_path_label(typed, path))
        self.query_one("#attach-status", Label).update(self.used_label)
        self.query_one("#error", Label).update("")
        self.running = True
        self.query_one("#attach", Button).disabled = True
        bar = self.query_one("#progress", ProgressBar)
        bar.display = True
        bar.update(total=100, progress=0)
        as_of = None if "as_of" in keep else (self.query_one("#as-of", Input).value.strip() or None)
        description = "" if "description" in keep else self.query_one("#description", Input).value.strip()
        self._run(path, as_of, description, update)

    @work(thread=True, exclusive=True, group="attach")
    def _run(self, path: str, as_of: str | None, description: str, update: tuple[str, ...] = ()) -> None:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.evidence import MetadataConflictError, attach, attach_for_statement

        last = [0.0, -1]

        def progress(done: int, total: int, name: str) -> None:
            pct = int(done * 100 / total) if total else 100
            now = time.monotonic()
            if pct != last[1] and (now - last[0] > 0.1 or pct == 100):  # at most ~10 UI updates a second
                last[0], last[1] = now, pct
                self.app.call_from_thread(self._show_progress, pct, name, done, total)

        try:
            if self.statement_id is not None:
                self.evidence_ids = [attach_for_statement(
                    self.app.handle, self.statement_id, path, as_of=as_of,  # type: ignore[attr-defined]
                    description=description, progress=progress, cancel=self.cancel_event, update=update)]
                result = self.evidence_ids
            else:
                result = attach(self.app.handle, self.control_ref, [path], as_of=as_of,  # type: ignore[attr-defined]
                                description=description, progress=progress, cancel=self.cancel_event,
                                update=update)
        except MetadataConflictError as exc:
            self.app.call_from_thread(self._ask_conflict, exc)
            return
        except FieldworkError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        except OSError as exc:
            self.app.call_from_thread(self._failed, f"{exc.filename or path}: {exc.strerror or exc}")
            return
        picked = Path(path).expanduser()
        self.app.call_from_thread(self._done, len(result), picked if picked.is_dir() else picked.parent)

    def _show_progress(self, pct: int, name: str, done: int, total: int) -> None:
        self.query_one("#progress", ProgressBar).update(progress=pct)
        self.query_one("#attach-status", Label).update(f"{name}: {done / 1e6:,.1f} of {total / 1e6:,.1f} MB")

    def _ask_conflict(self, exc) -> None:
        from fieldwork_tui.tui.dialogs.metadata_conflict import MetadataConflictDialog

        self.running = False
        self.query_one("#attach", Button).disabled = False
        self.query_one("#progress", ProgressBar).display = False
        fields = tuple(exc.fields)

        def decided(choice: str | None) -> None:
            if choice == "update":
                self.action_attach(update=fields)
            elif choice == "keep":
                self.action_attach(keep=fields)
            else:
                self.query_one("#error", Label).update("Not attached: the stored record was left as it is.")

        self.app.push_screen(MetadataConflictDialog(exc.name, exc.evidence_id, [c.describe() for c in exc.conflicts],
                                                    list(exc.used_by)), decided)

    def _failed(self, message: str) -> None:
        self.running = False
        self.query_one("#attach", Button).disabled = False
        self.query_one("#progress", ProgressBar).display = False
        self.query_one("#attach-status", Label).update(getattr(self, "used_label", ""))  # the path it tried
        if self.cancel_event.is_set():
            self.dismiss(None)
            return
        from fieldwork_tui.tui.kit.safe_text import visible

        self.query_one("#error", Label).update(visible(message))

    def _done(self, count: int, folder: Path) -> None:
        self.running = False
        self.app.attach_folder = folder  # type: ignore[attr-defined]  # the next picker opens here
        self.dismiss(count)

    def action_cancel(self) -> None:
        if self.running:
            self.cancel_event.set()  # the worker stops after the current chunk and removes its temp file
            return
        self.dismiss(None)
