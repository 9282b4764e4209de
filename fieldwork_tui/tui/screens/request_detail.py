"""One evidence request: its text, linked controls, follow-up log, status history and the files
received. Here the auditor logs a follow-up, attaches what the client sent (into the vault, on the
request and its controls) and accepts or returns the item with a reason."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import ProgressBar, Static

from fieldwork_tui.domain.vocab import RequestStatus
from fieldwork_tui.tui.kit.safe_text import safe_text, visible
from fieldwork_tui.tui.kit.styles import role
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
    MAIN = "#request-body"
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
        with VerticalScroll(id="request-body"):
            yield Static(id="summary", classes="panel")
            yield Static(id="controls", classes="panel")
            yield Static(id="follow-ups", classes="panel")
            yield Static(id="history", classes="panel")
            yield Static(id="files", classes="panel")
        yield ProgressBar(id="progress", show_eta=False)

    def fetch(self):
        from fieldwork_tui.services.requests import request_detail

        return request_detail(self.handle, self.request_id)

    def show(self, d) -> None:
        self.detail = d
        self.query_one("#summary", Static).update(self._summary(d))
        self.query_one("#controls", Static).update(self._controls(d))
        self.query_one("#follow-ups", Static).update(self._follow_ups(d))
        self.query_one("#history", Static).update(self._history(d))
        self.query_one("#files", Static).update(self._files(d))

    # -- panels -----------------------------------------------------------------
    def _summary(self, d) -> Table:
        t = Table(title=f"{visible(d.ref)} · {STATUS_LABEL[d.status]}", title_justify="left",
                  title_style=role("strong"), box=None, show_header=False, expand=True)
        t.add_column(style=role("strong"), width=16)
        t.add_column(ratio=1)
        t.add_row("Request", visible(d.description, keep_lines=True) or Text("(no description)", style=role("muted")))
        t.add_row("Owner", visible(d.owner) or Text("(no owner)", style=role("muted")))
        due = Text(d.due_on.isoformat() if d.due_on else "—")
        if d.overdue:
            due = Text(f"{d.due_on.isoformat()}  OVERDUE", style=role("severe"))
        t.add_row("Due", due)
        imported_on = d.imported_on
        if d.requested_on:
            t.add_row("Requested", d.requested_on.isoformat())
        else:
            t.add_row("Requested", Text("— (the imported list gives no request date)" if imported_on else "—",
                                        style=role("muted")))
        t.add_row("Received", d.received_on.isoformat() if d.received_on else "—")
        if d.age is None:
            age = "—"
        elif not d.requested_on and imported_on:
            age = f"{d.age} business days since the import on {imported_on.isoformat()}"
        else:
            age = f"{d.age} business days"
        t.add_row("Age", age)
        t.add_row("Priority · wave", f"{visible(d.priority) or '—'} · {d.wave.value}" + (
            f" (sample #{d.sample_id})" if d.sample_id else ""))
        for name, value in d.extra_fields.items():  # the tracker's own columns, kept as imported
            t.add_row(safe_text(name, "italic"), safe_text(value))
        return t

    def _controls(self, d) -> Table:
        t = Table(title="Linked controls", title_justify="left", title_style=role("strong"), box=None,
                  show_header=False, expand=True)
        t.add_column(style=role("strong"), width=10)
        t.add_column(ratio=1)
        for ref, title in d.controls:
            t.add_row(visible(ref), visible(title))
        if not d.controls:
            t.add_row(Text("none", style=role("muted")), "")
        return t

    def _follow_ups(self, d) -> Table:
        t = Table(title="Follow-ups  (f adds one)", title_justify="left", title_style=role("strong"), box=None,
                  expand=True)
        for col, kw in (("Date", {"width": 10}), ("Who", {"width": 12}), ("Message", {"ratio": 1}),
                        ("New due", {"width": 10})):
            t.add_column(col, **kw)
        for f in d.follow_ups:
            t.add_row(f.on.isoformat(), visible(f.by), visible(f.message, keep_lines=True),
                      f.new_due_on.isoformat() if f.new_due_on else "")
        if not d.follow_ups:
            t.add_row(Text("none yet", style=role("muted")), "", "", "")
        return t

    def _history(self, d) -> Table:
        t = Table(title="Status history", title_justify="left", title_style=role("strong"), box=None, expand=True)
        for col, kw in (("When", {"width": 16}), ("Who", {"width": 12}), ("Change", {"width": 26}),
                        ("Reason", {"ratio": 1})):
            t.add_column(col, **kw)
        for h in d.history:
            change = (f"{STATUS_LABEL[h.from_status]} → " if h.from_status else "") + STATUS_LABEL[h.to_status]
            t.add_row(f"{h.at:%Y-%m-%d %H:%M}", visible(h.by), change, visible(h.reason, keep_lines=True))
        return t

    def _files(self, d) -> Table:
        t = Table(title="Received files  (u attaches)", title_justify="left", title_style=role("strong"), box=None,
                  expand=True)
        for col, kw in (("File", {"ratio": 1}), ("Size", {"width": 9, "justify": "right"}), ("SHA-256", {"width": 14}),
                        ("Added", {"width": 16})):
            t.add_column(col, **kw)
        for f in d.files:
            t.add_row(visible(f.name), _size(f.size), f.sha256[:12] + "…", f"{f.added_at:%Y-%m-%d %H:%M} {visible(f.added_by)}")
        if not d.files:
            t.add_row(Text("nothing received yet", style=role("muted")), "", "", "")
        return t

    # -- actions ----------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def _subtitle(self) -> str:
        return f"{self.detail.ref}: {self.detail.description}" if self.detail else ""

    def _read(self) -> dict:
        """The version of the request as the screen shows it, for a dialog to hand back when it saves:
        a change over a request someone else changed since is refused with who and when. `reload`
        (ctrl+r after such a refusal) reads the new version and shows the request as it is now."""
        from fieldwork_tui.services.team import request_version

        read = {"version": self.detail.version if self.detail else None}
        handle, rid, app = self.handle, self.request_id, self.app

        def reload() -> None:  # in the form's worker
            read["version"] = request_version(handle, rid)
            app.call_from_thread(self.load)

        read["reload"] = reload
        return read

    def _after(self, message: str):
        def done(result) -> None:
            if result is not None:
                self.notify(message)
                self.load()

        return done

    def action_follow_up(self) -> None:
        from fieldwork_tui.services.requests import add_follow_up
        from fieldwork_tui.tui.dialogs.request_edit import FollowUpDialog

        handle, rid, read = self.handle, self.request_id, self._read()
        self.app.push_screen(FollowUpDialog(subtitle=self._subtitle(), reload=read["reload"],
                                            save=lambda v: add_follow_up(handle, rid, v[0], new_due_on=v[1],
                                                                         expected_version=read["version"]) or True),
                             self._after("Follow-up logged"))

    def action_accept(self) -> None:
        from fieldwork_tui.services.requests import accept_request
        from fieldwork_tui.tui.dialogs.request_edit import ReasonDialog

        if self.detail and self.detail.status is not RequestStatus.submitted:
            self.notify("Only a submitted item can be accepted.", severity="warning")
            return
        handle, rid, read = self.handle, self.request_id, self._read()
        self.app.push_screen(ReasonDialog("Accept the item", self._subtitle(), reload=read["reload"],
                                          save=lambda reason: accept_request(
                                              handle, rid, reason, expected_version=read["version"]) or True),
                             self._after("Accepted"))

    def action_return_item(self) -> None:
        from fieldwork_tui.services.requests import return_request
        from fieldwork_tui.tui.dialogs.request_edit import ReasonDialog

        handle, rid, read = self.handle, self.request_id, self._read()
        self.app.push_screen(ReasonDialog("Return the item to the client", self._subtitle(), required=True,
                                          reload=read["reload"], save=lambda reason: return_request(
                                              handle, rid, reason, expected_version=read["version"]) or True),
                             self._after("Returned to the client"))

    def action_status(self) -> None:
        from fieldwork_tui.services.requests import change_status
        from fieldwork_tui.tui.dialogs.request_edit import StatusDialog

        handle, rid, read = self.handle, self.request_id, self._read()
        current = self.detail.status if self.detail else None
        self.app.push_screen(StatusDialog(self._subtitle(), current, reload=read["reload"],
                                          save=lambda v: change_status(handle, [rid], v[0], v[1], expected_versions=(
                                              None if read["version"] is None else {rid: read["version"]})) or True),
                             self._after("Status changed"))

    def action_owner(self) -> None:
        from fieldwork_tui.services.requests import assign_owner, client_owner_names
        from fieldwork_tui.tui.dialogs.request_edit import OwnerDialog

        handle, rid, read = self.handle, self.request_id, self._read()
        self.app.push_screen(OwnerDialog(subtitle=self._subtitle(), fetch=lambda: client_owner_names(handle),
                                         reload=read["reload"], save=lambda owner: assign_owner(
                                             handle, [rid], owner, expected_versions=(
                                                 None if read["version"] is None else {rid: read["version"]})) or True),
                             self._after("Owner assigned"))

    def action_due(self) -> None:
        from fieldwork_tui.services.requests import shift_due
        from fieldwork_tui.tui.dialogs.request_edit import DueDialog

        handle, rid, read = self.handle, self.request_id, self._read()

        def save(value):
            kind, amount, business = value
            expected = None if read["version"] is None else {rid: read["version"]}
            if kind == "date":
                return shift_due(handle, [rid], new_date=amount, expected_versions=expected) or True
            return shift_due(handle, [rid], days=amount, business=business, expected_versions=expected) or True

        self.app.push_screen(DueDialog(subtitle=self._subtitle(), save=save, reload=read["reload"]),
                             self._after("Due date changed"))

    def action_attach(self) -> None:
        from fieldwork_tui.services.requests import attach_received_files
        from fieldwork_tui.tui.dialogs.request_pick import FilesDialog

        handle, rid = self.handle, self.request_id

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self.query_one("#progress", ProgressBar).update, total=total, progress=done)

        def attach(paths: list[str]):
            self.app.call_from_thread(self.query_one("#progress", ProgressBar).add_class, "busy")
            try:
                return attach_received_files(handle, rid, paths, progress=progress)
            finally:
                self.app.call_from_thread(self.query_one("#progress", ProgressBar).remove_class, "busy")

        def attached(n) -> None:
            if n is not None:
                self.notify(f"{n} file(s) stored; request submitted")
                self.load()

        title = f"Files received for {self.detail.ref if self.detail else 'the request'}"
        self.app.push_screen(FilesDialog(title, save=attach), attached)
