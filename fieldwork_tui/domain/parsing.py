"""Map what spreadsheets say onto the shared vocabulary."""

from __future__ import annotations

import re

from fieldwork_tui.domain.vocab import ControlType, Frequency, Nature

_FREQ_WORDS: dict[str, Frequency] = {
    "annual": Frequency.annual, "annually": Frequency.annual, "yearly": Frequency.annual, "1x year": Frequency.annual,
    "once a year": Frequency.annual, "semiannual": Frequency.semiannual, "semiannually": Frequency.semiannual,
    "semi annual": Frequency.semiannual, "semi annually": Frequency.semiannual, "biannual": Frequency.semiannual,
    "biannually": Frequency.semiannual, "twice a year": Frequency.semiannual, "half yearly": Frequency.semiannual,
    "quarterly": Frequency.quarterly, "quarter": Frequency.quarterly, "monthly": Frequency.monthly,
    "month": Frequency.monthly, "weekly": Frequency.weekly, "week": Frequency.weekly, "daily": Frequency.daily,
    "day": Frequency.daily, "multiple times per day": Frequency.multiple_daily,
    "multiple times a day": Frequency.multiple_daily, "multiple daily": Frequency.multiple_daily,
    "several times a day": Frequency.multiple_daily, "recurring": Frequency.multiple_daily,
    "as needed": Frequency.as_needed, "as required": Frequency.as_needed, "ad hoc": Frequency.as_needed,
    "event driven": Frequency.as_needed, "per event": Frequency.as_needed, "upon occurrence": Frequency.as_needed,
    "on demand": Frequency.as_needed, "per occurrence": Frequency.as_needed, "as occurs": Frequency.as_needed,
    "continuous": Frequency.continuous, "continuously": Frequency.continuous, "automated": Frequency.continuous,
    "real time": Frequency.continuous, "ongoing": Frequency.continuous,
    "bi weekly": Frequency.weekly, "biweekly": Frequency.weekly, "fortnightly": Frequency.weekly,
    "every two weeks": Frequency.weekly, "bi monthly": Frequency.monthly, "bimonthly": Frequency.monthly,
    "per change": Frequency.as_needed, "per release": Frequency.as_needed, "per hire": Frequency.as_needed,
    "per termination": Frequency.as_needed, "event based": Frequency.as_needed, "on occurrence": Frequency.as_needed,
    "upon hire": Frequency.as_needed, "upon termination": Frequency.as_needed, "adhoc": Frequency.as_needed,
    "24x7": Frequency.continuous, "24 7": Frequency.continuous, "always on": Frequency.continuous,
    "continual": Frequency.continuous, "several times per day": Frequency.multiple_daily,
    "many times per day": Frequency.multiple_daily,
}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).strip()


def parse_frequency(text: str) -> Frequency | None:
    """A spreadsheet's frequency word ("Annually", "Semi-annually", "Multiple times per day") or None."""
    key = _norm(text)
    if not key:
        return None
    if key.replace(" ", "_") in Frequency.__members__:
        return Frequency(key.replace(" ", "_"))
    if key in _FREQ_WORDS:
        return _FREQ_WORDS[key]
    for words, freq in sorted(_FREQ_WORDS.items(), key=lambda kv: -len(kv[0])):
        if len(words) > 4 and words in key:
            return freq
    return None


def parse_nature(text: str) -> Nature | None:
    key = _norm(text)
    if not key:
        return None
    if key.startswith("auto") or key in {"system", "it application", "application"}:
        return Nature.automated
    if key.startswith("manual") or key in {"it dependent manual", "itdm", "semi automated", "hybrid"}:
        return Nature.manual
    return None


_TRUE_WORDS = {"y", "yes", "true", "1", "x", "key", "key control", "done", "delivered", "provided", "received",
               "complete", "completed", "\u2713", "\u2714", "\u2611", "ok"}
_FALSE_WORDS = {"n", "no", "false", "0", "", "non key", "not key", "nonkey", "not delivered", "pending",
                "outstanding", "not yet", "\u2717", "\u2718", "\u2610", "none"}


def parse_bool(text: str) -> bool | None:
    """Yes/no as trackers write it ("Y", "Yes", "x", "TRUE", "✓", "Delivered", "Pending"); "" is no."""
    raw = str(text if text is not None else "").strip()
    if raw in _TRUE_WORDS:
        return True
    if raw in _FALSE_WORDS:
        return False
    key = _norm(raw)
    if key in _TRUE_WORDS:
        return True
    if key in _FALSE_WORDS:
        return False
    return None


_TYPE_WORDS: dict[str, ControlType] = {
    "preventive": ControlType.preventive, "preventative": ControlType.preventive, "prevent": ControlType.preventive,
    "detective": ControlType.detective, "detect": ControlType.detective, "detection": ControlType.detective,
    "corrective": ControlType.corrective, "correct": ControlType.corrective, "directive": ControlType.directive,
    "compensating": ControlType.compensating, "entity level": ControlType.entity_level,
    "entity level control": ControlType.entity_level, "elc": ControlType.entity_level,
    "entity": ControlType.entity_level, "company level": ControlType.entity_level,
    "monitoring": ControlType.monitoring, "monitor": ControlType.monitoring,
}


def parse_control_type(text: str) -> ControlType | None:
    """A firm's control type word ("Preventive", "Preventative", "Entity-Level", "ELC") or None."""
    key = _norm(text)
    if key.replace(" ", "_") in ControlType.__members__:
        return ControlType(key.replace(" ", "_"))
    return _TYPE_WORDS.get(key)


def parse_type_cell(text: str) -> tuple[Nature | None, ControlType | None] | None:
    """A "Type" cell read by its value: Manual/Automated gives the nature, Preventive/Detective/... the
    control type, "Manual / Preventive" both; (None, None) for an empty cell, None for a word neither knows."""
    if not _norm(text):
        return None, None
    parts = [p for p in re.split(r"[/,;|&+]| and | - ", text) if _norm(p)]
    if len(parts) <= 1:
        nature, kind = parse_nature(text), parse_control_type(text)
        return (nature, kind) if (nature or kind) else None
    if parse_nature(text) and all(parse_nature(p) for p in parts):
        return Nature.manual, None  # "Automated/Manual": a hybrid, tested as a manual control
    nature = kind = None
    for part in parts:
        if not _norm(part):
            continue
        n, k = parse_nature(part), parse_control_type(part)
        if n is None and k is None:
            return None
        nature, kind = nature or n, kind or k
    return (nature, kind) if (nature or kind) else None
