"""Possible coached answers: interviewees who answer alike, or recite the control description.

The fieldwork guide: auditors are experienced at detecting coached responses. Staff who read the same
procedure do answer alike, so this is advisory and never blocks a conclusion: it tells the auditor to
look at the texts side by side and either dismiss the signal with a reason or keep it.

Two statements on the same control by different interviewees are near-identical when, after
normalisation (Unicode NFKC, case-folded, punctuation removed), their token-set ratio (rapidfuzz) is
at least `threshold` (90), both hold at least `min_words` (8) distinct words that say something (filler
such as "yes", "we", "do", "always", "the" is not counted), and the words they share
make up at least `min_shared` (half) of the longer one's distinct words — so a short statement whose
every word happens to reappear in a long, different account does not count. A statement recites the
control description when its normalised text matches the description's, in order, at least
`recital_threshold` (90) by rapidfuzz's ratio. Short generic answers ("yes", "we do") never trigger.
The firm sets the numbers in the `[coached_answers]` table of its interview plan file.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)

#: Words that carry no fact of their own: a generic answer made of them never counts as near-identical.
FILLER_WORDS = frozenset("""
a about absolutely actually all also always am an and any are as at basically be been but by can certainly
correct course definitely did do does doing done exactly fine for good great had has have he her here him his
how i if in indeed is it its just know like mean me mine my no not of off oh ok okay on or our ours right
she so sure than that the their them then there these they this those to um uh us very was we well were what
when where which who why will with would yeah yep yes you your
""".split())


class CoachingError(ValueError):
    """Settings that cannot be used; the message names the file and the setting."""


class SignalKind(StrEnum):
    similar_answers = "similar_answers"
    recited_description = "recited_description"


class SignalDecision(StrEnum):
    dismissed = "dismissed"
    kept = "kept"


@dataclass(frozen=True)
class CoachingSettings:
    threshold: float = 90.0
    min_words: int = 8
    min_shared: float = 0.5
    recital_threshold: float = 90.0


DEFAULT_SETTINGS = CoachingSettings()


def coaching_settings(body: object, source: str = "interview_plan.toml") -> CoachingSettings:
    """Settings from a `[coached_answers]` table: threshold, min_words, min_shared, recital_threshold."""
    if not isinstance(body, dict):
        raise CoachingError(f"{source}: [coached_answers] must be a table")
    values: dict[str, float | int] = {}
    limits = {"threshold": (0, 100), "recital_threshold": (0, 100), "min_shared": (0, 1), "min_words": (1, 1000)}
    for key, value in body.items():
        if key not in limits:
            raise CoachingError(f"{source}: coached_answers.{key}: unknown setting (expected "
                                f"{', '.join(limits)})")
        low, high = limits[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise CoachingError(f"{source}: coached_answers.{key}: expected a number from {low} to {high}")
        if key == "min_words" and not isinstance(value, int):
            raise CoachingError(f"{source}: coached_answers.min_words: expected a whole number")
        values[key] = value
    return CoachingSettings(**values)


def normalise(text: str) -> str:
    """Compatibility forms folded (NFKC), case folded, punctuation and spacing collapsed."""
    return " ".join(_NON_WORD.sub(" ", unicodedata.normalize("NFKC", text or "").casefold()).split())


def distinct_words(text: str) -> frozenset[str]:
    return frozenset(normalise(text).split())


def content_words(text: str) -> frozenset[str]:
    """The distinct words that say something (filler removed): what `min_words` counts."""
    return distinct_words(text) - FILLER_WORDS


def similarity(a: str, b: str) -> float:
    """Token-set ratio (0–100) of two normalised texts; symmetric by construction."""
    na, nb = normalise(a), normalise(b)
    if not na or not nb:
        return 0.0
    return max(fuzz.token_set_ratio(na, nb, processor=None), fuzz.token_set_ratio(nb, na, processor=None))


def near_identical(a: str, b: str, settings: CoachingSettings = DEFAULT_SETTINGS) -> bool:
    if len(content_words(a)) < settings.min_words or len(content_words(b)) < settings.min_words:
        return False
    wa, wb = distinct_words(a), distinct_words(b)
    if len(wa & wb) < settings.min_shared * max(len(wa), len(wb)):
        return False
    return similarity(a, b) >= settings.threshold


def wording_alike(a: str, b: str) -> float:
    """Plain ratio (0–100) of the two normalised texts, in order: how alike the wording is. The
    token-set ratio that triggers a signal is 100 whenever one text's words all reappear in the other,
    so it is shown beside this one, never alone."""
    na, nb = normalise(a), normalise(b)
    if not na or not nb:
        return 0.0
    return fuzz.ratio(na, nb, processor=None)


def recital_score(statement: str, description: str) -> float:
    return wording_alike(statement, description)


def recites(statement: str, description: str, settings: CoachingSettings = DEFAULT_SETTINGS) -> bool:
    if len(content_words(statement)) < settings.min_words or len(content_words(description)) < settings.min_words:
        return False
    return recital_score(statement, description) >= settings.recital_threshold


@dataclass(frozen=True)
class StatementText:
    statement_id: int
    person_id: int
    text: str
    controls: tuple[str, ...]


@dataclass(frozen=True)
class CoachingSignal:
    """One possible coached answer on one control: two statements side by side, or one statement
    against the control description. `key` is stable; `fingerprint` changes when a text changes, so a
    dismissal applies to the texts the auditor read, not to whatever they become."""

    kind: SignalKind
    control_ref: str
    statement_ids: tuple[int, ...]
    score: float
    fingerprint: str
    alike: float = 0.0  # `wording_alike` of the texts (for a recital, the score itself)

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.control_ref}:{'-'.join(str(i) for i in self.statement_ids)}"


def _fingerprint(*texts: str) -> str:
    h = hashlib.sha256()
    for t in texts:
        h.update(normalise(t).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:16]


def coaching_signals(statements: Iterable[StatementText], descriptions: Mapping[str, str] | None = None,
                     settings: CoachingSettings = DEFAULT_SETTINGS) -> list[CoachingSignal]:
    """Every possible coached answer, per control, in a stable order (control, kind, statement ids)."""
    descriptions = descriptions or {}
    by_control: dict[str, list[StatementText]] = defaultdict(list)
    for st in statements:
        for ref in dict.fromkeys(st.controls):
            by_control[ref].append(st)
    out: list[CoachingSignal] = []
    for ref in sorted(by_control):
        group = sorted(by_control[ref], key=lambda s: s.statement_id)
        desc = descriptions.get(ref, "")
        if desc:
            for st in group:
                if recites(st.text, desc, settings):
                    score = round(recital_score(st.text, desc), 1)
                    out.append(CoachingSignal(SignalKind.recited_description, ref, (st.statement_id,),
                                              score, _fingerprint(st.text, desc), score))
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if a.person_id != b.person_id and near_identical(a.text, b.text, settings):
                    out.append(CoachingSignal(SignalKind.similar_answers, ref, (a.statement_id, b.statement_id),
                                              round(similarity(a.text, b.text), 1), _fingerprint(a.text, b.text),
                                              round(wording_alike(a.text, b.text), 1)))
    return out


@dataclass(frozen=True)
class SignalReview:
    key: str
    fingerprint: str
    decision: SignalDecision
    reason: str = ""


def review_problem(decision: SignalDecision | str, reason: str) -> str | None:
    """Why a review cannot be recorded as given: a dismissal needs a reason."""
    try:
        value = SignalDecision(decision)
    except ValueError:
        return f"decision {decision!r}: expected dismissed or kept"
    if value is SignalDecision.dismissed and not (reason or "").strip():
        return "dismissed: say why the answers are not coached (e.g. both read the same runbook aloud)"
    return None


def review_of(signal: CoachingSignal, reviews: Mapping[str, SignalReview]) -> SignalReview | None:
    """The review that applies to this signal: same key and the same texts."""
    r = reviews.get(signal.key)
    return r if r is not None and r.fingerprint == signal.fingerprint else None


def is_open(signal: CoachingSignal, reviews: Mapping[str, SignalReview]) -> bool:
    """A signal raises `possible_coached_answer` unless the auditor dismissed it (kept ones stay)."""
    r = review_of(signal, reviews)
    return r is None or r.decision is not SignalDecision.dismissed


def coached_controls(signals: Iterable[CoachingSignal], reviews: Mapping[str, SignalReview]) -> dict[str, int]:
    """Per control ref, how many signals are still open (what `possible_coached_answer` counts)."""
    out: dict[str, int] = defaultdict(int)
    for s in signals:
        if is_open(s, reviews):
            out[s.control_ref] += 1
    return dict(out)
