"""Dialog: attach files to a control. Browse with the keyboard (a folder tree) or paste a path; the
copy into the vault runs in the form's worker with a progress bar, so a gigabyte file never freezes
the app; escape while copying stops the copy (the partial file is removed). Returns the number of
files attached, or None when cancelled.

A pasted path is read the way a terminal delivers it (`tui/pasted_path.py`: surrounding quotes,
escaped spaces, a `file://` URI, a trailing newline taken off unless the text as typed names a
file), and the dialog says which path it used. A file already in the vault with another as-of
date or description is asked about: update the stored record, keep it, or cancel."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DirectoryTree, Input, ProgressBar, Static

from fieldwork_tui.services.evidence import MetadataConflictError
from fieldwork_tui.tui.kit.confirm import ChoiceDialog
from fieldwork_tui.tui.kit.forms import FormDialog, text_field
from fieldwork_tui.tui.kit.safe_text import safe_content, visible
from fieldwork_tui.tui.pasted_path import resolve_pasted_path, used_path_label

#: attach(path, as_of, description, progress, cancel, update) -> number of files attached; `update`
#: names the stored values (as_of, description) the auditor chose to change on a file already in the vault
Attach = Callable[[str, str | None, str, Callable[[int, int, str], None], threading.Event, tuple[str, ...]], int]


def conflict_message(exc: MetadataConflictError) -> str:
    """The question when the file is already in the vault with another as-of date or description: the
    values belong to the document, so the auditor decides (update the record, keep what is stored, or
    cancel)."""
    lines = [f"{exc.name} is already in the vault as evidence #{exc.evidence_id}:"]
    lines += [f"  • {c.describe()}" for c in exc.conflicts]
    used = ", ".join(exc.used_by) if exc.used_by else "no control yet"
    lines += ["", "The date and description belong to the document. Updating changes them for every "
                  f"control using it ({used}); their sign-offs go stale. Keeping attaches it with what is stored."]
    return "\n".join(lines)


class AttachFileDialog(FormDialog):
    SAVE_LABEL = "Attach"
    WIDTH = 90
    MAIN = "#path"
    FIELD_NAMES = {"as of": "as-of", "file": "path", "description": "description"}
    DEFAULT_CSS = """
    AttachFileDialog DirectoryTree { height: 10; border: round $primary 40%; }
    AttachFileDialog ProgressBar { padding-top: 1; }
    AttachFileDialog #attach-status { color: $text-muted; height: auto; }
    """

    def __init__(self, control_ref: str, attach: Attach, start: Path | None = None, *,
                 title: str | None = None) -> None:
        """`title` names what the file is for when it is not simply a control (a statement's evidence)."""
        super().__init__(title=title or f"Attach evidence to {control_ref}")
        self.start = start or Path.home()
        self.attach_fn = attach
        self.cancel_event = threading.Event()
        self._save = self._copy_in  # the copy runs in the form's worker
        self._update: tuple[str, ...] = ()  # after "already in the vault": change the stored values...
        self._keep: tuple[str, ...] = ()  # ...or attach with what is stored
        self.used_label = ""

    def fields(self) -> ComposeResult:
        yield from text_field("File or folder (paste a path; a folder attaches all its files)", "path",
                              placeholder="/path/to/file.pdf")
        with Horizontal(classes="row"):
            with Vertical(classes="half"):
                yield from text_field("As of (the evidence's own date)", "as-of", placeholder="YYYY-MM-DD")
            with Vertical(classes="half"):
                yield from text_field("Description", "description", placeholder="what the file shows")
        yield Static("…or browse (tab here; enter on a file picks it)", classes="field-label")
        yield DirectoryTree(self.start, id="tree")
        yield ProgressBar(total=100, show_eta=False, id="progress")
        yield Static("", id="attach-status")

    def on_mount(self) -> None:
        self.query_one("#progress", ProgressBar).display = False

    def hint(self) -> str:
        return "ctrl+s attaches · esc cancels (stops a copy)"

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        self.query_one("#path", Input).value = str(event.path)
        self.set_focus(self.query_one("#as-of", Input))

    def values(self) -> dict:
        # the text as typed: what a terminal paste adds is taken off in the worker (it looks at the disk)
        typed = self.value("path") or ""
        if not typed.strip():
            self.required("path", "file: pick a file in the tree or paste a path")
        return {"typed": typed,
                "as_of": None if "as_of" in self._keep else (self.text("as-of") or None),
                "description": "" if "description" in self._keep else self.text("description"),
                "update": self._update}

    def _copy_in(self, values: dict) -> int:  # not `_attach`: Textual's DOMNode._attach(parent)
        typed = values["typed"]
        path = resolve_pasted_path(typed)
        self.app.call_from_thread(self._started, path, visible(used_path_label(typed, path)))
        last = [0.0, -1]

        def progress(done: int, total: int, name: str) -> None:
            pct = int(done * 100 / total) if total else 100
            now = time.monotonic()
            if pct != last[1] and (now - last[0] > 0.1 or pct == 100):  # at most ~10 UI updates a second
                last[0], last[1] = now, pct
                self.app.call_from_thread(self._show_progress, pct, name, done, total)

        try:
            return self.attach_fn(path, values["as_of"], values["description"], progress, self.cancel_event,
                                  values["update"])
        finally:
            self.app.call_from_thread(self._stopped)

    def _started(self, path: str, used_label: str) -> None:
        self.used_label = used_label
        bar = self.query_one("#progress", ProgressBar)
        bar.display = True
        bar.update(total=100, progress=0)
        self.query_one("#attach-status", Static).update(safe_content(f"{used_label} · copying {path} …"
                                                                     if used_label else f"Copying {path} …"))

    def _stopped(self) -> None:
        self._update, self._keep = (), ()
        self.query_one("#progress", ProgressBar).display = False
        self.query_one("#attach-status", Static).update(safe_content(self.used_label))  # the path it used
        if self.cancel_event.is_set():
            self.dismiss(None)

    def _show_progress(self, pct: int, name: str, done: int, total: int) -> None:
        self.query_one("#progress", ProgressBar).update(progress=pct)
        self.query_one("#attach-status", Static).update(
            f"{visible(name)}: {done / 1e6:,.1f} of {total / 1e6:,.1f} MB")

    def _save_failed(self, exc: BaseException) -> bool:
        if isinstance(exc, MetadataConflictError):
            self.saving = False
            self.show_status("")
            self._ask_conflict(exc)
            return True
        return super()._save_failed(exc)

    def _ask_conflict(self, exc: MetadataConflictError) -> None:
        fields = tuple(exc.fields)

        def decided(choice: str | None) -> None:
            if choice == "update":
                self._update = fields
                self.action_save()
            elif choice == "keep":
                self._keep = fields
                self.action_save()
            else:
                self.show_error("Not attached: the stored record was left as it is.")

        self.app.push_screen(ChoiceDialog("Already in the vault", conflict_message(exc),
                                          [("u", "Update", "update"), ("k", "Keep stored", "keep")], later="Cancel"),
                             decided)

    def stop_saving(self) -> None:
        """Escape while copying: the worker stops after the current chunk and removes its temp file."""
        super().stop_saving()
        self.cancel_event.set()
