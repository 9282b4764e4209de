"""Inspection tab: the files inspected for this control, as stored in the vault. `a` attaches
(keyboard file picker or a pasted path; the copy runs in a worker with a progress bar), `o` opens
the stored copy with the system viewer, `x` removes the file from this control (it stays in the vault)."""

from __future__ import annotations

from textual.binding import Binding

from fieldwork_tui.tui.tabs.actions import ActionTab, clip


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


class InspectionTab(ActionTab):
    COLUMNS = ("File", "As of", "Size", "SHA-256", "Added by", "Description")
    EMPTY = "No file inspected yet. Press a to attach one (or run: fieldwork attach ENGAGEMENT CONTROL FILE)."
    ACTIONS = (("attach", "Attach file (a)"), ("open", "Open (o)"), ("detach", "Remove (x)"))
    BINDINGS = [
        Binding("a", "attach", "Attach", id="inspection.attach", tooltip="Attach a file or folder to this control"),
        Binding("o", "open", "Open", id="inspection.open", tooltip="Open the stored copy with the system viewer"),
        Binding("x", "detach", "Remove", id="inspection.detach",
                tooltip="Remove the file from this control (the vault keeps it)"),
    ]

    def rows(self, records):
        return [(f.original_name, f.as_of.isoformat() if f.as_of else "", human_size(f.size), f.sha256[:12],
                 f.added_by, clip(f.description, 40)) for f in records.files]

    def row_keys(self, records):
        return [f.id for f in records.files]

    def action_attach(self) -> None:
        from fieldwork_tui.tui.dialogs.attach_file import AttachFileDialog

        def attached(count: int | None) -> None:
            if count:
                self.notify(f"{count} file(s) attached to {self.ref}.")
                self.changed("evidence")

        self.app.push_screen(AttachFileDialog(self.ref, self.app.attach_folder), attached)

    def action_open(self) -> None:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.evidence import open_with_viewer

        if self.cursor_key is None:
            self.notify("No file selected.", severity="warning")
            return
        try:
            path = open_with_viewer(self.handle, self.cursor_key)
        except FieldworkError as exc:
            self.notify(str(exc), title="Not opened", severity="error")
            return
        self.notify(f"Opened {path.name} with the system viewer.")

    def action_detach(self) -> None:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.evidence import unlink

        if self.cursor_key is None:
            return
        try:
            unlink(self.handle, self.ref, self.cursor_key)
        except FieldworkError as exc:
            self.notify(str(exc), title="Not removed", severity="error")
            return
        self.changed("evidence")
