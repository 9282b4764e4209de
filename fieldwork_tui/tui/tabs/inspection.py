"""Inspection tab: the files inspected for this control, as stored in the vault. `a` attaches
(keyboard file picker or a pasted path; the copy runs in a worker with a progress bar), `o` opens
a read-only copy with the system viewer, `x` removes the file from this control after asking (the
vault keeps it)."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding

from fieldwork_tui.tui.kit.confirm import confirm
from fieldwork_tui.tui.kit.safe_text import visible
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
    COLUMNS = (Column("file", "File", 30, priority=0, min_width=16, grow=True), Column("as_of", "As of", 10),
               Column("size", "Size", 9, justify="right", priority=2), Column("sha", "SHA-256", 12, priority=3),
               Column("by", "Added by", 12, priority=3), Column("description", "Description", 30, priority=2,
                                                                 min_width=12, grow=True))
    EMPTY = "No file inspected yet. Press a to attach one (or run: fieldwork attach ENGAGEMENT CONTROL FILE)."
    ACTIONS = (("attach", "Attach file (a)"), ("open", "Open (o)"), ("detach", "Remove (x)"))
    ROW_ACTIONS = frozenset({"open", "detach"})
    BINDINGS = [
        Binding("a", "attach", "Attach", id="inspection.attach", tooltip="Attach a file or folder to this control"),
        Binding("o", "open", "Open", id="inspection.open", tooltip="Open a read-only copy with the system viewer"),
        Binding("x", "detach", "Remove", id="inspection.detach",
                tooltip="Remove the file under the cursor from this control, after asking (the vault keeps it)"),
    ]

    def rows(self, records):
        return [(f.original_name, f.as_of.isoformat() if f.as_of else "", human_size(f.size), f.sha256[:12],
                 f.added_by, clip(f.description, 60)) for f in records.files]

    def row_keys(self, records):
        self._names = {f.id: f.original_name for f in records.files}
        return [f.id for f in records.files]

    def action_attach(self) -> None:
        from fieldwork_tui.services.evidence import attach
        from fieldwork_tui.tui.dialogs.attach_file import AttachFileDialog

        handle, ref = self.handle, self.ref
        picked: list[Path] = []

        def attach_files(path, as_of, description, progress, cancel) -> int:
            count = len(attach(handle, ref, [path], as_of=as_of, description=description, progress=progress,
                               cancel=cancel))
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
