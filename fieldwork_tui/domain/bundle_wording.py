"""Fallback report wording for the bundle's draft tests-of-controls section (section IV).

The bundle prefers the wording of `services.conclusions` (the sampling area's `domain.reporting`),
so the bundle says exactly what the app says; this module words the rows when that service is not
part of the build.

The wording follows the conventions readers expect: tests are stated per technique ("Inquired of…",
"Observed…", "Inspected…", "Re-performed…"), and results say "No exceptions noted." or, per exception,
"For X of N <items> sampled, <attribute> was not <met>." A control that did not operate during the
period is reported as not tested for operating effectiveness. Pure functions on plain data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

NO_EXCEPTIONS = "No exceptions noted."
NO_OCCURRENCES = "No occurrences during the period — not tested for operating effectiveness."
NOT_YET_TESTED = "Testing not yet completed."


@dataclass(frozen=True)
class SampleWording:
    size: int
    population: int
    deviations: int = 0
    item_noun: str = "items"


@dataclass(frozen=True)
class ExceptionWording:
    deviation: str
    report_wording: str = ""


@dataclass(frozen=True)
class ControlTesting:
    """What was done for one control, in plain words (gathered by the bundle service)."""

    interviewees: Sequence[str] = ()
    observations: Sequence[str] = ()
    inspected: Sequence[str] = ()
    reperformances: Sequence[str] = ()
    sample: SampleWording | None = None
    exceptions: Sequence[ExceptionWording] = field(default_factory=tuple)
    not_tested: bool = False
    no_occurrences: bool = False


def join_words(items: Iterable[str], conjunction: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    words = [w for w in (i.strip() for i in items) if w]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def _unique(items: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for i in items:
        if i and i not in seen:
            seen.append(i)
    return seen


def procedures_performed(w: ControlTesting) -> list[str]:
    """One sentence per technique used, in the order inquiry, observation, inspection, re-performance."""
    out: list[str] = []
    people = _unique(w.interviewees)
    if people:
        out.append(f"Inquired of the {join_words(people)} regarding the operation of the control.")
    for what in _unique(w.observations):
        out.append(f"Observed {what.rstrip('.')}.")
    files = _unique(w.inspected)
    if files:
        shown = files[:5]
        more = f" and {len(files) - 5} other documents" if len(files) > 5 else ""
        out.append(f"Inspected {join_words(shown)}{more}.")
    if w.sample is not None:
        s = w.sample
        if s.size >= s.population > 0:
            out.append(f"Inspected all {s.population} {s.item_noun} in the population.")
        else:
            out.append(f"Inspected a sample of {s.size} {s.item_noun} selected at random from a population of "
                       f"{s.population} (selection re-performable from the recorded seed and population hash).")
    for what in _unique(w.reperformances):
        out.append(f"Re-performed the control: {what.rstrip('.')}.")
    return out


def exception_sentence(sample: SampleWording | None, count: int, deviation: str) -> str:
    """'For X of N <items> sampled, <deviation>.' — or the deviation alone when there was no sample."""
    text = deviation.strip().rstrip(".")
    if not text:
        text = "the control did not operate as described"
    if sample is not None and sample.size:
        return f"For {count} of {sample.size} {sample.item_noun} sampled, {text[0].lower() + text[1:]}."
    return f"{text[0].upper() + text[1:]}."


@dataclass(frozen=True)
class WordedRow:
    """A section IV row as the bundle prints it (the same fields as domain.reporting.SectionIVRow)."""

    procedures: list[str]
    results: str


def worded_row(w: ControlTesting) -> WordedRow:
    return WordedRow(procedures_performed(w), " ".join(results_of_tests(w)))


def results_of_tests(w: ControlTesting) -> list[str]:
    """The results column: exceptions worded for the report, else 'No exceptions noted.'."""
    if w.no_occurrences:
        return [NO_OCCURRENCES]
    if w.exceptions:
        out = []
        for ex in w.exceptions:
            out.append(ex.report_wording.strip() or exception_sentence(w.sample, 1, ex.deviation))
        return out
    if w.not_tested or not (w.interviewees or w.observations or w.inspected or w.reperformances or w.sample):
        return [NOT_YET_TESTED]
    return [NO_EXCEPTIONS]
