"""Import a control matrix or a request list from the TUI, with the column-mapping step (as
`fieldwork import controls|requests [--sheet S] [--profile P] [--map H=F] [--dry-run]` does).

1. `ImportFileDialog`: the file, an optional sheet and a saved mapping profile; its worker reads the
   preview (the file's columns, the first rows and the proposed mapping — nothing written).
2. `ImportMappingDialog`: every column of the file beside the app's fields, proposed from the
   importer's header words (or the profile), with the first rows under it; the user adjusts,
   `ctrl+d` shows what the import would change (a dry run), `ctrl+s` imports all-or-nothing and,
   when a profile name is given, saves the mapping for the next file from this firm.

`import_control_matrix(screen)` and `import_request_list(screen)` are the entry points (the Controls
view's `i`, the Requests view's import key, the palette).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, Select, Static

from fieldwork_tui.services.imports import MappingProfile, list_profiles, save_profile
from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.forms import FieldError, FormDialog, choice_field, text_field
from fieldwork_tui.tui.kit.safe_text import safe_content, visible
from fieldwork_tui.tui.kit.styles import role

#: The choice that keeps a column as a named extra field on each control or request.
KEEP = ""
KEEP_LABEL = "keep as an extra field"


@dataclass(frozen=True)
class ImportKind:
    kind: str  # controls | requests
    title: str
    noun: str
    preview: Callable[..., Any]  # services: preview_controls / preview_requests
    run: Callable[..., Any]  # services: import_controls / import_requests (handle, path, **kw)


class ImportFileDialog(FormDialog):
    """Step 1: which file (sheet, profile). Returns what `save` returns: the preview."""

    SAVE_LABEL = "Next: columns"
    FIELD_NAMES = {"file": "path", "sheet": "sheet", "profile": "profile"}

    def __init__(self, kind: ImportKind, profiles: list[str], **kwargs) -> None:
        super().__init__(title=kind.title, subtitle=f"CSV or XLSX. The next step shows the file's columns beside "
                                                    f"the app's fields; re-importing updates {kind.noun} by ID.",
                         **kwargs)
        self.kind, self.profiles = kind, profiles

    def fields(self) -> ComposeResult:
        yield from text_field("File", "path", placeholder="~/client/list.xlsx")
        yield from text_field("Sheet (XLSX; empty: the first visible sheet holding the header)", "sheet")
        options = [("(none: propose from the header words)", KEEP)] + [(visible(p), p) for p in self.profiles]
        yield from choice_field("Mapping profile", "profile", options, KEEP)

    def values(self) -> dict:
        path = self.required("path", "file: give the path of a CSV or XLSX file").strip("'\"")
        return {"path": Path(path).expanduser(), "sheet": self.text("sheet") or None,
                "profile": self.value("profile") or None}


class ImportMappingDialog(FormDialog):
    """Step 2: the column mapping, a preview, a dry run, the import and the profile."""

    SAVE_LABEL = "Import"
    WIDTH = 118
    FIELD_NAMES = {"profile": "save-profile", "profile name": "save-profile"}
    BINDINGS = [
        Binding("ctrl+d", "dry_run", "What would change", id="import.dry_run",
                tooltip="Read the file with this mapping and list what the import would change (nothing written)"),
    ]
    DEFAULT_CSS = """
    ImportMappingDialog > #form-box { height: 95%; }
    ImportMappingDialog #form-body { height: 1fr; max-height: 100%; }
    ImportMappingDialog .map-row { height: auto; }
    ImportMappingDialog .map-row .map-header { width: 40; padding: 0 1 0 0; }
    ImportMappingDialog .map-row Select { width: 1fr; }
    ImportMappingDialog #preview { height: auto; padding-top: 1; }
    ImportMappingDialog #plan { height: auto; max-height: 10; overflow-y: auto; color: $text-muted; margin-top: 1; }
    ImportMappingDialog #unrecognised { color: $warning; height: auto; }
    """

    def __init__(self, kind: ImportKind, preview, *, dry_run: Callable[[dict], Any] | None = None, **kwargs) -> None:
        super().__init__(title=f"{kind.title}: columns", subtitle=f"{preview.source}", **kwargs)
        self.kind, self.preview, self.run_dry = kind, preview, dry_run

    def hint(self) -> str:
        return "ctrl+s imports · ctrl+d what would change · esc cancels"

    def fields(self) -> ComposeResult:
        p = self.preview
        if not p.recognised:
            yield Static("The importer does not know these headers: choose what each column holds.",
                         id="unrecognised", markup=False)
        options = [(visible(label), name) for name, label in p.fields] + [(KEEP_LABEL, KEEP)]
        for i, (header, proposed) in enumerate(p.proposed):
            with Horizontal(classes="map-row"):
                yield Label(visible(header), classes="map-header", markup=False)
                yield Select(options, value=proposed, allow_blank=False, compact=True, id=f"map-{i}")
        with Vertical():
            yield from text_field("Save this mapping as a profile (optional: reused with --profile NAME)",
                                  "save-profile", p.profile or "", placeholder="e.g. acme-pbc")
        yield Static(self._preview_table(), id="preview")
        yield VerticalScroll(Static("", id="plan-text", markup=False), id="plan", can_focus=False)

    def _preview_table(self) -> Table:
        p = self.preview
        table = Table(title=f"First {len(p.rows)} rows", title_justify="left", title_style=role("muted"),
                      expand=True, show_lines=False, pad_edge=False)
        for header in p.headers:
            table.add_column(Text(visible(header)), overflow="ellipsis", no_wrap=True, max_width=30)
        for row in p.rows:
            table.add_row(*[Text(visible(c)) for c in row[:len(p.headers)]],
                          *[""] * max(0, len(p.headers) - len(row)))
        return table

    def chosen(self) -> dict[int, str]:
        return {i: str(self.query_one(f"#map-{i}", Select).value) for i in range(len(self.preview.headers))}

    def values(self) -> dict:
        chosen = self.chosen()
        problems = self.preview.problems(chosen)
        if problems:
            raise FieldError("map-0", "columns: " + "; ".join(problems))
        name = self.text("save-profile")
        return {"mapping": self.preview.mapping_pairs(chosen), "sheet": self.preview.sheet,
                "profile_name": name or None,
                "columns": {self.preview.headers[i]: f for i, f in chosen.items() if self.preview.headers[i]}}

    def action_dry_run(self) -> None:
        if self.run_dry is None:
            return
        try:
            values = self.values()
        except FieldError as exc:
            self.show_error(exc.message, exc.field)
            return
        self.show_error("")
        plan = self.query_one("#plan-text", Static)
        plan.update("Reading the file with this mapping…")

        def shown(result) -> None:
            lines = result.lines() if hasattr(result, "lines") else [str(result)]
            plan.update(safe_content("\n".join(lines[:40]), keep_lines=True))

        def failed(exc: BaseException) -> bool:
            _title, message = workers.describe_error(exc)
            plan.update("")
            self.show_error(f"Would not import: {message}")
            return True

        run = self.run_dry
        workers.run(self, lambda: run(values), done=shown, failed=failed, group="import-dry-run", exclusive=True)


def _kinds() -> dict[str, ImportKind]:
    from fieldwork_tui.services.controls import import_controls, preview_controls
    from fieldwork_tui.services.requests import import_requests, preview_requests

    return {"controls": ImportKind("controls", "Import the control matrix", "controls", preview_controls,
                                   import_controls),
            "requests": ImportKind("requests", "Import the client's request list", "requests", preview_requests,
                                   import_requests)}


def result_message(result) -> str:
    """What the import did, and what it noticed (columns kept as extra fields, proposed natures…): one
    line each, every control character in them (a newline in a file's header too) shown as a symbol."""
    plan = getattr(result, "plan", None)
    notes = list(plan.notes) if plan is not None else []
    return "\n".join(visible(line) for line in [result.describe(), *notes])


def open_import(screen, kind_name: str, done: Callable[[Any], None]) -> None:
    """The two steps for `kind_name` (controls | requests); `done(result)` after an import."""
    kind = _kinds()[kind_name]
    handle = screen.handle
    app = screen.app

    def import_with(file: dict, values: dict, *, dry_run: bool):
        result = kind.run(handle, file["path"], sheet=values["sheet"], mapping=values["mapping"], dry_run=dry_run)
        if not dry_run and values["profile_name"]:
            save_profile(MappingProfile(values["profile_name"], kind.kind, values["columns"], values["sheet"]))
        return result

    def previewed(answer) -> None:
        if answer is None:
            return
        file, preview = answer

        def imported(result) -> None:
            if result is None:
                return
            app.notify(result_message(result), title="Imported", timeout=12, markup=False)
            done(result)

        app.push_screen(ImportMappingDialog(kind, preview,
                                            dry_run=lambda v: import_with(file, v, dry_run=True),
                                            save=lambda v: import_with(file, v, dry_run=False)), imported)

    def read_preview(file: dict):
        return file, kind.preview(file["path"], sheet=file["sheet"], profile=file["profile"])

    def with_profiles(profiles: list[str]) -> None:
        app.push_screen(ImportFileDialog(kind, profiles, save=read_preview), previewed)

    workers.run(screen, lambda: list_profiles(kind.kind), done=with_profiles, group="import-profiles")


def import_control_matrix(screen) -> None:
    """The Controls view's `i`: the matrix, then the columns; reload after the import."""
    open_import(screen, "controls", lambda _result: screen.load())
