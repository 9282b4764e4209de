"""Attribute testing: a control's test steps and the testing matrix of a sample (items × attributes).

A Type II workpaper tests every sampled item against named attributes — for a change: A approved
before deployment, B approver is not the author, C tested before deployment. The rules here are pure:

* **Test steps.** A test objective and an ordered list of attributes (letter, description, the
  wording of a deviation for the report, an optional rule over the population's columns).
  `steps_from_text` reads them from a control matrix's "Test procedures" / "Test attributes" cell
  (one per line).
* **Cells.** One result per item and attribute: pass, deviation, n/a (or untested), a note, linked
  evidence. A cell proposed by a rule stays *proposed* until a person confirms it; a proposed cell
  counts as untested. A pass needs its basis: an evidence reference or an explicit "seen in the
  population extract".
* **Item result, derived.** A deviation in any attribute makes the item a deviation; an item with an
  untested cell is untested; all n/a is n/a; otherwise passed. An item with deviations in two
  attributes is counted once in "X of N items" and once in each attribute's wording.
* **IPE gate.** Rules read the client's extract (information produced by the entity), so they are
  offered only once the population's completeness and accuracy work is recorded: the source system,
  the query or parameters, and a reconciliation to the count the client stated.
* **Approach.** A Type I engagement tests design and implementation by a walkthrough of one instance
  (no sample); an automated control in a Type II engagement is a test of one, recording the
  configuration inspected and the IT general controls relied on; everything else is sampled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from fieldwork_tui.domain import expressions
from fieldwork_tui.domain.reporting import sample_exception_wording
from fieldwork_tui.domain.vocab import EngagementType, Frequency, Nature, SampleResult

#: The attribute existing single results migrate to.
OVERALL_LETTER = "A"
OVERALL_DESCRIPTION = "Overall"
MAX_ATTRIBUTES = 26
R = SampleResult


class StepsError(ValueError):
    """Test steps that cannot be used; the message names the line or field."""


# -- letters ---------------------------------------------------------------------------------------------
def letter(index: int) -> str:
    """0 → A, 25 → Z (a workpaper rarely has more than a handful of attributes)."""
    if not 0 <= index < MAX_ATTRIBUTES:
        raise StepsError(f"at most {MAX_ATTRIBUTES} attributes (A to Z)")
    return chr(ord("A") + index)


# -- test steps -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AttributeSpec:
    letter: str
    description: str  # "Approved in the ticket before the deploy date"
    deviation: str = ""  # report wording of a deviation: "the change was deployed before it was approved"
    rule: str = ""  # optional rule over the population's columns (domain.expressions)

    def deviation_clause(self) -> str:
        """What went wrong, as the clause after "For X of N changes sampled, ..."."""
        if self.deviation.strip():
            return " ".join(self.deviation.split()).rstrip(" .")
        what = " ".join(self.description.split()).rstrip(" .")
        if what and what[0].isupper() and not what[1:2].isupper():
            what = what[0].lower() + what[1:]
        return f"attribute {self.letter} ({what}) was not met" if what else f"attribute {self.letter} was not met"

    def label(self) -> str:
        return f"{self.letter} — {self.description}"

    def rule_difference_clause(self, met: bool | None) -> str:
        """The deviation of a population row the attribute's rule does not meet (`met` False: the
        attribute's own wording) or cannot decide (None: the extract does not show it), as the
        clause after "For X of N changes tested, ..." — never naming the row or its values."""
        if met is False:
            return self.deviation_clause()
        what = " ".join(self.description.split()).rstrip(" .")
        if what and what[0].isupper() and not what[1:2].isupper():
            what = what[0].lower() + what[1:]
        return (f"the population extract did not show whether attribute {self.letter} ({what}) was met" if what
                else f"the population extract did not show whether attribute {self.letter} was met")


@dataclass(frozen=True)
class ControlSteps:
    objective: str = ""
    attributes: tuple[AttributeSpec, ...] = ()

    def letters(self) -> list[str]:
        return [a.letter for a in self.attributes]

    def by_letter(self, key: str) -> AttributeSpec:
        for a in self.attributes:
            if a.letter == key.strip().upper():
                return a
        raise StepsError(f"no attribute {key.strip()!r} (attributes: {', '.join(self.letters()) or 'none'})")


def validate_steps(steps: ControlSteps, columns: Sequence[str] | None = None) -> list[str]:
    """Every problem with the steps, each naming the attribute (empty list: usable). Rules are
    checked against `columns` when given."""
    problems: list[str] = []
    seen: set[str] = set()
    if len(steps.attributes) > MAX_ATTRIBUTES:
        problems.append(f"at most {MAX_ATTRIBUTES} attributes (A to Z)")
    for i, a in enumerate(steps.attributes):
        name = f"attribute {a.letter or i + 1}"
        if not re.fullmatch(r"[A-Z]", a.letter or ""):
            problems.append(f"{name}: the letter must be one of A to Z")
        elif a.letter in seen:
            problems.append(f"{name}: letter {a.letter} is used twice")
        seen.add(a.letter)
        if not a.description.strip():
            problems.append(f"{name}: the description is empty")
        if a.rule.strip():
            reason = expressions.check(a.rule, columns)
            if reason:
                problems.append(f"{name}: rule {reason}")
    return problems


_BULLET = re.compile(r"^\s*(?:[-*•·‣▪]|\(?\d{1,2}[.)])\s*")
_LABEL = re.compile(r"^\s*\(?([A-Za-z])\s*(?:[—–:]|[.)-](?=\s))\s*(?=\S)")
_OBJECTIVE = re.compile(r"^\s*(?:test\s+)?objective\s*[:—–-]\s*", re.IGNORECASE)


def steps_from_text(text: str, *, objective: str = "", source: str = "test procedures") -> ControlSteps:
    """Test steps from a spreadsheet cell, one attribute per line:

        Objective: changes are authorised, tested and approved before deployment
        A — Approved in the ticket before the deploy date
        B. Approver is not the author
        - Tested before deployment            (unlettered lines take the next letter)

    A line "Objective: ..." sets the objective (else `objective`). Given letters must be A–Z, each
    once; unlettered lines are lettered in order after the letters already used."""
    lines = [ln for ln in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    parsed: list[tuple[int, str | None, str]] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        m = _OBJECTIVE.match(raw)
        if m:
            objective = raw[m.end():].strip()
            continue
        line = _BULLET.sub("", raw, count=1) if not _LABEL.match(raw) else raw
        m = _LABEL.match(line)
        if m:
            parsed.append((number, m.group(1).upper(), line[m.end():].strip()))
        else:
            parsed.append((number, None, line.strip()))
    used = {lt for _n, lt, _d in parsed if lt}
    seen: dict[str, int] = {}
    attrs: list[AttributeSpec] = []
    free = (chr(c) for c in range(ord("A"), ord("Z") + 1) if chr(c) not in used)
    for number, lt, description in parsed:
        if lt is None:
            lt = next(free, None)
            if lt is None:
                raise StepsError(f"{source}, line {number}: at most {MAX_ATTRIBUTES} attributes (A to Z)")
        elif lt in seen:
            raise StepsError(f"{source}, line {number}: letter {lt} is already used on line {seen[lt]}")
        seen[lt] = number
        if not description:
            raise StepsError(f"{source}, line {number}: attribute {lt} has no description")
        attrs.append(AttributeSpec(lt, description))
    return ControlSteps(" ".join(objective.split()), tuple(attrs))


def steps_text(steps: ControlSteps) -> str:
    """The inverse of `steps_from_text` (objective line, then one lettered line per attribute)."""
    lines = [f"Objective: {steps.objective}"] if steps.objective else []
    lines += [f"{a.letter} — {a.description}" for a in steps.attributes]
    return "\n".join(lines)


# -- cells and derived results ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """One item's result for one attribute."""

    result: SampleResult = R.untested
    proposed: bool = False  # set by a rule and not yet confirmed by a person
    note: str = ""
    evidence_id: int | None = None
    seen_in_extract: bool = False
    reason: str = ""  # what the rule found (for proposed and rule-confirmed cells)

    @property
    def counted(self) -> SampleResult:
        """The result as it counts: a proposal counts as untested until a person confirms it."""
        return R.untested if self.proposed else self.result

    @property
    def confirmed(self) -> bool:
        return not self.proposed and self.result is not R.untested


