"""One evidence request: its text, linked controls, follow-up log, status history and the files
received. Here the auditor logs a follow-up, attaches what the client sent (into the vault, on the
request and its controls) and accepts or returns the item with a reason."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import ProgressBar, Static

from fieldwork_tui.domain.vocab import RequestStatus
from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.screens.requests import STATUS_LABEL


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


class RequestDetailScreen(EngagementScreen):
    VIEW_NAME = "Request"
    BINDINGS = [
        Binding("escape", "back", "Back", id="request.back", tooltip="Back to the request list"),
        Binding("f", "follow_up", "Follow-up", id="request.follow_up",
                tooltip="Log a follow-up (message, optional new due date)"),
        Binding("u", "attach", "Attach files", id="request.attach",
                tooltip="Store received files in the vault, on this request and its controls"),
        Binding("a", "accept", "Accept", id="request.accept", tooltip="Accept the submitted item"),
        Binding("r", "return_item", "Return", id="request.return", tooltip="Return the item to the client with a reason"),
        Binding("b", "status", "Status", id="request.status", tooltip="Change the status (with a reason)"),
        Binding("n", "owner", "Owner", show=False, id="request.owner", tooltip="Assign the owner"),
        Binding("d", "due", "Due", show=False, id="request.due", tooltip="Shift or set the due date"),
    ]
    DEFAULT_CSS = """
    RequestDetailScreen VerticalScroll { padding: 0 1; }
    RequestDetailScreen .panel { margin-bottom: 1; }
    RequestDetailScreen #progress { height: 1; display: none; }
    RequestDetailScreen #progress.busy { display: block; }
    """

    def __init__(self, request_id: int) -> None:
        super().__init__()
        self.request_id = request_id
        self.detail = None

    def body(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="summary", classes="panel")
            yield Static(id="controls", classes="panel")
            yield Static(id="follow-ups", classes="panel")
            yield Static(id="history", classes="panel")
            yield Static(id="files", classes="panel")
        yield ProgressBar(id="progress", show_eta=False)

    def refresh_data(self) -> None:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.requests import request_detail

        try:
            d = request_detail(self.handle, self.request_id)
        except FieldworkError as exc:
            self.notify(str(exc), severity="error")
            return
        self.detail = d
        self.query_one("#summary", Static).update(self._summary(d))
        self.query_one("#controls", Static).update(self._controls(d))
        self.query_one("#follow-ups", Static).update(self._follow_ups(d))
        self.query_one("#history", Static).update(self._history(d))
        self.query_one("#files", Static).update(self._files(d))

    # -- panels -----------------------------------------------------------------
    def _summary(self, d) -> Table:
        t = Table(title=f"{d.ref} · {STATUS_LABEL[d.status]}", title_justify="left", title_style="bold",
                  box=None, show_header=False, expand=True)
        t.add_column(style="bold", width=16)
        t.add_column(ratio=1)
        t.add_row("Request", d.description or Text("(no description)", style="dim"))
        t.add_row("Owner", d.owner or Text("(no owner)", style="dim"))
        due = Text(d.due_on.isoformat() if d.due_on else "—")
        if d.overdue:
            due = Text(f"{d.due_on.isoformat()}  OVERDUE", style="bold red")
        t.add_row("Due", due)
        t.add_row("Requested", d.requested_on.isoformat() if d.requested_on else "—")
        t.add_row("Received", d.received_on.isoformat() if d.received_on else "—")
        t.add_row("Age", "—" if d.age is None else f"{d.age} business days")
        t.add_row("Priority · wave", f"{d.priority or '—'} · {d.wave.value}" + (f" (sample #{d.sample_id})"
                                                                              if d.sample_id else ""))
        return t

    def _controls(self, d) -> Table:
        t = Table(title="Linked controls", title_justify="left", title_style="bold", box=None, show_header=False,
                  expand=True)
        t.add_column(style="bold", width=10)
        t.add_column(ratio=1)
        for ref, title in d.controls:
            t.add_row(ref, title)
        if not d.controls:
            t.add_row(Text("none", style="dim"), "")
        return t

    def _follow_ups(self, d) -> Table:
        t = Table(title="Follow-ups  (f adds one)", title_justify="left", title_style="bold", box=None, expand=True)
        for col, kw in (("Date", {"width": 10}), ("Who", {"width": 12}), ("Message", {"ratio": 1}),
                        ("New due", {"width": 10})):
            t.add_column(col, **kw)
        for f in d.follow_ups:
            t.add_row(f.on.isoformat(), f.by, f.message, f.new_due_on.isoformat() if f.new_due_on else "")
        if not d.follow_ups:
            t.add_row(Text("none yet", style="dim"), "", "", "")
        return t

    def _history(self, d) -> Table:
        t = Table(title="Status history", title_justify="left", title_style="bold", box=None, expand=True)
        for col, kw in (("When", {"width": 16}), ("Who", {"width": 12}), ("Change", {"width": 26}),
                        ("Reason", {"ratio": 1})):
            t.add_column(col, **kw)
        for h in d.history:
            change = (f"{STATUS_LABEL[h.from_status]} → " if h.from_status else "") + STATUS_LABEL[h.to_status]
            t.add_row(f"{h.at:%Y-%m-%d %H:%M}", h.by, change, h.reason)
        return t

    def _files(self, d) -> Table:
        t = Table(title="Received files  (u attaches)", title_justify="left", title_style="bold", box=None,
                  expand=True)
        for col, kw in (("File", {"ratio": 1}), ("Size", {"width": 9, "justify": "right"}), ("SHA-256", {"width": 14}),
                        ("Added", {"width": 16})):
            t.add_column(col, **kw)
        for f in d.files:
            t.add_row(f.name, _size(f.size), f.sha256[:12] + "…", f"{f.added_at:%Y-%m-%d %H:%M} {f.added_by}")
        if not d.files:
            t.add_row(Text("nothing received yet", style="dim"), "", "", "")
        return t

    # -- actions ----------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def _subtitle(self) -> str:
        return f"{self.detail.ref}: {self.detail.description}" if self.detail else ""

    def action_follow_up(self) -> None:
        from fieldwork_tui.tui.dialogs.request_edit import FollowUpDialog

        self.app.push_screen(FollowUpDialog(self._subtitle()), self._log_follow_up)

    def _log_follow_up(self, value) -> None:
        if value is None:
            return
        from fieldwork_tui.services.requests import add_follow_up

        message, new_due = value
        if self.run_guarded(lambda: add_follow_up(self.handle, self.request_id, message, new_due_on=new_due),
                            "Follow-up logged"):
            self.refresh_data()

    def action_accept(self) -> None:
        from fieldwork_tui.tui.dialogs.request_edit import ReasonDialog

        if self.detail and self.detail.status is not RequestStatus.submitted:
            self.notify("Only a submitted item can be accepted.", severity="warning")
            return
        self.app.push_screen(ReasonDialog("Accept the item", self._subtitle()), self._accept)

    def _accept(self, reason: str | None) -> None:
        if reason is None:
            return
        from fieldwork_tui.services.requests import accept_request

        self.run_guarded(lambda: accept_request(self.handle, self.request_id, reason), "Accepted")
        self.refresh_data()

    def action_return_item(self) -> None:
        from fieldwork_tui.tui.dialogs.request_edit import ReasonDialog

        self.app.push_screen(ReasonDialog("Return the item to the client", self._subtitle(), required=True),
                             self._return)

    def _return(self, reason: str | None) -> None:
        if reason is None:
            return
        from fieldwork_tui.services.requests import return_request

        self.run_guarded(lambda: return_request(self.handle, self.request_id, reason), "Returned to the client")
        self.refresh_data()

    def action_status(self) -> None:
        from fieldwork_tui.tui.dialogs.request_edit import StatusDialog

        current = self.detail.status if self.detail else None
        self.app.push_screen(StatusDialog(self._subtitle(), current), self._status)

    def _status(self, value) -> None:
        if value is None:
            return
        from fieldwork_tui.services.requests import change_status

        status, reason = value
        self.run_guarded(lambda: change_status(self.handle, [self.request_id], status, reason),
                         f"Status: {status.value.replace('_', ' ')}")
        self.refresh_data()

    def action_owner(self) -> None:
        from fieldwork_tui.services.requests import client_owner_names
        from fieldwork_tui.tui.dialogs.request_edit import OwnerDialog

        self.app.push_screen(OwnerDialog(self._subtitle(), client_owner_names(self.handle)), self._owner)

    def _owner(self, owner: str | None) -> None:
        if owner is None:
            return
        from fieldwork_tui.services.requests import assign_owner

        self.run_guarded(lambda: assign_owner(self.handle, [self.request_id], owner), "Owner assigned")
        self.refresh_data()

    def action_due(self) -> None:
        from fieldwork_tui.tui.dialogs.request_edit import DueDialog

        self.app.push_screen(DueDialog(self._subtitle()), self._due)

    def _due(self, value) -> None:
        if value is None:
            return
        from fieldwork_tui.services.requests import shift_due

        kind, amount, business = value
        if kind == "date":
            self.run_guarded(lambda: shift_due(self.handle, [self.request_id], new_date=amount), "Due date set")
        else:
            self.run_guarded(lambda: shift_due(self.handle, [self.request_id], days=amount, business=business),
                             "Due date shifted")
        self.refresh_data()

    def action_attach(self) -> None:
        from fieldwork_tui.tui.dialogs.request_pick import FilesDialog

        self.app.push_screen(FilesDialog(f"Files received for {self.detail.ref if self.detail else 'the request'}"),
                             self._start_attach)

    def _start_attach(self, paths: list[str] | None) -> None:
        if not paths:
            return
        bar = self.query_one("#progress", ProgressBar)
        bar.add_class("busy")
        bar.update(total=None, progress=0)
        self.attach_worker(paths)

    def _progress(self, done: int, total: int) -> None:
        self.app.call_from_thread(self.query_one("#progress", ProgressBar).update, total=total, progress=done)

    def _attached(self, message: str | None, error: str | None) -> None:
        self.query_one("#progress", ProgressBar).remove_class("busy")
        if error:
            self.notify(error, title="Not attached", severity="error")
        else:
            self.notify(message or "")
        self.refresh_data()

    @work(thread=True, exclusive=True, group="request-attach")
    def attach_worker(self, paths: list[str]) -> None:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.requests import attach_received_files

        try:
            n = attach_received_files(self.handle, self.request_id, paths, progress=self._progress)
            self.app.call_from_thread(self._attached, f"{n} file(s) stored; request submitted", None)
        except (FieldworkError, OSError) as exc:
            self.app.call_from_thread(self._attached, None, str(exc))

    def palette_commands(self):
        yield ("Add follow-up", "Log what was asked or answered, optionally a new due date", self.action_follow_up)
        yield ("Attach received files", "Store files in the vault on this request and its controls", self.action_attach)
        yield ("Accept item", "Accept the submitted evidence", self.action_accept)
        yield ("Return item", "Send it back to the client with a reason", self.action_return_item)
        yield ("Change status", "Any allowed status, with a reason", self.action_status)
        yield ("Assign owner", "Client person responsible", self.action_owner)
        yield ("Shift due date", "By business days or to a date", self.action_due)
        yield ("Back to requests", "Return to the request list", self.action_back)
