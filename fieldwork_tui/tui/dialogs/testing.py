"""Dialogs of attribute testing, on the kit's form: a control's test steps (objective and attributes,
each rule checked as it is typed, naming the position of a problem), the population's completeness
and accuracy record, the basis of a pass, and the single test of a Type I or automated control.

Dialogs return values; the tab passes `save=` with the service call (dialogs never call services).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input, Label, Static

from fieldwork_tui.domain import expressions
from fieldwork_tui.domain.attributes import MAX_ATTRIBUTES, AttributeSpec
from fieldwork_tui.tui.kit.forms import FieldError, FormDialog, area_field, choice_field, text_field
from fieldwork_tui.tui.kit.safe_text import safe_content


def rule_check(rule: str, columns: Sequence[str] | None) -> tuple[str, str]:
    """(what the line under an attribute's rule says, the rule with a caret under the problem or "")."""
    if not rule.strip():
        return "no rule: a person tests every item", ""
    try:
        if columns is None:
            expressions.parse(rule)
            return "✓ syntax ok (no population yet to check the columns)", ""
        bound = expressions.bind(rule, columns)
    except expressions.RuleError as exc:
        return f"✗ {exc}", exc.pointer()
    return "✓ reads " + ", ".join(bound.rule.columns()), ""


def rule_status(rule: str, columns: Sequence[str] | None) -> str:
    return rule_check(rule, columns)[0]


class AttributeRow(Vertical):
    """One attribute: letter, description, deviation wording, rule (checked as typed)."""

    DEFAULT_CSS = """
    AttributeRow { height: auto; border-top: solid $panel; padding-top: 0; }
    AttributeRow .attr-head { height: auto; }
    AttributeRow .attr-letter { width: 4; text-style: bold; color: $accent; padding-top: 1; }
    AttributeRow .attr-head Input { width: 1fr; }
    AttributeRow .rule-status { color: $text-muted; height: auto; padding-left: 4; }
    AttributeRow .rule-status.-bad { color: $error; }
    """

    def __init__(self, index: int, spec: AttributeSpec, columns: Sequence[str] | None) -> None:
        super().__init__(id=f"attr-{index}")
        self.index, self.spec, self.columns = index, spec, columns

    def compose(self) -> ComposeResult:
        i = self.index
        with Horizontal(classes="attr-head"):
            yield Label(self.spec.letter, classes="attr-letter", id=f"letter-{i}")
            yield Input(self.spec.description, placeholder="What is checked for every item (e.g. approved in the "
                        "ticket before the deploy date)", id=f"description-{i}")
        yield Input(self.spec.deviation, placeholder="Report wording of a deviation (e.g. the change was deployed "
                    "before it was approved)", id=f"deviation-{i}")
        yield Input(self.spec.rule, placeholder="Rule over the population's columns (optional, e.g. Approved <= "
                    "Deployed)", id=f"rule-{i}")
        yield Static(id=f"rule-status-{i}", classes="rule-status", markup=False)

    def on_mount(self) -> None:
        self.check_rule(self.spec.rule)

    def check_rule(self, rule: str) -> None:
        status, pointer = rule_check(rule, self.columns)
        widget = self.query_one(f"#rule-status-{self.index}", Static)
        widget.update(safe_content(status + (f"\n{pointer}" if pointer else ""), keep_lines=True))
        widget.set_class(status.startswith("✗"), "-bad")


class TestStepsForm(FormDialog[Any]):
    """The control's test objective and ordered attributes (A, B, C …)."""

    __test__ = False
    TITLE_TEXT = "Test steps"
    WIDTH = 110
    BINDINGS = [
        Binding("ctrl+n", "add_attribute", "Add attribute", id="steps.add", tooltip="Add an attribute at the end"),
        Binding("ctrl+d", "remove_attribute", "Remove attribute", id="steps.remove",
                tooltip="Remove the attribute whose field has the focus"),
    ]
    FIELD_NAMES = {"objective": "objective"}
    DEFAULT_CSS = """
    TestStepsForm #attributes { height: auto; }
    """

    def __init__(self, ref: str, objective: str, attributes: Sequence[AttributeSpec], columns: Sequence[str] | None,
                 **kwargs: Any) -> None:
        super().__init__(subtitle=f"{ref} · one row per attribute; rules read the population's own columns"
                         + (f" ({', '.join(columns)})" if columns else ""), **kwargs)
        self.ref = ref
        self.objective = objective
        self.specs = list(attributes) or [AttributeSpec("A", "")]
        self.columns = list(columns) if columns is not None else None
        self._next = len(self.specs)

    def hint(self) -> str:
        return "ctrl+s saves · ctrl+n adds · ctrl+d removes · esc cancels"

    def fields(self) -> ComposeResult:
        yield from area_field("Test objective", "objective", self.objective, height=2,
                              placeholder="What the test establishes (e.g. changes are authorised before deployment)")
        with Vertical(id="attributes"):
            for i, spec in enumerate(self.specs):
                yield AttributeRow(i, spec, self.columns)
        yield Checkbox("Allow removing attributes that hold test results (their results are deleted)", False,
                       id="drop-results")

    @on(Input.Changed)
    def _rule_changed(self, event: Input.Changed) -> None:
        if event.input.id and event.input.id.startswith("rule-"):
            row = next((a for a in event.input.ancestors if isinstance(a, AttributeRow)), None)
            if row is not None:
                row.check_rule(event.value)

    def _rows(self) -> list[AttributeRow]:
        return list(self.query(AttributeRow))

    def _free_letter(self) -> str | None:
        """The letter after the highest one used: letters stay with their attribute (and its results)."""
        used = [row.spec.letter for row in self._rows()]
        start = max((ord(lt) for lt in used), default=ord("A") - 1) + 1
        free = [chr(c) for c in range(start, ord("Z") + 1)] or [chr(c) for c in range(ord("A"), ord("Z") + 1)
                                                                   if chr(c) not in used]
        return free[0] if free else None

    async def action_add_attribute(self) -> None:
        letter = self._free_letter()
        if len(self._rows()) >= MAX_ATTRIBUTES or letter is None:
            self.show_error(f"At most {MAX_ATTRIBUTES} attributes (A to Z).")
            return
        index = self._next
        self._next += 1
        await self.query_one("#attributes", Vertical).mount(AttributeRow(index, AttributeSpec(letter, ""), self.columns))
        self.set_focus(self.query_one(f"#description-{index}", Input))

    def action_remove_attribute(self) -> None:
        focused = self.focused
        row = next((a for a in (focused.ancestors if focused else []) if isinstance(a, AttributeRow)), None)
        if row is None:
            self.show_error("Put the cursor in the attribute to remove.")
            return
        rows = self._rows()
        position = rows.index(row)
        row.remove()  # the other attributes keep their letters (their results stay theirs)
        rest = [r for r in rows if r is not row]
        if rest:
            target = rest[min(position, len(rest) - 1)]
            self.call_after_refresh(lambda: self.set_focus(target.query_one(Input)))

    def values(self) -> dict:
        attributes = []
        for row in self._rows():
            i = row.index
            description = self.query_one(f"#description-{i}", Input).value.strip()
            deviation = self.query_one(f"#deviation-{i}", Input).value.strip()
            rule = self.query_one(f"#rule-{i}", Input).value.strip()
            lt = row.spec.letter
            if not description:
                if not deviation and not rule:
                    continue  # an empty row is ignored
                raise FieldError(f"description-{i}", f"attribute {lt}: say what is checked for every item")
            if rule:
                status = rule_status(rule, self.columns)
                if status.startswith("✗"):
                    raise FieldError(f"rule-{i}", f"attribute {lt}: rule {status[2:]}")
            attributes.append(AttributeSpec(lt, " ".join(description.split()), " ".join(deviation.split()),
                                            " ".join(rule.split())))
        if not attributes:
            raise FieldError("description-0" if self.query("#description-0") else None,
                             "at least one attribute: what is checked for every item")
        return {"objective": " ".join(self.text("objective").split()), "attributes": attributes,
                "drop_results": bool(self.value("drop-results"))}


class ExtractForm(FormDialog[Any]):
    """How the client produced the population (information produced by the entity)."""

    TITLE_TEXT = "Population: completeness and accuracy"
    WIDTH = 90
    FIELD_NAMES = {"source system": "source-system", "query": "query", "--client-count": "client-count"}

    def __init__(self, ref: str, rows: int, source_system: str = "", query: str = "",
                 client_count: int | None = None, note: str = "", **kwargs: Any) -> None:
        super().__init__(subtitle=f"{ref} · {rows:,} rows imported. Rules read this extract only once its source, "
                         f"query and count are recorded.", **kwargs)
        self.rows, self.source_system, self.query_text, self.client_count = rows, source_system, query, client_count
        self.note = note

    def fields(self) -> ComposeResult:
        yield from text_field("Source system", "source-system", self.source_system,
                              placeholder="e.g. Jira Cloud, Workday, the GitHub deployments API")
        yield from area_field("Query, report or parameters used", "query", self.query_text, height=3,
                              placeholder="e.g. project = OPS AND resolved >= 2025-10-01 AND resolved <= 2026-09-30")
        yield from text_field("Count the client stated (reconciliation)", "client-count",
                              "" if self.client_count is None else str(self.client_count),
                              placeholder=f"{self.rows} rows were imported")
        yield from area_field("How the count was reconciled (optional)", "note", self.note, height=2)

    def values(self) -> dict:
        count_text = self.text("client-count").replace(",", "")
        if count_text and not count_text.isdigit():
            raise FieldError("client-count", "client count: a whole number")
        return {"source_system": self.required("source-system", "source system: name the system it came from"),
                "query": self.required("query", "query: the query, report or parameters the client used"),
                "client_count": int(count_text) if count_text else None, "note": self.text("note")}


EXTRACT = "extract"


class PassBasisForm(FormDialog[Any]):
    """What a pass rests on: the population extract, or an evidence file linked to the control."""

    TITLE_TEXT = "Basis of the pass"
    WIDTH = 80

    def __init__(self, what: str, evidence: Sequence[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(subtitle=f"{what} · a pass needs an evidence reference or an explicit "
                         f"'seen in the population extract'", **kwargs)
        self.evidence = list(evidence)

    def fields(self) -> ComposeResult:
        options = [("Seen in the population extract", EXTRACT)] + [(label, eid) for eid, label in self.evidence]
        yield from choice_field("Basis", "basis", options, EXTRACT)

    def values(self) -> dict:
        basis = self.value("basis")
        if basis == EXTRACT:
            return {"evidence_id": None, "seen_in_extract": True}
        return {"evidence_id": int(basis), "seen_in_extract": False}


RESULTS = [("untested — not yet concluded", "untested"), ("pass", "passed"), ("deviation", "deviation"),
           ("n/a", "not_applicable")]


class SingleTestForm(FormDialog[Any]):
    """The walkthrough of one instance (Type I) or the test of one of an automated control."""

    WIDTH = 100
    FIELD_NAMES = {"instance": "instance", "date": "date", "description": "description",
                   "configuration": "configuration", "itgc reliance": "itgc", "itgc basis": "itgc-basis",
                   "evidence": "evidence"}

    def __init__(self, ref: str, kind: str, explanation: str, current: dict | None,
                 evidence: Sequence[tuple[int, str]], today: str, **kwargs: Any) -> None:
        title = "Walkthrough of one instance" if kind == "walkthrough" else "Test of one (automated control)"
        super().__init__(title=title, subtitle=f"{ref} · {explanation}", **kwargs)
        self.kind, self.current, self.evidence, self.today = kind, current or {}, list(evidence), today

    def fields(self) -> ComposeResult:
        c = self.current
        label = "Instance walked through" if self.kind == "walkthrough" else "System or setting tested"
        yield from text_field(label, "instance", c.get("instance", ""),
                              placeholder="e.g. CHG-2417" if self.kind == "walkthrough" else "e.g. RDS production")
        yield from text_field("Date (YYYY-MM-DD)", "date", c.get("performed_on", "") or self.today)
        yield from area_field("What was done and seen", "description", c.get("description", ""), height=3)
        if self.kind != "walkthrough":
            yield from area_field("Configuration inspected", "configuration", c.get("configuration", ""), height=2)
            yield from text_field("IT general controls relied on (refs, comma separated)", "itgc",
                                  ", ".join(c.get("itgc_refs", ())), placeholder="e.g. CM-01, AC-04")
            yield from area_field("Why they can be relied on", "itgc-basis", c.get("itgc_basis", ""), height=2,
                                  placeholder="e.g. CM-01 and AC-04 tested without exception for the period")
        options = [(label, eid) for eid, label in self.evidence]
        if options:
            from textual.widgets import SelectionList

            yield Label("Evidence inspected", classes="field-label")
            yield SelectionList(*[(label, eid, eid in c.get("evidence_ids", ())) for label, eid in options],
                                id="evidence")
        yield from choice_field("Result", "result", RESULTS, c.get("result", "untested"))

    def values(self) -> dict:
        out = {"instance": self.text("instance"), "performed_on": self.text("date"),
               "description": self.text("description"), "result": self.value("result") or "untested",
               "evidence_ids": list(self.value("evidence")) if self.query("#evidence") else []}
        if self.kind != "walkthrough":
            out.update(configuration=self.text("configuration"),
                       itgc_refs=[r.strip() for r in self.text("itgc").replace(";", ",").split(",") if r.strip()],
                       itgc_basis=self.text("itgc-basis"))
        return out
