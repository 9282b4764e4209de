"""Import the control matrix from the TUI (as `fieldwork import controls` does): a file path, then the
import in a worker — all-or-nothing, re-importing updates controls by ref.

`import_control_matrix(screen)` is THE entry point (the Controls view's `i`, the palette). The column
mapping step for unknown headers (issue 22) plugs in here: `ImportControlsDialog.values()` gives the path;
`import_control_matrix` decides what happens between choosing the file and importing it.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult

from fieldwork_tui.services.controls import import_controls
from fieldwork_tui.tui.kit.forms import FormDialog, text_field


class ImportControlsDialog(FormDialog):
    TITLE_TEXT = "Import the control matrix"
    SAVE_LABEL = "Import"
    FIELD_NAMES = {"file": "path"}

    def fields(self) -> ComposeResult:
        yield from text_field("File (CSV or XLSX): the firm's control matrix; re-importing updates by ref",
                              "path", placeholder="~/client/control-matrix.xlsx")

    def values(self) -> Path:
        text = self.required("path", "file: give the path of the control matrix")
        return Path(text.strip().strip("'\"")).expanduser()


def import_control_matrix(screen) -> None:
    """Ask for the file, import it in a worker (the dialog stays open on an error), then reload."""
    handle = screen.handle

    def imported(result) -> None:
        if result is not None:
            screen.app.notify(result.describe())
            screen.load()

    screen.app.push_screen(ImportControlsDialog(save=lambda path: import_controls(handle, path)), imported)