def pass_basis_problem(cell: Cell, item_evidence_id: int | None = None) -> str | None:
    """Why this cell cannot be a confirmed pass, or None. A pass needs an evidence reference (on the
    cell or the item) or an explicit "seen in the population extract"."""
    if cell.evidence_id is not None or item_evidence_id is not None or cell.seen_in_extract:
        return None
    return "a pass needs an evidence reference or an explicit 'seen in the population extract'"


def item_result(cells: Iterable[Cell]) -> SampleResult:
    """The item's result from its cells (see the module docstring)."""
    counted = [c.counted for c in cells]
    if R.deviation in counted:
        return R.deviation
    if not counted or R.untested in counted:
        return R.untested
    if all(r is R.not_applicable for r in counted):
        return R.not_applicable
    return R.passed


@dataclass(frozen=True)
class MatrixCounts:
    items: int  # items sampled (initial and expansion)
    tested: int  # items whose derived result is not untested
    deviations: int  # items with a deviation in any attribute (each counted once)
    passed: int
    not_applicable: int
    proposed: int  # cells awaiting a person's confirmation
    by_attribute: Mapping[str, int] = field(default_factory=dict)  # deviations per attribute letter

    @property
    def untested(self) -> int:
        return self.items - self.tested


def matrix_counts(letters: Sequence[str], rows: Sequence[Mapping[str, Cell]]) -> MatrixCounts:
    """Counts over a matrix: `rows` holds, per item, its cell for each attribute letter (a missing
    cell is untested)."""
    by_attr = dict.fromkeys(letters, 0)
    tested = deviations = passed = na = proposed = 0
    for row in rows:
        cells = [row.get(lt, Cell()) for lt in letters]
        for lt, c in zip(letters, cells, strict=True):
            if c.counted is R.deviation:
                by_attr[lt] += 1
            if c.proposed and c.result is not R.untested:
                proposed += 1
        result = item_result(cells)
        if result is not R.untested:
            tested += 1
        deviations += result is R.deviation
        passed += result is R.passed
        na += result is R.not_applicable
    return MatrixCounts(len(rows), tested, deviations, passed, na, proposed, by_attr)


