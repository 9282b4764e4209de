"""The exception form and the management response form (shared by the register and the control's
Exceptions tab). Long texts are multi-line fields; ctrl+s saves like every form."""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Select

from fieldwork_tui.domain.vocab import Effectiveness, ExceptionType, RemediationStatus
from fieldwork_tui.tui.kit.forms import FieldError, FormDialog, area_field, choice_field, text_field
from fieldwork_tui.tui.kit.safe_text import visible

TYPE_HELP = {
    ExceptionType.timing: "timing — done, but late",
    ExceptionType.execution: "execution — not done, or done wrong",
    ExceptionType.evidence: "evidence — no evidence it was done",
    ExceptionType.scope: "scope — instance left out of the control",
}


class ExceptionFormDialog(FormDialog):
    """Instance, planned control, deviation, type, design/operating, report wording. `draft` prefills;
    `refs` (register only) lets the auditor choose the control of a manual exception."""

    WIDTH = 96
    FIELD_NAMES = {"instance": "instance", "deviation": "deviation", "planned control": "planned",
                   "control": "ref", "report wording": "wording"}

    def __init__(self, draft: dict, *, choose_control: bool = False, title: str = "Exception", **kwargs) -> None:
        """`fetch()` may return {"draft": dict, "refs": [control refs]} read in a worker (an exception
        being edited, the controls to choose from)."""
        source = draft.get("source", "manual")
        super().__init__(title=f"{title} · {draft.get('ref') or 'new'} · from {source}", **kwargs)
        self.draft, self.refs = draft, [] if choose_control else None

    @property
    def MAIN(self) -> str:  # noqa: N802 - the first field still to fill
        if self.refs is not None and not self.draft.get("ref"):
            return "#ref"
        return "#deviation" if self.draft.get("instance") else "#instance"

    def show(self, data) -> None:
        if not data:
            return
        if data.get("refs") is not None and self.refs is not None:
            self.refs = list(data["refs"])
            self.query_one("#ref", Select).set_options([(r, r) for r in self.refs])
        if data.get("draft"):
            self.draft = d = data["draft"]
            self.fill({"instance": d.get("instance", ""), "planned": d.get("planned_control", ""),
                       "deviation": d.get("deviation", ""), "type": d.get("exception_type"),
                       "effectiveness": d.get("effectiveness"), "wording": d.get("report_wording") or ""})
            if self.refs is not None and d.get("ref"):
                self.fill({"ref": d["ref"]})

    def fields(self) -> ComposeResult:
        d = self.draft
        if self.refs is not None:
            yield from choice_field("Control", "ref", [(r, r) for r in self.refs], d.get("ref") or Select.NULL,
                                    allow_blank=True, prompt="choose the control")
        yield from text_field("Instance (the specific item that deviated)", "instance", d.get("instance", ""))
        yield from area_field("Planned control (what should have happened)", "planned",
                              d.get("planned_control", ""), height=2)
        yield from area_field("Deviation (what actually happened)", "deviation", d.get("deviation", ""), height=3,
                              placeholder="the change was deployed without ...")
        with Horizontal(classes="row"):
            with Vertical(classes="half"):
                yield from choice_field("Type", "type", [(TYPE_HELP[t], t.value) for t in ExceptionType],
                                        d.get("exception_type", ExceptionType.execution.value))
            with Vertical(classes="half"):
                yield from choice_field("Effectiveness", "effectiveness",
                                        [("operating effectiveness", Effectiveness.operating.value),
                                         ("design", Effectiveness.design.value)],
                                        d.get("effectiveness", Effectiveness.operating.value))
        yield from area_field("Report wording (empty: generated)", "wording", d.get("report_wording", "") or "",
                              height=3)

    def values(self) -> dict:
        values = {
            "instance": self.required("instance", "instance: name the specific instance that deviated"),
            "planned_control": self.text("planned"),
            "deviation": self.required("deviation", "deviation: say what actually happened"),
            "exception_type": self.value("type"),
            "effectiveness": self.value("effectiveness"),
            "report_wording": self.text("wording"),
        }
        if self.refs is not None:
            ref = self.value("ref")
            if ref is None:
                raise FieldError("ref", "control: choose the control")
            values["ref"] = ref
        return values


class ResponseFormDialog(FormDialog):
    """Management's response: root cause, corrective action, compensating controls, remediation."""

    WIDTH = 96
    MAIN = "#root_cause"
    FIELD_NAMES = {"root cause": "root_cause", "responder": "responder", "remediation date": "remediation_date"}

    def __init__(self, exception_label: str, response=None, **kwargs) -> None:
        """`fetch()` may return (label, response) read in a worker."""
        super().__init__(title=f"Management response · {exception_label}", **kwargs)
        self.response = response

    def show(self, data) -> None:
        if not data:
            return
        label, self.response = data
        self.query_one(".form-title").update(visible(f"Management response · {label}"))
        if self.response is not None:
            self.fill({k: self._val(k) for k in ("root_cause", "corrective_action", "compensating_controls",
                                                  "remediation_date", "responder")})
            self.fill({"status": self.response.remediation_status.value})

    def _val(self, name: str) -> str:
        v = getattr(self.response, name, None) if self.response is not None else None
        return v.isoformat() if isinstance(v, dt.date) else (v or "")

    def fields(self) -> ComposeResult:
        r = self.response
        yield from area_field("Root cause", "root_cause", self._val("root_cause"), height=2)
        yield from area_field("Corrective action", "corrective_action", self._val("corrective_action"), height=2)
        yield from area_field("Compensating / mitigating controls", "compensating_controls",
                              self._val("compensating_controls"), height=2)
        with Horizontal(classes="row"):
            with Vertical(classes="half"):
                yield from choice_field("Remediation status", "status",
                                        [(s.value.replace("_", " "), s.value) for s in RemediationStatus],
                                        r.remediation_status.value if r else RemediationStatus.not_started.value)
            with Vertical(classes="half"):
                yield from text_field("Remediation date (YYYY-MM-DD)", "remediation_date",
                                      self._val("remediation_date"), placeholder="2026-08-14")
        yield from text_field("Responder (name, title)", "responder", self._val("responder"))

    def values(self) -> dict:
        values = {k: self.text(k) for k in ("root_cause", "corrective_action", "compensating_controls",
                                             "remediation_date", "responder")}
        values["remediation_status"] = self.value("status")
        if not values["root_cause"]:
            raise FieldError("root_cause", "root cause: management's response must state the root cause")
        if not values["responder"]:
            raise FieldError("responder", "responder: name who responded for management")
        if values["remediation_date"]:
            try:
                dt.date.fromisoformat(values["remediation_date"])
            except ValueError:
                raise FieldError("remediation_date", f"remediation date {values['remediation_date']!r}: "
                                                     "expected YYYY-MM-DD") from None
        return values
