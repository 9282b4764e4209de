"""Map what spreadsheets say onto the shared vocabulary."""

from __future__ import annotations

import re

from fieldwork_tui.domain.vocab import Frequency, Nature

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


def parse_bool(text: str) -> bool | None:
    key = _norm(str(text))
    if key in {"y", "yes", "true", "1", "x", "key"}:
        return True
    if key in {"n", "no", "false", "0", "", "non key", "not key"}:
        return False
    return None