@dataclass(frozen=True)
class AttributeWording:
    letter: str
    deviations: int
    text: str  # "For 1 of 40 changes sampled, the change was deployed before it was approved."


def attribute_wordings(steps: ControlSteps, counts: MatrixCounts, items_noun: str) -> list[AttributeWording]:
    """One report sentence per attribute with a deviation, from the current counts."""
    out = []
    for a in steps.attributes:
        n = counts.by_attribute.get(a.letter, 0)
        if n:
            out.append(AttributeWording(a.letter, n, sample_exception_wording(n, counts.items, items_noun,
                                                                              a.deviation_clause())))
    return out


# -- rules: proposals and the population run ----------------------------------------------------------
def proposal(verdict: expressions.Verdict) -> SampleResult:
    """The cell result a rule's verdict proposes (untested: no proposal)."""
    if verdict.met is True:
        return R.passed
    if verdict.met is False:
        return R.deviation
    return R.untested


def bind_rules(steps: ControlSteps, columns: Sequence[str]) -> tuple[dict[str, expressions.BoundRule], dict[str, str]]:
    """The attributes' rules bound to a population's columns: (usable rules by letter, the reason
    each unusable rule cannot run, by letter)."""
    bound: dict[str, expressions.BoundRule] = {}
    problems: dict[str, str] = {}
    for a in steps.attributes:
        if not a.rule.strip():
            continue
        try:
            bound[a.letter] = expressions.bind(a.rule, columns)
        except expressions.RuleError as exc:
            problems[a.letter] = str(exc)
    return bound, problems


@dataclass(frozen=True)
class RuleDifference:
    key: str
    letter: str
    met: bool | None  # False: the rule is not met; None: undecided
    reason: str


@dataclass
class PopulationRun:
    """A rule run over a whole population: a re-performance of the attribute over every row."""

    letters: tuple[str, ...]
    rows: int = 0
    met: dict[str, int] = field(default_factory=dict)
    not_met: dict[str, int] = field(default_factory=dict)
    undecided: dict[str, int] = field(default_factory=dict)
    differences: list[RuleDifference] = field(default_factory=list)

    def __post_init__(self) -> None:
        for lt in self.letters:
            self.met.setdefault(lt, 0)
            self.not_met.setdefault(lt, 0)
            self.undecided.setdefault(lt, 0)

    @property
    def difference_count(self) -> int:
        return sum(self.not_met.values()) + sum(self.undecided.values())


def run_over_population(rules: Mapping[str, expressions.BoundRule], rows: Iterable[tuple[str, Sequence[str]]],
                        *, keep: int = 10_000) -> PopulationRun:
    """Evaluate every rule on every (key, cells) row. Rows a rule does not meet, or cannot decide,
    are differences (the first `keep` are kept with their reasons; all are counted)."""
    run = PopulationRun(tuple(rules))
    for key, cells in rows:
        run.rows += 1
        for lt, rule in rules.items():
            v = expressions.evaluate(rule, cells)
            if v.met is True:
                run.met[lt] += 1
                continue
            (run.not_met if v.met is False else run.undecided)[lt] += 1
            if len(run.differences) < keep:
                run.differences.append(RuleDifference(key, lt, v.met, v.reason))
    return run


# -- completeness and accuracy of the extract (IPE) ---------------------------------------------------------
@dataclass(frozen=True)
class ExtractRecord:
    """What is recorded about how the client produced the population."""

    source_system: str = ""
    query: str = ""  # the query, report name or parameters used
    rows: int = 0
    client_count: int | None = None  # the count the client stated
    note: str = ""  # how the count was reconciled (e.g. "the audit log lists 412 for the period")
    recorded_by: str = ""


