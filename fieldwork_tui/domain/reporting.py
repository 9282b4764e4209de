"""Report text: exception wording, the control conclusion and the Section IV row.

Section IV of a SOC 2 Type II report lists, per control, the control activity, the auditor's tests
and the results. The tests are worded from what was actually recorded, one sentence per technique
("Inquired of ...", "Observed ...", "Inspected ...", "Re-performed ..."), and the result never claims
more than the recorded work (`section_iv_result`): "No exceptions noted." only when tests were
performed and no blocking flag stands; the exception wording "For X of N <items> sampled, <what went
wrong>." computed from the current counts whenever it is shown (`count_wording`,
`exception_wordings`); "Tests not yet performed."; "No occurrences — not tested for operating
effectiveness."; or the open work. Items are counted, never named (`withhold_names`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from fieldwork_tui.domain import flags as _flags
from fieldwork_tui.domain.vocab import Conclusion, DeviationConclusion, Flag

NO_EXCEPTIONS = "No exceptions noted."
NO_OCCURRENCES = "No occurrences — not tested for operating effectiveness."
NOT_PERFORMED = "Tests not yet performed."
WITHHELD = "[name withheld]"

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


def count_wording(count: int, total: int, items: str, what: str, *, verb: str = "sampled") -> str:
    """THE exception wording: "For X of N <items> <verb>, <what went wrong>."

    `verb` says how the N were examined: "sampled" (a sample), "compared" (a re-performance),
    "tested" (every instance). Any rule that words an exception — a sample, a comparison, one
    attribute of a sample ("For 1 of 40 changes sampled, the change was deployed before it was
    approved.") — calls this with the counts as they are now.
    """
    clause = _clause(what) or "the control did not operate as described"
    return f"For {count} of {total} {items or 'instances'} {verb}, {clause}."


def sample_exception_wording(deviations: int, sample_size: int, items: str, deviation: str) -> str:
    """"For 2 of 25 changes sampled, the change was deployed without an approving review." """
    return count_wording(deviations, sample_size, items, deviation, verb="sampled")


def comparison_exception_wording(count: int, compared: int, items: str, deviation: str) -> str:
    """"For 1 of 5 terminated users compared, access was not removed within one business day." """
    return count_wording(count, compared, items, deviation, verb="compared")


def instances_wording(count: int, what: str) -> str:
    """An exception found outside a sample or a comparison, counted: "In 1 instance, ..."."""
    clause = _clause(what) or "the control did not operate as described"
    return f"In {count} instance{'s' if count != 1 else ''}, {clause}."


@dataclass(frozen=True)
class DeviationFacts:
    """One deviating instance, as the report counts it.

    `group` says which test found it (e.g. "sample:12", "reperformance:7", "manual"): instances of
    one test with the same deviation are worded together. `total` is N — the sample's size or the
    items compared, as they are now (None for an exception found outside a test). `override` is a
    hand-edited wording, kept and shown as such.
    """

    group: str
    what: str
    items: str = "instances"
    total: int | None = None
    verb: str = "sampled"
    override: str = ""
    exception_id: int | None = None


@dataclass(frozen=True)
class Wording:
    """An exception's report wording as shown: the generated text, or a hand edit over it."""

    text: str
    generated: str
    overridden: bool


def _group_key(d: DeviationFacts) -> tuple:
    if d.override.strip():
        return ("override", " ".join(d.override.split()))
    return ("generated", d.group, d.total, d.items, d.verb, _clause(d.what).casefold())


def exception_wordings(deviations: Sequence[DeviationFacts]) -> list[tuple[str, list[int]]]:
    """The sentences the report prints for these deviating instances, in order of first
    appearance, each with the indexes of the instances it covers.

    Instances of one test with the same deviation are counted together ("For 2 of 40 ..."); a hand
    edit is printed as written, once.
    """
    groups: dict[tuple, list[int]] = {}
    for i, d in enumerate(deviations):
        groups.setdefault(_group_key(d), []).append(i)
    out: list[tuple[str, list[int]]] = []
    for key, members in groups.items():
        first = deviations[members[0]]
        if key[0] == "override":
            text = _sentence(first.override)
        elif first.total is None:
            text = instances_wording(len(members), first.what)
        else:
            text = count_wording(len(members), first.total, first.items, first.what, verb=first.verb)
        out.append((text, members))
    return out


def wording_of(deviations: Sequence[DeviationFacts], index: int) -> Wording:
    """The wording shown for instance `index` (its exception's "Report wording"), with the
    generated text it replaces when it was edited by hand."""
    plain = [replace(d, override="") for d in deviations]
    generated = next(text for text, members in exception_wordings(plain) if index in members)
    shown = next(text for text, members in exception_wordings(deviations) if index in members)
    return Wording(shown, generated, bool(deviations[index].override.strip()))


_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)


