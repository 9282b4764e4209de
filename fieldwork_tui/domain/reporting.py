"""Report text: exception wording, the control conclusion and the Section IV row.

Section IV of a SOC 2 Type II report lists, per control, the control activity, the auditor's tests
and the results. The tests are worded from what was actually recorded, one sentence per technique
("Inquired of ...", "Observed ...", "Inspected ...", "Re-performed ..."), and the result is either
"No exceptions noted." or the exception wording: "For X of N <items> sampled, <what went wrong>."
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from fieldwork_tui.domain.vocab import Conclusion, DeviationConclusion

NO_EXCEPTIONS = "No exceptions noted."
NO_OCCURRENCES = "No occurrences — not tested for operating effectiveness."

CONCLUSION_LABELS: dict[Conclusion, str] = {
    Conclusion.effective: "Effective",
    Conclusion.effective_with_exceptions: "Effective with exceptions",
    Conclusion.not_effective: "Not effective",
    Conclusion.not_tested: "Not tested",
}

#: Words in a control's title or description → what its population's items are called.
_NOUNS = [
    ("emergency change", "emergency changes"), ("change", "changes"), ("terminat", "terminations"),
    ("new hire", "new hires"), ("background check", "new hires"), ("provision", "access requests"),
    ("access review", "access reviews"), ("incident", "incidents"), ("vulnerab", "scans"),
    ("backup", "backups"), ("alert", "alerts"), ("vendor", "vendors"), ("training", "employees"),
    ("disposal", "disposed assets"), ("laptop", "laptops"), ("invoice", "invoice runs"),
]


def items_noun(title: str, description: str = "") -> str:
    """What the sampled items are called in report wording ("changes", "terminations"...)."""
    text = f"{title} {description}".lower()
    for needle, noun in _NOUNS:
        if needle in text:
            return noun
    return "instances"


def _clause(text: str) -> str:
    """A sentence turned into a clause: first letter lowered (unless an acronym), final stop removed."""
    text = " ".join((text or "").split()).rstrip(" .")
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text


def _sentence(text: str) -> str:
    text = " ".join((text or "").split()).rstrip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def sample_exception_wording(deviations: int, sample_size: int, items: str, deviation: str) -> str:
    """"For 2 of 25 changes sampled, the change was deployed without an approving review." """
    what = _clause(deviation) or "the control did not operate as described"
    return f"For {deviations} of {sample_size} {items or 'instances'} sampled, {what}."


def instance_exception_wording(instance: str, deviation: str) -> str:
    """Wording for an exception found outside a sample (re-performance or manual entry)."""
    what = _clause(deviation) or "the control did not operate as described"
    instance = " ".join((instance or "").split()).rstrip(" .")
    return f"For {instance}, {what}." if instance else _sentence(what)


# -- control conclusion ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConclusionFacts:
    tested: bool  # any evidence recorded for the control
    occurrences: int | None = None  # population rows (None: no population imported)
    exceptions: int = 0
    deviation_conclusion: DeviationConclusion | None = None
    untested_items: int = 0


def suggest_conclusion(f: ConclusionFacts) -> tuple[Conclusion, str]:
    """The conclusion the recorded work supports, with why."""
    if f.occurrences == 0:
        return Conclusion.not_tested, NO_OCCURRENCES
    if not f.tested:
        return Conclusion.not_tested, "Nothing recorded for this control yet."
    if f.deviation_conclusion is DeviationConclusion.systematic:
        return Conclusion.not_effective, "The deviation is systematic: the control did not operate effectively."
    if f.exceptions:
        plural = "s" if f.exceptions > 1 else ""
        return Conclusion.effective_with_exceptions, f"{f.exceptions} exception{plural}, isolated."
    if f.untested_items:
        return Conclusion.effective, f"Provisional: {f.untested_items} sample items still to test."
    return Conclusion.effective, "Tested without exception."


# -- Section IV --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProcedureFacts:
    """What was recorded for one control, in plain words, for wording the tests performed."""

    description: str
    interviewees: Sequence[str] = ()  # "the VP Engineering", ...
    observations: Sequence[str] = ()  # where/what
    documents: Sequence[str] = ()  # evidence file descriptions or names
    sample_size: int = 0
    population_rows: int = 0
    items: str = "instances"
    reperformances: Sequence[str] = ()  # "comparing the HR roster to the user list"


@dataclass
class SectionIVRow:
    ref: str
    control_activity: str
    procedures: list[str] = field(default_factory=list)
    results: str = NO_EXCEPTIONS
    conclusion: Conclusion | None = None

    def as_markdown(self) -> str:
        tests = "<br>".join(self.procedures) or "—"
        cell = self.control_activity.replace("|", "\\|")
        return f"| {self.ref} | {cell} | {tests.replace('|', chr(92) + '|')} | {self.results.replace('|', chr(92) + '|')} |"


def _join(names: Sequence[str]) -> str:
    names = [n for n in dict.fromkeys(n.strip() for n in names) if n]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def procedures(f: ProcedureFacts) -> list[str]:
    """One sentence per technique performed, in the order inquiry, observation, inspection,
    re-performance."""
    purpose = _clause(f.description)
    why = f" to determine whether {purpose}" if purpose else ""
    out: list[str] = []
    if f.interviewees:
        out.append(f"Inquired of {_join(f.interviewees)}{why}.")
    if f.observations:
        out.append(f"Observed {_join([_clause(o) for o in f.observations])}{why}.")
    if f.sample_size:
        of = f" from a population of {f.population_rows}" if f.population_rows else ""
        if f.population_rows and f.sample_size >= f.population_rows:
            out.append(f"Inspected all {f.population_rows} {f.items} in the period{why}.")
        else:
            out.append(f"Inspected a sample of {f.sample_size} {f.items}{of}{why}.")
    elif f.documents:
        docs = list(f.documents)
        shown = _join(docs[:3]) + (f" and {len(docs) - 3} other documents" if len(docs) > 3 else "")
        out.append(f"Inspected {shown}{why}.")
    for what in f.reperformances:
        out.append(f"Re-performed the control by {_clause(what)}{why}.")
    return out


def results_text(wordings: Sequence[str], *, occurrences: int | None = None) -> str:
    if occurrences == 0:
        return NO_OCCURRENCES
    texts = [w.strip() for w in dict.fromkeys(wordings) if w and w.strip()]
    return " ".join(texts) if texts else NO_EXCEPTIONS


def section_iv_row(ref: str, f: ProcedureFacts, wordings: Sequence[str], conclusion: Conclusion | None = None,
                   occurrences: int | None = None) -> SectionIVRow:
    return SectionIVRow(ref=ref, control_activity=" ".join(f.description.split()), procedures=procedures(f),
                        results=results_text(wordings, occurrences=occurrences), conclusion=conclusion)


def section_iv_markdown(rows: Sequence[SectionIVRow]) -> str:
    lines = ["| Control | Control activity | Tests performed | Results |", "|---|---|---|---|"]
    lines += [r.as_markdown() for r in rows]
    return "\n".join(lines) + "\n"


def person_phrase(name: str, title: str = "") -> str:
    """How a report names an interviewee: by role ("the VP Engineering"), else by name."""
    title = re.sub(r"\s+", " ", title or "").strip()
    return f"the {title}" if title else name.strip()
