"""The `?` screen: keys, views and what each flag means."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from fieldwork_tui.domain.coverage import FLAG_LABELS
from fieldwork_tui.domain.vocab import Flag

FLAG_HELP: dict[Flag, str] = {
    Flag.no_evidence: "Nothing recorded yet for this control.",
    Flag.single_evidence_type: "All evidence is of one type: triangulate with another technique.",
    Flag.inquiry_only: "Only interviews: inquiry alone never supports a conclusion.",
    Flag.missing_required_type: "A technique this control requires has not been performed.",
    Flag.uncorroborated_inquiry: "A statement from an interview has not been corroborated yet.",
    Flag.contradicted_inquiry: "Evidence contradicts what someone said: a red flag.",
    Flag.evidence_outside_period: "Evidence dated outside the observation period.",
    Flag.sample_below_policy: "The sample is smaller than the policy size (and no reason recorded).",
    Flag.untested_sample_items: "Sample items still to be tested.",
    Flag.population_unreconciled: "Population count differs from the count the client stated.",
    Flag.deviation_without_expansion: "A deviation was found but the sample was not expanded or concluded.",
    Flag.exception_without_response: "An exception has no management response (draft report onwards).",
    Flag.unsigned: "No preparer sign-off yet.",
    Flag.signoff_stale: "Modified since it was signed off: sign again.",
    Flag.possible_coached_answer: "Two interviewees answered near-identically, or someone recited the control "
                                  "description (advisory): compare the texts, then dismiss with a reason or keep.",
    Flag.interview_missing_role: "A role the interview plan asks for has not been interviewed on this control "
                                 "(advisory unless the firm's plan makes it blocking): see who to book next in view 4.",
}

KEYS = [
    ("1 … 5", "Dashboard, Controls, Requests, Interviews, Exceptions"),
    ("enter", "Open the row under the cursor"),
    ("escape", "Back"),
    ("/", "Filter as you type"),
    ("ctrl+p", "Command palette (actions of this screen)"),
    ("?", "This help"),
    ("ctrl+q", "Quit — everything is saved as you go"),
]


class HelpDialog(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="help.close", tooltip="Close help"),
        Binding("question_mark", "dismiss", "Close", show=False, id="help.close2", tooltip="Close help"),
    ]
    DEFAULT_CSS = """
    HelpDialog { align: center middle; }
    HelpDialog > VerticalScroll {
        width: 90; height: 80%; border: thick $accent 60%; background: $surface; padding: 1 2;
    }
    """

    def compose(self) -> ComposeResult:
        keys = Table(title="Keys", show_header=False, box=None, expand=True)
        keys.add_column(style="bold")
        keys.add_column()
        for k, v in KEYS:
            keys.add_row(k, v)
        flags = Table(title="Flags", show_header=False, box=None, expand=True)
        flags.add_column(style="bold")
        flags.add_column()
        for flag, text in FLAG_HELP.items():
            flags.add_row(FLAG_LABELS[flag], text)
        with VerticalScroll():
            yield Static(keys)
            yield Static("")
            yield Static(flags)
            yield Static("\nEvidence badges: I inquiry · O observation · N inspection · R re-performance", classes="muted")

    def action_dismiss(self) -> None:
        self.dismiss(None)