def ipe_gaps(rec: ExtractRecord) -> list[str]:
    """What is still missing before the extract may drive rules (empty: complete)."""
    gaps = []
    if not rec.source_system.strip():
        gaps.append("the source system")
    if not rec.query.strip():
        gaps.append("the query or parameters")
    if rec.client_count is None:
        gaps.append("the client's count (reconciliation)")
    elif rec.client_count != rec.rows:
        gaps.append(f"a reconciliation: the client stated {rec.client_count}, {rec.rows} rows were imported")
    return gaps


def rules_offered(rec: ExtractRecord) -> bool:
    return not ipe_gaps(rec)


def ipe_message(rec: ExtractRecord) -> str:
    gaps = ipe_gaps(rec)
    if not gaps:
        return "Completeness and accuracy recorded: rules may read the extract."
    return ("Rules read the client's extract (information produced by the entity); record "
            + _join(gaps) + " first.")


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# -- how the control is tested ------------------------------------------------------------------------------
SAMPLE = "sample"
WALKTHROUGH = "walkthrough"
TEST_OF_ONE = "test_of_one"


@dataclass(frozen=True)
class Approach:
    kind: str  # sample | walkthrough | test_of_one
    explanation: str


def testing_approach(engagement_type: EngagementType | str, nature: Nature | str,
                     frequency: Frequency | str) -> Approach:
    if EngagementType(engagement_type) is EngagementType.type1:
        return Approach(WALKTHROUGH, "Type I: design and implementation are tested by a walkthrough of one "
                                     "instance at the report date; no sample is taken.")
    if Nature(nature) is Nature.automated or Frequency(frequency) is Frequency.continuous:
        return Approach(TEST_OF_ONE, "Automated control: a test of one — inspect the configuration once and "
                                     "rely on effective IT general controls (change management, logical "
                                     "access) over the period.")
    return Approach(SAMPLE, "Type II: a sample of instances across the period is tested against each attribute.")


@dataclass(frozen=True)
class SingleTest:
    """A walkthrough of one instance (Type I) or a test of one (automated)."""

    kind: str
    instance: str = ""  # walkthrough: the instance walked through; test of one: the system / setting
    performed_on: str = ""  # ISO date
    description: str = ""  # what was done and seen
    configuration: str = ""  # test of one: the configuration inspected
    itgc_refs: tuple[str, ...] = ()  # test of one: the ITGC controls relied on
    itgc_basis: str = ""  # test of one: why they can be relied on
    evidence_ids: tuple[int, ...] = ()
    result: SampleResult = R.untested


def single_test_problems(t: SingleTest) -> list[str]:
    """What a walkthrough / test of one still needs before it supports a conclusion."""
    problems = []
    if t.kind not in (WALKTHROUGH, TEST_OF_ONE):
        problems.append(f"kind: expected {WALKTHROUGH} or {TEST_OF_ONE}")
        return problems
    if not t.instance.strip():
        problems.append("instance: name the instance walked through" if t.kind == WALKTHROUGH
                        else "instance: name the system or setting tested")
    if not t.performed_on.strip():
        problems.append("date: when it was performed")
    if not t.description.strip():
        problems.append("description: what was done and seen")
    if t.kind == TEST_OF_ONE:
        if not t.configuration.strip():
            problems.append("configuration: the configuration inspected")
        if not t.itgc_refs:
            problems.append("ITGC reliance: the IT general controls relied on (e.g. change management)")
        if not t.itgc_basis.strip():
            problems.append("ITGC basis: why they can be relied on (their tested result)")
    if t.result is R.passed and not t.evidence_ids:
        problems.append("evidence: a pass needs the evidence inspected")
    return problems


# -- tickmarks (the grid, the workpaper's matrix and its legend) ------------------------------------------
TICKMARKS: dict[SampleResult, str] = {R.passed: "✓", R.deviation: "✗", R.not_applicable: "n/a", R.untested: "·"}
PROPOSED_MARK = "?"
LEGEND: tuple[tuple[str, str], ...] = (
    ("✓", "attribute met — inspected (evidence referenced) or seen in the population extract"),
    ("✗", "deviation — the attribute was not met"),
    ("n/a", "not applicable to this item"),
    ("·", "not yet tested"),
    ("✓? ✗?", "proposed by the attribute's rule from the population's columns; not yet confirmed"),
)


def tickmark(c: Cell) -> str:
    """The mark a cell shows: a proposal carries a question mark until a person confirms it."""
    if c.proposed and c.result is not R.untested:
        return TICKMARKS[c.result] + PROPOSED_MARK
    return TICKMARKS[c.result]
