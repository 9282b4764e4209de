"""Small dialogs the request views share: pick one of a list (the kit's PickDialog), a file path (with
an optional yes/no choice) for import and export, and the files the client sent."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Checkbox, Label

from fieldwork_tui.tui.kit.forms import FieldError, FormDialog, area_field, text_field
from fieldwork_tui.tui.kit.pick import PickDialog

__all__ = ["FilesDialog", "PathDialog", "PickDialog"]


class PathDialog(FormDialog):
    """A file path (and one optional yes/no choice). Returns (path, choice) — or what `save` returns."""

    FIELD_NAMES = {"file": "path", "path": "path"}

    def __init__(self, title: str, *, value: str = "", action: str = "OK", option: str | None = None,
                 option_value: bool = False, hint: str = "", **kwargs) -> None:
        super().__init__(title=title, subtitle=hint, **kwargs)
        self.value_text, self.option, self.option_value = value, option, option_value
        self.SAVE_LABEL = action  # type: ignore[misc]

    def fields(self) -> ComposeResult:
        yield from text_field("File", "path", self.value_text, placeholder="path/to/file")
        if self.option:
            yield Label("", classes="field-label")
            yield Checkbox(self.option, value=self.option_value, id="option")

    def values(self) -> tuple[str, bool]:
        path = self.required("path", "file: type a file path").strip("'\"")
        return path, bool(self.value("option")) if self.option else False


class FilesDialog(FormDialog):
    """Files the client sent: one path per line. Returns the paths (or what `save` returns)."""

    SAVE_LABEL = "Attach"

    def __init__(self, title: str, **kwargs) -> None:
        super().__init__(title=title, subtitle="One file path per line; they are copied into the evidence vault.",
                         **kwargs)

    def fields(self) -> ComposeResult:
        yield from area_field("Files", "paths", height=5)

    def values(self) -> list[str]:
        paths = [line.strip().strip('"') for line in str(self.value("paths")).splitlines() if line.strip()]
        if not paths:
            raise FieldError("paths", "files: list at least one file")
        return paths
