"""Export: write the workpaper bundle for the manager, then verify it.

The export and the verification run in a worker thread with a progress bar (evidence can be
gigabytes); the screen stays responsive, escape cancels a running export (nothing is left at the
target) and, when done, shows where the bundle is and whether it verified intact.
"""

from __future__ import annotations

import threading
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, ProgressBar, Static

from fieldwork_tui.services.bundle import LAYOUT
from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.safe_text import visible
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.screens.base import EngagementScreen


def contents_text() -> str:
    """What the bundle holds, from the bundle's own layout (so the screen never says less than it writes)."""
    parts = "; ".join(f"{member} ({what})" for member, what in LAYOUT)
    return (f"The bundle is one .zip the manager opens with no installation: {parts}. "
            "The manager checks it with `fieldwork verify`: every file against the manifest, your signature "
            "and the journal chain.")


class ExportScreen(EngagementScreen):
    VIEW_NAME = "Export"
    MAIN = "#export-path"
    RELOAD_ON_RESUME = False
    BINDINGS = [
        Binding("escape", "back", "Back / cancel", id="export.back",
                tooltip="Cancel a running export, or go back"),
        Binding("ctrl+s", "export", "Export", id="export.start", tooltip="Write the bundle to the path given"),
    ]
    DEFAULT_CSS = """
    ExportScreen #export-body { padding: 1 2; height: auto; }
    ExportScreen #export-contents { color: $text-muted; padding-bottom: 1; }
    ExportScreen .export-row { height: auto; }
    ExportScreen .export-row Input { width: 1fr; }
    ExportScreen .export-row Button { margin-left: 1; }
    ExportScreen #export-progress { padding-top: 1; height: auto; }
    ExportScreen #export-progress ProgressBar { width: 1fr; }
    ExportScreen #export-progress-label { color: $text-muted; height: 1; }
    ExportScreen #export-result { padding-top: 1; height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._cancel = threading.Event()
        self.running = False
        self.last_result = None
        self.last_report = None

    def body(self) -> ComposeResult:
        with Vertical(id="export-body"):
            yield Static("Export the workpaper bundle", classes="section-title")
            yield Static(contents_text(), id="export-contents", markup=False)
            yield Label("Save the bundle as (a .zip; a relative path is saved in the folder fieldwork was started from)",
                        classes="muted")
            with Horizontal(classes="export-row"):
                yield Input(id="export-path")
                yield Button("Export", variant="primary", id="export-start")
            with Vertical(id="export-progress"):
                yield ProgressBar(total=100, show_eta=False, id="export-bar")
                yield Static("", id="export-progress-label")
            yield Static("", id="export-result")

    def on_mount(self) -> None:
        from fieldwork_tui.services.engagements import today

        self.query_one("#export-path", Input).value = f"{self.handle.slug}-workpapers-{today().isoformat()}.zip"

    # -- actions --------------------------------------------------------------------------------------
    @on(Button.Pressed, "#export-start")
    @on(Input.Submitted, "#export-path")
    def _start_pressed(self) -> None:
        self.action_export()

    def action_export(self) -> None:
        if self.running:
            self.notify("An export is already running.", severity="warning")
            return
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self._show_result("output: give a file name ending in .zip", error=True)
            return
        from fieldwork_tui.tui.dialogs.passphrase import unlock_then

        unlock_then(self, "Signing the bundle", lambda: self._start(Path(text).expanduser()))

    def _start(self, target: Path) -> None:
        self.running = True
        self._cancel.clear()
        self.query_one("#export-start", Button).disabled = True
        self.query_one("#export-bar", ProgressBar).update(total=100, progress=0)
        self._show_result("Exporting…")
        self.run_export(target)

    def action_back(self) -> None:
        if self.running:
            self._cancel.set()
            self.query_one("#export-progress-label", Static).update("Cancelling…")
            return
        self.app.pop_screen()

    # -- the worker -----------------------------------------------------------------------------------
    def run_export(self, target: Path) -> None:
        """Export, then verify, in a worker; escape sets the cancel flag the export checks."""
        from fieldwork_tui.services.bundle import export_bundle, verify_bundle

        handle, cancel = self.handle, self._cancel
        last = [-1]

        def progress(done: int, total: int, label: str) -> None:
            pct = done * 100 // max(total, 1)
            if pct != last[0]:
                last[0] = pct
                self.app.call_from_thread(self._progress, done, total, label)

        notify = self.notify

        def work():
            result = export_bundle(handle, target, progress=progress, cancelled=cancel.is_set,
                                   on_created=lambda m: self.app.call_from_thread(notify, m, timeout=15))
            last[0] = -1
            return result, verify_bundle(result.path, progress=progress, key=result.fingerprint)

        def failed(exc: BaseException) -> bool:
            _title, message = workers.describe_error(exc)
            self._failed(message)
            return True

        workers.run(self, work, done=lambda r: self._done(*r), failed=failed, group="export", exclusive=True,
                    retry_busy=False, description="export the bundle")

    def _progress(self, done: int, total: int, label: str) -> None:
        self.query_one("#export-bar", ProgressBar).update(total=total, progress=done)
        self.query_one("#export-progress-label", Static).update(visible(label))

    def _finish(self) -> None:
        self.running = False
        self.query_one("#export-start", Button).disabled = False

    def _failed(self, message: str) -> None:
        self._finish()
        self.query_one("#export-progress-label", Static).update("")
        self._show_result(f"Not exported: {message}", error=True)
        self.notify(message, title="Export failed", severity="error")

    def _done(self, result, report) -> None:
        self._finish()
        self.last_result, self.last_report = result, report
        bar = self.query_one("#export-bar", ProgressBar)
        bar.update(total=100, progress=100)
        self.query_one("#export-progress-label", Static).update("")
        verdict = ("verify: intact — every file matches manifest.json and the journal chain holds" if report.ok
                   else "verify: NOT intact — " + "; ".join(report.lines()))
        self._show_result(f"Bundle written: {visible(result.path)}\n{result.files} files · {result.controls} workpapers · "
                          f"{result.evidence_files} evidence files · {result.size:,} bytes\n"
                          f"Signed by {visible(result.signer)} · key {result.fingerprint} (read it out to the manager)\n"
                          f"manifest SHA-256 {result.manifest_sha256}\n{verdict}",
                          error=not report.ok)
        self.notify(f"Bundle written and verified: {result.path.name}" if report.ok else "Bundle NOT intact",
                    severity="information" if report.ok else "error")

    def _show_result(self, text: str, error: bool = False) -> None:
        from rich.text import Text

        self.query_one("#export-result", Static).update(Text(visible(text, keep_lines=True),
                                                             style=role("severe") if error else role("ok")))