def withhold_names(text: str, names: Sequence[str] = ()) -> str:
    """Report text that counts items and never names them: e-mail addresses and the given names
    (people, user names, item keys) are replaced by a visible marker the auditor rewords."""
    out = _EMAIL.sub(WITHHELD, text or "")
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        out = re.sub(rf"(?<![\w@]){re.escape(name)}(?![\w@])", WITHHELD, out, flags=re.IGNORECASE)
    return out


# -- control conclusion ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConclusionFacts:
    tested: bool  # any evidence recorded for the control
    occurrences: int | None = None  # population rows (None: no population imported)
    exceptions: int = 0
    deviation_conclusion: DeviationConclusion | None = None
    untested_items: int = 0
    #: The control's flags; the blocking ones (flag table) keep any positive conclusion unsupported.
    flags: Sequence[Flag] = ()


def open_work(flags: Sequence[Flag | str]) -> str:
    """The blocking flags, as the open work a row or a suggestion names ("" when none)."""
    return ", ".join(_flags.label(f) for f in _flags.blocking(flags))


def suggest_conclusion(f: ConclusionFacts) -> tuple[Conclusion, str]:
    """The conclusion the recorded work supports, with why. While a blocking flag stands the work
    supports no positive conclusion: the suggestion is "not tested" and says what is open."""
    if f.occurrences == 0:
        return Conclusion.not_tested, NO_OCCURRENCES
    if not f.tested:
        return Conclusion.not_tested, "Nothing recorded for this control yet."
    if f.deviation_conclusion is DeviationConclusion.systematic:
        return Conclusion.not_effective, "The deviation is systematic: the control did not operate effectively."
    work = open_work(f.flags)
    if work:
        return Conclusion.not_tested, f"Not yet defensible — open: {work}."
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
    no_occurrences: bool = False  # a population of zero documented for the period


@dataclass
class SectionIVRow:
    ref: str
    control_activity: str
    procedures: list[str] = field(default_factory=list)
    results: str = NO_EXCEPTIONS
    conclusion: Conclusion | None = None


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
    elif f.no_occurrences:
        out.append(f"Inspected the population of {f.items} for the period and noted that no {f.items} occurred.")
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


@dataclass(frozen=True)
class ResultFacts:
    """What Section IV's "Results of tests" cell may say for one control."""

    tests_performed: bool  # at least one procedure recorded
    no_occurrences: bool = False  # a documented population of zero (and the client's count agrees)
    flags: Sequence[Flag] = ()  # the control's flags; the table says which block
    wordings: Sequence[str] = ()  # the exception sentences, already counted (`exception_wordings`)


def section_iv_result(r: ResultFacts) -> str:
    """The results cell, never claiming more than the recorded work:

    no procedure → "Tests not yet performed."; a blocking flag → the open work (and any exception
    found so far); a documented zero population → "No occurrences — not tested for operating
    effectiveness."; exceptions → their wording; otherwise "No exceptions noted."
    """
    if not r.tests_performed and not r.no_occurrences:
        return NOT_PERFORMED
    texts = [w.strip() for w in dict.fromkeys(r.wordings) if w and w.strip()]
    work = open_work(r.flags)
    if work:
        so_far = f" Exceptions noted so far: {' '.join(texts)}" if texts else ""
        return f"Testing not complete — open: {work}.{so_far}"
    if r.no_occurrences:
        return NO_OCCURRENCES
    return " ".join(texts) if texts else NO_EXCEPTIONS


def section_iv_row(ref: str, f: ProcedureFacts, wordings: Sequence[str], conclusion: Conclusion | None = None,
                   occurrences: int | None = None, *, flags: Sequence[Flag] | None = None) -> SectionIVRow:
    """One Section IV row. With the control's `flags` the results follow `section_iv_result`."""
    steps = procedures(f)
    if flags is None:
        results = results_text(wordings, occurrences=occurrences)
    else:
        results = section_iv_result(ResultFacts(tests_performed=bool(steps), no_occurrences=f.no_occurrences,
                                                flags=tuple(flags), wordings=tuple(wordings)))
    return SectionIVRow(ref=ref, control_activity=" ".join(f.description.split()), procedures=steps,
                        results=results, conclusion=conclusion)


def interviewee_phrase(title: str = "", role: str = "") -> str:
    """How Section IV names an interviewee: by job title ("the VP Engineering"), else by function
    ("IT administration personnel"), never by name — a report counts and describes, it does not
    name individuals."""
    title = re.sub(r"\s+", " ", title or "").strip()
    if title:
        return f"the {title}"
    role = re.sub(r"\s+", " ", role or "").strip()
    return f"{role} personnel" if role else "management personnel"


_COMPARED = [("terminat", "terminated users"), ("offboard", "terminated users"), ("deprovision", "terminated users"),
             ("privileged", "privileged users"), ("admin", "privileged users"), ("access review", "users"),
             ("user access", "users"), ("provision", "access grants")]


def compared_items_noun(title: str, description: str = "") -> str:
    """What the items of a comparison are called by default ("terminated users", "users"); the
    auditor can name them when recording the comparison."""
    text = f"{title} {description}".lower()
    for needle, noun in _COMPARED:
        if needle in text:
            return noun
    return items_noun(title, description)
