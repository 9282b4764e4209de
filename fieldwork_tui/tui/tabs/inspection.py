"""Inspection tab: the files inspected for this control, as stored in the vault. `a` attaches
(keyboard file picker or a pasted path; the copy runs in a worker with a progress bar), `e` edits
the file's own as-of date and description (they belong to the document: every control using it
changes, and their sign-offs go stale), `o` opens a read-only copy with the system viewer, `x`
removes the file from this control (it stays in the vault). The `ID` column is the evidence id
`fieldwork evidence edit` takes."""

from __future__ import annotations

from textual.binding import Binding

from fieldwork_tui.services.errors import FieldworkError
from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.safe_text import safe_text, visible
from fieldwork_tui.tui.tabs.actions import ActionTab, clip


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


class InspectionTab(ActionTab):
    COLUMNS = ("ID", "File", "As of", "Size", "SHA-256", "Added by", "Description")
    EMPTY = "No file inspected yet. Press a to attach one (or run: fieldwork attach ENGAGEMENT CONTROL FILE)."
    ACTIONS = (("attach", "Attach file (a)"), ("edit", "Edit date/description (e)"), ("open", "Open (o)"),
               ("detach", "Remove (x)"))
    BINDINGS = [
        Binding("a", "attach", "Attach", id="inspection.attach", tooltip="Attach a file or folder to this control"),
        Binding("e", "edit", "Edit date/description", id="inspection.edit",
                tooltip="Change the file's own as-of date and description (for every control using it)"),
        Binding("o", "open", "Open", id="inspection.open",
                tooltip="Open a read-only copy of the stored file with the system viewer"),
        Binding("x", "detach", "Remove", id="inspection.detach",
                tooltip="Remove the file from this control (the vault keeps it)"),
    ]

    def rows(self, records):
        return [(f"#{f.id}", safe_text(f.original_name), f.as_of.isoformat() if f.as_of else "", human_size(f.size),
                 f.sha256[:12], safe_text(f.added_by), safe_text(clip(f.description, 40))) for f in records.files]

    def row_keys(self, records):
        return [f.id for f in records.files]

    def action_attach(self) -> None:
        from fieldwork_tui.tui.dialogs.attach_file import AttachFileDialog

        def attached(count: int | None) -> None:
            if count:
                self.notify(f"{count} file(s) attached to {self.ref}.")
                self.changed("evidence")

        self.app.push_screen(AttachFileDialog(self.ref, self.app.attach_folder), attached)

    def action_edit(self) -> None:
        from fieldwork_tui.services.evidence import edit_evidence, evidence_details
        from fieldwork_tui.tui.dialogs.evidence_edit import EvidenceEditDialog

        evidence_id = self.cursor_key
        if evidence_id is None:
            self.notify("No file selected.", severity="warning")
            return
        handle = self.handle

        def show(view) -> None:
            def saved(result) -> None:
                if result is None:
                    return
                self.notify(visible(result.describe()), title="Evidence updated")
                self.changed("evidence")

            self.app.push_screen(EvidenceEditDialog(
                view.name, view.as_of.isoformat() if view.as_of else "", view.description, list(view.used_by),
                save=lambda v: edit_evidence(handle, evidence_id, as_of=v["as_of"], description=v["description"])),
                saved)

        workers.run(self, lambda: evidence_details(handle, evidence_id), done=show, group="inspection-edit")

    def action_open(self) -> None:
        from fieldwork_tui.services.evidence import open_with_viewer

        if self.cursor_key is None:
            self.notify("No file selected.", severity="warning")
            return
        handle, evidence_id = self.handle, self.cursor_key

        def failed(exc: BaseException) -> bool:
            if isinstance(exc, FieldworkError | OSError):
                message = str(exc) if isinstance(exc, FieldworkError) else f"{exc.filename or ''}: {exc.strerror}"
                self.notify(visible(message), title="Not opened", severity="error")
                return True
            return False

        # the read-only copy is made in a worker: a large file never freezes the app
        workers.run(self, lambda: open_with_viewer(handle, evidence_id), failed=failed, group="inspection-open",
                    done=lambda path: self.notify(visible(f"Opened a read-only copy of {path.name}.")))

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
