"""Exception and management-response forms (dialogs returning the entered values)."""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from fieldwork_tui.domain.vocab import Effectiveness, ExceptionType, RemediationStatus
from fieldwork_tui.tui.dialogs.sampling import _Dialog

TYPE_HELP = {
    ExceptionType.timing: "timing — done, but late",
    ExceptionType.execution: "execution — not done, or done wrong",
    ExceptionType.evidence: "evidence — no evidence it was done",
    ExceptionType.scope: "scope — instance left out of the control",
}


class FormBody(VerticalScroll, can_focus=False):
    """The scrolling body of a form (not itself a tab stop: tab goes field to field)."""


class ExceptionFormDialog(_Dialog):
    """Instance, planned control, deviation, type, design/operating, report wording. `draft` prefills;
    `refs` (register only) lets the user choose the control of a manual exception."""

    DEFAULT_CSS = """
    ExceptionFormDialog > FormBody { width: 96; height: auto; max-height: 90%; border: thick $accent 60%;
        background: $surface; padding: 1 2; }
    ExceptionFormDialog .buttons { height: auto; align-horizontal: right; padding-top: 1; }
    ExceptionFormDialog .buttons Button { margin-left: 1; }
    ExceptionFormDialog Label.field-label { padding-top: 1; color: $text-muted; }
    ExceptionFormDialog .error { color: $error; height: auto; }
    ExceptionFormDialog .row { height: auto; }
    ExceptionFormDialog .row Select { width: 1fr; }
    ExceptionFormDialog .row Input { width: 1fr; }
    """

    def __init__(self, draft: dict, *, refs: list[str] | None = None, title: str = "Exception") -> None:
        super().__init__()
        self.draft, self.refs, self.title_text = draft, refs, title

    def compose(self) -> ComposeResult:
        d = self.draft
        with FormBody():
            source = d.get("source", "manual")
            yield Label(f"{self.title_text} · {d.get('ref') or 'new'} · from {source}", classes="section-title")
            if self.refs is not None:
                yield Label("Control", classes="field-label")
                yield Select([(r, r) for r in self.refs], value=d.get("ref") or Select.NULL, id="ref")
            yield Label("Instance (the specific item that deviated)", classes="field-label")
            yield Input(d.get("instance", ""), id="instance")
            yield Label("Planned control (what should have happened)", classes="field-label")
            yield Input(d.get("planned_control", ""), id="planned")
            yield Label("Deviation (what actually happened)", classes="field-label")
            yield Input(d.get("deviation", ""), id="deviation", placeholder="the change was deployed without ...")
            with Horizontal(classes="row"):
                yield Select([(TYPE_HELP[t], t.value) for t in ExceptionType],
                             value=d.get("exception_type", ExceptionType.execution.value), allow_blank=False,
                             id="type")
                yield Select([("operating effectiveness", Effectiveness.operating.value),
                              ("design", Effectiveness.design.value)],
                             value=d.get("effectiveness", Effectiveness.operating.value), allow_blank=False,
                             id="effectiveness")
            yield Label("Report wording (empty: generated)", classes="field-label")
            yield Input(d.get("report_wording", ""), id="wording")
            yield Static("", classes="muted", id="wording-help")
            yield Label("", classes="error", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", variant="primary", id="ok")

    def on_mount(self) -> None:
        first = "#ref" if self.refs is not None and not self.draft.get("ref") else (
            "#deviation" if self.draft.get("instance") else "#instance")
        self.query_one(first).focus()

    def submit(self, button: str) -> None:
        values = {
            "instance": self.query_one("#instance", Input).value.strip(),
            "planned_control": self.query_one("#planned", Input).value.strip(),
            "deviation": self.query_one("#deviation", Input).value.strip(),
            "exception_type": self.query_one("#type", Select).value,
            "effectiveness": self.query_one("#effectiveness", Select).value,
            "report_wording": self.query_one("#wording", Input).value.strip(),
        }
        if self.refs is not None:
            ref = self.query_one("#ref", Select).value
            if ref is Select.NULL:
                self.error("control: choose the control")
                return
            values["ref"] = ref
        if not values["instance"]:
            self.error("instance: name the specific instance that deviated")
            return
        if not values["deviation"]:
            self.error("deviation: say what actually happened")
            return
        self.dismiss(values)


class ResponseFormDialog(_Dialog):
    """Management's response: root cause, corrective action, compensating controls, remediation."""

    DEFAULT_CSS = ExceptionFormDialog.DEFAULT_CSS.replace("ExceptionFormDialog", "ResponseFormDialog")
    AUTO_FOCUS = "#root_cause"

    def __init__(self, exception_label: str, response=None) -> None:
        super().__init__()
        self.exception_label, self.response = exception_label, response

    def compose(self) -> ComposeResult:
        r = self.response

        def val(name: str) -> str:
            v = getattr(r, name, None) if r is not None else None
            return v.isoformat() if isinstance(v, dt.date) else (v or "")

        with FormBody():
            yield Label(f"Management response · {self.exception_label}", classes="section-title")
            yield Label("Root cause", classes="field-label")
            yield Input(val("root_cause"), id="root_cause")
            yield Label("Corrective action", classes="field-label")
            yield Input(val("corrective_action"), id="corrective_action")
            yield Label("Compensating / mitigating controls", classes="field-label")
            yield Input(val("compensating_controls"), id="compensating_controls")
            yield Label("Remediation status and date (YYYY-MM-DD)", classes="field-label")
            with Horizontal(classes="row"):
                yield Select([(s.value.replace("_", " "), s.value) for s in RemediationStatus],
                             value=r.remediation_status.value if r else RemediationStatus.not_started.value,
                             allow_blank=False, id="status")
                yield Input(val("remediation_date"), placeholder="2026-08-14", id="remediation_date")
            yield Label("Responder (name, title)", classes="field-label")
            yield Input(val("responder"), id="responder")
            yield Label("", classes="error", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", variant="primary", id="ok")

    def submit(self, button: str) -> None:
        values = {k: self.query_one(f"#{k}", Input).value.strip()
                  for k in ("root_cause", "corrective_action", "compensating_controls", "remediation_date",
                            "responder")}
        values["remediation_status"] = self.query_one("#status", Select).value
        if not values["root_cause"]:
            self.error("root cause: management's response must state the root cause")
            return
        if not values["responder"]:
            self.error("responder: name who responded for management")
            return
        if values["remediation_date"]:
            try:
                dt.date.fromisoformat(values["remediation_date"])
            except ValueError:
                self.error(f"remediation date {values['remediation_date']!r}: expected YYYY-MM-DD")
                return
        self.dismiss(values)
