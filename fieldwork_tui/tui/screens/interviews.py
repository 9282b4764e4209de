"""Interviews view (4): who was interviewed, and who still should be.

Four tabs (alt+1 … alt+4):

* **Interviews** — every interview: when, whom (role and title), by whom, statements, red flags.
  `n` starts one and goes straight to live entry; enter opens one.
* **Plan** — per control, the roles the interview plan asks for against the roles heard; `r` sets a
  control's roles by hand (with a reason), or back to the firm's proposal.
* **People** — per role, the controls planned against those heard and who to book next (the people of
  that role, owners of the waiting controls first); then every client person with role, title,
  interviews and the controls still wanted from them; `r` sets a person's role and title.
* **Coached answers** — possible coached answers; enter shows the texts side by side to dismiss
  (with a reason) or keep.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static, TabbedContent, TabPane

from fieldwork_tui.domain.vocab import ROLE_LABELS, PersonRole
from fieldwork_tui.services.engagements import today
from fieldwork_tui.services.evidence import (
    coaching_signals,
    create_interview,
    engagement_plan,
    interviewees,
    list_interviews,
    review_signal,
    set_control_roles,
    set_person_role,
)
from fieldwork_tui.tui.dialogs.coached_answer import CoachedAnswerDialog
from fieldwork_tui.tui.dialogs.new_interview import NewInterviewDialog
from fieldwork_tui.tui.dialogs.person_role import PersonRoleDialog
from fieldwork_tui.tui.dialogs.plan_roles import PlanRolesDialog
from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.safe_text import visible
from fieldwork_tui.tui.kit.screen import ActionArea
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.screens.interview_entry import InterviewEntryScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, DetailLine, ListSource, Row, VirtualTable

#: Columns fitted to the width (kit.columns): at 80 the interview list keeps when, whom, the role and
#: the red flags; the highlighted row is shown in full on the line under each table.
INTERVIEW_COLUMNS = [Column("date", "Date", 10, priority=0), Column("person", "Interviewee", 18, priority=0, min_width=12),
                     Column("role", "Role · title", 28, priority=1, min_width=14),
                     Column("flags", "Red flags", 9, justify="right", priority=0),
                     Column("topic", "Topic", 30, priority=2, min_width=12, grow=True),
                     Column("by", "Interviewer", 14, priority=3),
                     Column("n", "Statements", 10, justify="right", priority=2)]
PLAN_COLUMNS = [Column("ref", "Control", 7, priority=0), Column("title", "Title", 24, priority=2, min_width=12),
                Column("planned", "Planned roles", 26, priority=1, min_width=14),
                Column("missing", "Not yet heard", 24, priority=0, min_width=14),
                Column("heard", "Heard", 32, priority=3, min_width=12, grow=True)]
BOOK_COLUMNS = [Column("role", "Role", 19, priority=0), Column("planned", "Planned", 7, justify="right", priority=1),
                Column("heard", "Heard", 5, justify="right", priority=1),
                Column("who", "Book next (owners first) · interviewed", 46, priority=0, min_width=20, grow=True),
                Column("controls", "Still to hear on", 34, priority=2, min_width=12)]
PEOPLE_COLUMNS = [Column("person", "Person", 18, priority=0, min_width=12),
                  Column("role", "Role · title", 28, priority=0, min_width=14),
                  Column("wanted", "Still wanted for", 28, priority=1, min_width=12, grow=True),
                  Column("n", "Interviews", 10, justify="right", priority=2),
                  Column("heard", "Spoke to", 26, priority=3, min_width=10)]
COACHED_COLUMNS = [Column("control", "Control", 8, priority=0), Column("kind", "Signal", 26, priority=1, min_width=14),
                   Column("review", "Review", 26, priority=0, min_width=12),
                   Column("score", "Words · wording", 15, justify="right", priority=2),
                   Column("who", "Statements", 48, priority=1, min_width=16, grow=True)]


def roles_text(values) -> str:
    return ", ".join(ROLE_LABELS[PersonRole(v)] for v in values)


class InterviewsArea(ActionArea):
    AREA_LABEL = "Interviews tab"
    MAIN = "#interviews-table"
    BINDINGS = [Binding("enter", "open", "Open interview", id="interviews.open",
                        tooltip="Open the interview under the cursor (live entry)")]

    def compose(self) -> ComposeResult:
        yield VirtualTable(ListSource(INTERVIEW_COLUMNS, []), id="interviews-table", detail="interviews-detail")
        yield DetailLine(id="interviews-detail")

    def action_open(self) -> None:
        key = self.query_one(VirtualTable).cursor_key
        if key is not None:
            self.screen.open_interview(key)  # type: ignore[attr-defined]


class PlanArea(ActionArea):
    AREA_LABEL = "Plan tab"
    MAIN = "#plan-table"
    BINDINGS = [Binding("r", "roles", "Set roles", id="plan.roles",
                        tooltip="Set the roles to interview for the control under the cursor (or back to the plan)")]

    def compose(self) -> ComposeResult:
        yield Static(id="plan-summary", classes="tab-summary")
        yield VirtualTable(ListSource(PLAN_COLUMNS, []), id="plan-table", detail="plan-detail")
        yield DetailLine(id="plan-detail")

    def action_roles(self) -> None:
        self.screen.set_control_roles(self.query_one(VirtualTable).cursor_key)  # type: ignore[attr-defined]


class PeopleArea(ActionArea):
    AREA_LABEL = "People tab"
    MAIN = "#people-table"
    BINDINGS = [Binding("r", "role", "Set role", id="people.role",
                        tooltip="Set the role and title of the person under the cursor")]
    DEFAULT_CSS = """
    PeopleArea #book-table { height: auto; max-height: 10; }
    """

    def compose(self) -> ComposeResult:
        yield Static("Per role: controls planned, heard, still to hear — and who to book next", classes="tab-summary")
        yield VirtualTable(ListSource(BOOK_COLUMNS, []), id="book-table", detail="book-detail")
        yield DetailLine(id="book-detail")
        yield Static("People", classes="tab-summary")
        yield VirtualTable(ListSource(PEOPLE_COLUMNS, []), id="people-table", detail="people-detail")
        yield DetailLine(id="people-detail")

    def action_role(self) -> None:
        self.screen.set_person_role(self.query_one("#people-table", VirtualTable).cursor_key)  # type: ignore[attr-defined]


class CoachedArea(ActionArea):
    AREA_LABEL = "Coached answers tab"
    MAIN = "#coached-table"
    BINDINGS = [Binding("enter", "review", "Review", id="coached.review",
                        tooltip="Show the texts side by side; dismiss with a reason or keep")]

    def compose(self) -> ComposeResult:
        yield Static(id="coached-summary", classes="tab-summary")
        yield VirtualTable(ListSource(COACHED_COLUMNS, []), id="coached-table", detail="coached-detail")
        yield DetailLine(id="coached-detail")

    def action_review(self) -> None:
        self.screen.review_signal(self.query_one(VirtualTable).cursor_key)  # type: ignore[attr-defined]


class InterviewsScreen(EngagementScreen):
    VIEW_NAME = "Interviews"
    AREA_LABEL = "Interviews"
    MAIN = "#interviews-table"
    BINDINGS = [
        Binding("n", "new_interview", "New interview", id="interviews.new",
                tooltip="Start an interview and type statements as they are said"),
        Binding("alt+1", "tab('tab-interviews')", "Interviews", id="interviews.tab.list", show=False,
                tooltip="Every interview"),
        Binding("alt+2", "tab('tab-plan')", "Plan", id="interviews.tab.plan", show=False,
                tooltip="Roles to interview per control, against the roles heard"),
        Binding("alt+3", "tab('tab-people')", "People", id="interviews.tab.people", show=False,
                tooltip="Who to book next, and every person's role"),
        Binding("alt+4", "tab('tab-coached')", "Coached answers", id="interviews.tab.coached", show=False,
                tooltip="Possible coached answers to review"),
    ]
    DEFAULT_CSS = """
    InterviewsScreen TabbedContent { height: 1fr; }
    InterviewsScreen TabPane { height: 1fr; padding: 0; }
    InterviewsScreen .tab-summary { height: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.plan = None
        self.signals: dict = {}

    def body(self) -> ComposeResult:
        with TabbedContent(initial="tab-interviews"):
            with TabPane("Interviews", id="tab-interviews"):
                yield InterviewsArea()
            with TabPane("Plan", id="tab-plan"):
                yield PlanArea()
            with TabPane("People", id="tab-people"):
                yield PeopleArea()
            with TabPane("Coached answers", id="tab-coached"):
                yield CoachedArea()

    # -- data ------------------------------------------------------------------------------------------
    def fetch(self) -> dict:
        return {"interviews": list_interviews(self.handle), "plan": engagement_plan(self.handle),
                "signals": coaching_signals(self.handle)}

    def show(self, data: dict) -> None:
        self.plan = data["plan"]
        self.signals = {s.key: s for s in data["signals"]}
        self._show_interviews(data["interviews"])
        self._show_plan(data["plan"])
        self._show_people(data["plan"])
        self._show_signals(data["signals"])
        tabs = self.query_one(TabbedContent)
        missing = sum(1 for c in self.plan.controls if c.missing)
        tabs.get_tab("tab-plan").label = f"Plan ({missing} missing)" if missing else "Plan"
        open_signals = sum(1 for s in data["signals"] if s.open)
        tabs.get_tab("tab-coached").label = f"Coached answers ({open_signals})" if open_signals else "Coached answers"

    def _show_interviews(self, interviews) -> None:
        rows = [Row(key=iv.id, cells=[
            iv.held_on, visible(iv.person.name),
            visible(iv.person.role_title) if iv.person.role_title else Text("role not recorded", style=role("muted")),
            Text(str(iv.red_flags), style=role("severe")) if iv.red_flags else "",
            visible(iv.topic), visible(iv.interviewer), str(iv.statements)]) for iv in interviews]
        table = self.query_one("#interviews-table", VirtualTable)
        table.empty_text = "No interviews yet. Press n to start one (or: fieldwork import interviews ENG FILE)."
        table.set_source(ListSource(INTERVIEW_COLUMNS, rows))

    def _show_plan(self, plan) -> None:
        rows = []
        for c in plan.controls:
            missing = Text(roles_text(c.missing), style=role("warning")) if c.missing else Text(
                "complete" if c.planned else "no interview planned", style=role("ok" if c.planned else "muted"))
            planned = roles_text(c.planned) + (" (set by hand)" if c.adjusted else "")
            heard = "; ".join(visible(p) for p in c.people) or "—"
            rows.append(Row(key=c.ref, cells=[c.ref, visible(c.title), planned or "—", missing, heard]))
        self.query_one("#plan-table", VirtualTable).set_source(ListSource(PLAN_COLUMNS, rows))
        count = sum(1 for c in plan.controls if c.missing)
        source = "the firm's table" if plan.source != "built-in" else "the built-in table"
        summary = (f"{count} of {len(plan.controls)} controls still miss a planned role · proposals from {source}"
                   " · r sets a control's roles")
        if plan.no_role:
            summary += f" · interviewed without a role (count for none): {', '.join(plan.no_role)}"
        self.query_one("#plan-summary", Static).update(visible(summary))

    def _show_people(self, plan) -> None:
        book_next = {b.role: b for b in plan.book_next}
        book = []
        for r in plan.roles:
            b = book_next.get(r.role)
            if b is not None:
                who = (Text(visible("book: " + ", ".join(b.candidates)), style=role("warning")) if b.candidates
                       else Text("nobody of this role on file", style=role("severe")))
            else:
                who = Text(visible("heard: " + ", ".join(r.people_interviewed)) if r.people_interviewed else "—",
                           style=role("ok") if r.controls_planned else "")
            book.append(Row(key=r.role, cells=[ROLE_LABELS[PersonRole(r.role)], str(len(r.controls_planned)),
                                               str(len(r.controls_held)), who, " ".join(r.controls_missing) or "—"]))
        table = self.query_one("#book-table", VirtualTable)
        table.empty_text = "No role is planned and nobody's role is known yet."
        table.set_source(ListSource(BOOK_COLUMNS, book))
        people = [Row(key=p.name, cells=[visible(p.name), visible(p.role_title), " ".join(p.wanted) or "—",
                                         str(p.interviews), " ".join(p.controls_heard) or "—"]) for p in plan.people]
        self.query_one("#people-table", VirtualTable).set_source(ListSource(PEOPLE_COLUMNS, people))

    def _show_signals(self, signals) -> None:
        rows = []
        for s in signals:
            review = {"dismissed": f"dismissed: {s.reason}", "kept": "kept" + (f": {s.reason}" if s.reason else "")}
            rows.append(Row(key=s.key, cells=[
                s.control, s.label, Text(visible(review.get(s.decision or "", "not reviewed")),
                                         style=role("muted" if not s.open else "warning")),
                (f"— · {s.alike:g}" if s.kind == "recited_description" else f"{s.score:g} · {s.alike:g}"), visible(" · ".join(x.who for x in s.statements))]))
        table = self.query_one("#coached-table", VirtualTable)
        table.empty_text = "No possible coached answers."
        table.set_source(ListSource(COACHED_COLUMNS, rows))
        still = sum(1 for s in signals if s.open)
        self.query_one("#coached-summary", Static).update(
            f"{still} to look at · advisory: staff who read the same procedure answer alike · enter to review")

    # -- actions ------------------------------------------------------------------------------------------
    def action_tab(self, pane: str) -> None:
        self.show_tab(pane)

    def open_interview(self, interview_id: int) -> None:
        self.app.push_screen(InterviewEntryScreen(interview_id))

    @on(VirtualTable.RowOpened, "#interviews-table")
    def _open(self, event: VirtualTable.RowOpened) -> None:
        event.stop()
        self.open_interview(event.key)

    @on(VirtualTable.RowOpened, "#coached-table")
    def _review(self, event: VirtualTable.RowOpened) -> None:
        event.stop()
        self.review_signal(event.key)

    @on(VirtualTable.RowOpened, "#plan-table")
    def _plan_row(self, event: VirtualTable.RowOpened) -> None:
        event.stop()
        self.set_control_roles(event.key)

    def action_new_interview(self) -> None:
        def opened(people) -> None:
            self.app.push_screen(
                NewInterviewDialog(people, today().isoformat(), save=lambda v: create_interview(self.handle, **v)),
                lambda iv: self.open_interview(iv.id) if iv is not None else None)

        def failed(_exc: BaseException) -> bool:
            self.app.screen_ready(self)  # type: ignore[attr-defined]
            return False  # the one error handler shows the reason

        # the keys typed after `n` belong to the dialog: held until it is up (the people are read first)
        self.app.screen_not_ready(self)  # type: ignore[attr-defined]
        workers.run(self, lambda: interviewees(self.handle), done=opened, failed=failed, group="new-interview")

    def set_control_roles(self, ref: str | None) -> None:
        plan = next((c for c in self.plan.controls if c.ref == ref), None) if ref and self.plan else None
        if plan is None:
            return
        self.app.push_screen(
            PlanRolesDialog(plan, save=lambda v: set_control_roles(self.handle, plan.ref, v["roles"], v["reason"])),
            lambda done: (self.notify(f"{done.ref}: planned {roles_text(done.planned) or 'no interview'}."),
                          self.load()) if done is not None else None)

    def set_person_role(self, name: str | None) -> None:
        person = next((p for p in self.plan.people if p.name == name), None) if name and self.plan else None
        if person is None:
            return
        self.app.push_screen(
            PersonRoleDialog(person, save=lambda v: set_person_role(self.handle, person.name, v["role"], v["title"])),
            lambda done: (self.notify(visible(done.label)), self.load()) if done is not None else None)

    def review_signal(self, key: str | None) -> None:
        signal = self.signals.get(key) if key else None
        if signal is None:
            return
        self.app.push_screen(
            CoachedAnswerDialog(signal, save=lambda v: review_signal(self.handle, signal.key, v["decision"],
                                                                     v["reason"])),
            lambda done: self.load() if done is not None else None)
