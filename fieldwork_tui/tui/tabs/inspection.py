"""Inspection tab: the files inspected for this control, as stored in the vault. `a` attaches
(keyboard file picker or a pasted path; the copy runs in a worker with a progress bar), `e` edits
the file's own as-of date and description (they belong to the document: every control using it
changes, and their sign-offs go stale), `o` opens a read-only copy with the system viewer, `x`
removes the file from this control after asking (the vault keeps it). The `ID` column is the
evidence id `fieldwork evidence edit` takes."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding

from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.confirm import confirm
from fieldwork_tui.tui.kit.safe_text import safe_text, visible
from fieldwork_tui.tui.tabs.actions import ActionTab, clip
from fieldwork_tui.tui.widgets.virtual_table import Column


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


class InspectionTab(ActionTab):
    TAB_LABEL = "Inspection"
    COLUMNS = (Column("id", "ID", 5, priority=1), Column("file", "File", 30, priority=0, min_width=16, grow=True),
               Column("as_of", "As of", 10), Column("size", "Size", 9, justify="right", priority=2),
               Column("sha", "SHA-256", 12, priority=3), Column("by", "Added by", 12, priority=3),
               Column("description", "Description", 30, priority=2, min_width=12, grow=True))
    EMPTY = "No file inspected yet. Press a to attach one (or run: fieldwork attach ENGAGEMENT CONTROL FILE)."
    ACTIONS = (("attach", "Attach file (a)"), ("edit", "Edit date/description (e)"), ("open", "Open (o)"),
               ("detach", "Remove (x)"))
    ROW_ACTIONS = frozenset({"edit", "open", "detach"})
    BINDINGS = [
        Binding("a", "attach", "Attach", id="inspection.attach", tooltip="Attach a file or folder to this control"),
        Binding("e", "edit", "Edit date/description", id="inspection.edit",
                tooltip="Change the file's own as-of date and description (for every control using it)"),
        Binding("o", "open", "Open", id="inspection.open",
                tooltip="Open a read-only copy of the stored file with the system viewer"),
        Binding("x", "detach", "Remove", id="inspection.detach",
                tooltip="Remove the file under the cursor from this control, after asking (the vault keeps it)"),
    ]

    def rows(self, records):
        return [(f"#{f.id}", safe_text(f.original_name), f.as_of.isoformat() if f.as_of else "", human_size(f.size),
                 f.sha256[:12], safe_text(f.added_by), safe_text(clip(f.description, 60))) for f in records.files]

    def row_keys(self, records):
        self._names = {f.id: f.original_name for f in records.files}
        return [f.id for f in records.files]

    def action_attach(self) -> None:
        from fieldwork_tui.services.evidence import attach
        from fieldwork_tui.tui.dialogs.attach_file import AttachFileDialog

        handle, ref = self.handle, self.ref
        picked: list[Path] = []

        def attach_files(path, as_of, description, progress, cancel, update) -> int:
            count = len(attach(handle, ref, [path], as_of=as_of, description=description, progress=progress,
                               cancel=cancel, update=update))
            chosen = Path(path).expanduser()
            picked.append(chosen if chosen.is_dir() else chosen.parent)
            return count

        def attached(count: int | None) -> None:
            if picked:
                self.app.attach_folder = picked[-1]  # type: ignore[attr-defined]  # the next picker opens here
            if count:
                self.notify(f"{count} file(s) attached to {ref}.")
                self.changed("evidence")

        self.app.push_screen(AttachFileDialog(ref, attach_files, self.app.attach_folder), attached)

    def action_edit(self) -> None:
        from fieldwork_tui.services.evidence import edit_evidence, evidence_details
        from fieldwork_tui.tui.dialogs.evidence_edit import EvidenceEditDialog

        evidence_id = self.row_key("edit")
        if evidence_id is None:
            return
        handle = self.handle

        def show(view) -> None:
            read = {"version": view.version}  # as the form shows it: a save over a newer one is refused

            def fetch():  # ctrl+r after a refusal: their version, in the fields
                fresh = evidence_details(handle, evidence_id)
                read["version"] = fresh.version
                return fresh

            def saved(result) -> None:
                if result is None:
                    return
                self.notify(visible(result.describe()), title="Evidence updated")
                self.changed("evidence")

            self.app.push_screen(EvidenceEditDialog(
                view.name, view.as_of.isoformat() if view.as_of else "", view.description, list(view.used_by),
                fetch=fetch, save=lambda v: edit_evidence(handle, evidence_id, as_of=v["as_of"],
                                                          description=v["description"],
                                                          expected_version=read["version"])),
                saved)

        workers.run(self, lambda: evidence_details(handle, evidence_id), done=show, group="inspection-edit")

    def action_open(self) -> None:
        from fieldwork_tui.services.evidence import open_with_viewer

        key = self.row_key("open")
        if key is None:
            return
        handle = self.handle
        self.screen.commit(lambda: open_with_viewer(handle, key), reload=False,
                           then=lambda path: self.notify(f"Opened a read-only copy of {visible(path.name)} "
                                                         "with the system viewer."))

    def action_detach(self) -> None:
        from fieldwork_tui.services.evidence import unlink

        key = self.row_key("detach")
        if key is None:
            return
        handle, ref, name = self.handle, self.ref, getattr(self, "_names", {}).get(key, f"file #{key}")
        confirm(self, "Remove evidence",
                f"Remove {visible(name)} from {visible(ref)}? The vault keeps the file, and the journal records "
                "the removal.", lambda: self.commit(lambda: unlink(handle, ref, key), f"{visible(name)} removed "
                                                   f"from {visible(ref)}"), yes="Remove")
