"""Type II sampling: how many instances to test, which ones, and what a deviation means.

Everything here is pure (no I/O) so a reviewer can re-derive any figure the app shows:

* **Policy.** Sizes per control frequency for a 12-month period. Two presets ship (SOC2-FACTS.md):
  `guide` (the fieldwork guide: 25 for frequent controls) and `common-practice`; a firm adds its
  own in TOML. Sizes are editable defaults, never hard rules.
* **Size.** The preset's size for the frequency, scaled pro rata to the observation period
  (6 months halves it, rounded up), never more than the instances the period can hold, and capped at
  the population: a population smaller than the size is tested in full ("test all"). Scaling never
  takes a size below 2 (unless the preset asks for 1); `scale_with_period = false` in a firm preset
  keeps the 12-month sizes.
* **Selection**: `domain.selection` (methods `sha256-rank-v1`, `sha256-rank-stratified-v1` and -v2;
  specified in docs/sampling-method.md). The seed derives from the data, so nobody chooses it, and
  any machine with SHA-256 re-derives the same items; Python's `random` is never used.
* **Population hash**: SHA-256 over a canonical header line and one canonical line per row
  (`PopulationHasher`), so the same rows hash the same whatever the file format they came in.
* **Expansion** draws the next-ranked rows with the sample's own method, excluding those already selected.
* **Conclusion rule.** A single deviation followed by an expansion that finds no further deviation is
  `isolated`; any further deviation is `systematic`; without an expansion the rule is `systematic`.
  For annual, semiannual, quarterly and monthly controls a deviation cannot be sampled away.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fieldwork_tui.domain.selection import (  # noqa: F401 - the selection rules, re-exported
    MAX_STRATA,
    METHOD,
    METHOD_STRATIFIED_V1,
    METHOD_STRATIFIED_V2,
    METHODS,
    allocate,
    derive_seed,
    rank,
    select_keys,
    stratum_of,
)
from fieldwork_tui.domain.vocab import DeviationConclusion, Frequency

DAYS_PER_YEAR = 365
#: Scaling to a short period never takes a size of 2 or more below 2 (one instance proves nothing of
#: consistency); the period's instance count still caps it.
MIN_SCALED = 2

#: Instances a control of each frequency runs in a 12-month period (None: too many to count).
INSTANCES_PER_YEAR: dict[Frequency, int | None] = {
    Frequency.annual: 1,
    Frequency.semiannual: 2,
    Frequency.quarterly: 4,
    Frequency.monthly: 12,
    Frequency.weekly: 52,
    Frequency.daily: None,
    Frequency.multiple_daily: None,
    Frequency.as_needed: None,
    Frequency.continuous: None,
}

#: Sizes here are judgment, not statistics (2 of 12 months gives about 32% confidence at 10%).
JUDGMENTAL = frozenset({Frequency.annual, Frequency.semiannual, Frequency.quarterly, Frequency.monthly,
                        Frequency.weekly})
#: A miss in these controls is a missed period: testing more instances cannot make it go away.
CANNOT_SAMPLE_AWAY = frozenset({Frequency.annual, Frequency.semiannual, Frequency.quarterly, Frequency.monthly})


@dataclass(frozen=True)
class Policy:
    """Sample sizes per frequency for a 12-month period, and the total after an expansion."""

    name: str
    label: str
    sizes: Mapping[Frequency, int]
    expansion: Mapping[Frequency, int] = field(default_factory=dict)
    scale_with_period: bool = True

    def base_size(self, frequency: Frequency | str) -> int:
        return self.sizes[Frequency(frequency)]

    def expanded_total(self, frequency: Frequency | str, current: int) -> int:
        """Total size after an expansion (25 → 40 at 90%/10%, the binomial minimum with one deviation
        being 38); without a figure for the frequency, half as many again."""
        f = Frequency(frequency)
        total = self.expansion.get(f)
        if total is None or total <= current:
            total = current + max(1, math.ceil(current / 2))
        return total


_COMMON_SIZES = {Frequency.annual: 1, Frequency.semiannual: 1, Frequency.quarterly: 2, Frequency.monthly: 2,
                 Frequency.continuous: 1}

GUIDE = Policy(
    name="guide",
    label="Fieldwork guide (25 for frequent controls)",
    sizes={**_COMMON_SIZES, Frequency.weekly: 25, Frequency.daily: 25, Frequency.multiple_daily: 25,
           Frequency.as_needed: 25},
    expansion={Frequency.weekly: 40, Frequency.daily: 40, Frequency.multiple_daily: 40, Frequency.as_needed: 40},
)
COMMON_PRACTICE = Policy(
    name="common-practice",
    label="Common practice (5 weekly, 25 daily, 40 per event)",
    sizes={**_COMMON_SIZES, Frequency.weekly: 5, Frequency.daily: 25, Frequency.multiple_daily: 40,
           Frequency.as_needed: 40},
    expansion={Frequency.weekly: 15, Frequency.daily: 40, Frequency.multiple_daily: 60, Frequency.as_needed: 60},
)
BUILTIN_POLICIES: dict[str, Policy] = {p.name: p for p in (GUIDE, COMMON_PRACTICE)}
DEFAULT_POLICY = GUIDE.name


class PolicyError(ValueError):
    """A firm preset that cannot be used; the message names the preset and field."""


def policies_from_toml(text: str, source: str = "sampling.toml") -> dict[str, Policy]:
    """Firm presets from TOML text. Each `[presets.<name>]` may set `label`, `base` (a preset to start
    from, default `guide`), `scale_with_period`, a size per frequency, and `[presets.<name>.expansion]`:

        [presets.firm-strict]
        label = "Firm policy 2026"
        base = "common-practice"
        weekly = 10
        daily = 40
        [presets.firm-strict.expansion]
        daily = 60
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: not valid TOML ({exc})") from None
    presets = data.get("presets", {})
    if not isinstance(presets, dict):
        raise PolicyError(f"{source}: 'presets' must be a table of presets")
    out: dict[str, Policy] = {}
    for name, body in presets.items():
        where = f"{source}: preset {name!r}"
        if not isinstance(body, dict):
            raise PolicyError(f"{where}: expected a table")
        base_name = body.get("base", DEFAULT_POLICY)
        base = out.get(base_name) or BUILTIN_POLICIES.get(base_name)
        if base is None:
            raise PolicyError(f"{where}: unknown base preset {base_name!r}")
        sizes = dict(base.sizes)
        expansion = dict(base.expansion)
        for key, value in body.items():
            if key in {"label", "base", "scale_with_period"}:
                continue
            if key == "expansion":
                if not isinstance(value, dict):
                    raise PolicyError(f"{where}: 'expansion' must be a table")
                for fkey, fval in value.items():
                    expansion[_frequency(fkey, f"{where}, expansion")] = _size(fval, f"{where}, expansion.{fkey}")
                continue
            sizes[_frequency(key, where)] = _size(value, f"{where}, {key}")
        scale = body.get("scale_with_period", base.scale_with_period)
        if not isinstance(scale, bool):
            raise PolicyError(f"{where}, scale_with_period: expected true or false")
        out[name] = Policy(name=name, label=str(body.get("label", name)), sizes=sizes, expansion=expansion,
                           scale_with_period=scale)
    return out


def _frequency(key: str, where: str) -> Frequency:
    try:
        return Frequency(key.replace("-", "_"))
    except ValueError:
        raise PolicyError(f"{where}: unknown frequency {key!r} (expected {', '.join(Frequency)})") from None


def _size(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PolicyError(f"{where}: expected a whole number of at least 1, got {value!r}")
    return value


# -- size ---------------------------------------------------------------------------------------------
def period_days(start: dt.date, end: dt.date) -> int:
    return (end - start).days + 1


def instances_in_period(frequency: Frequency | str, days: int) -> int | None:
    """How many times a control of this frequency runs in `days` (None: too many to count)."""
    per_year = INSTANCES_PER_YEAR[Frequency(frequency)]
    if per_year is None:
        return None
    return max(1, -(-per_year * min(days, DAYS_PER_YEAR) // DAYS_PER_YEAR))


FREQUENCY_PHRASES: dict[Frequency, str] = {
    Frequency.annual: "an annual control", Frequency.semiannual: "a semiannual control",
    Frequency.quarterly: "a quarterly control", Frequency.monthly: "a monthly control",
    Frequency.weekly: "a weekly control", Frequency.daily: "a daily control",
    Frequency.multiple_daily: "a control run several times a day", Frequency.as_needed: "an event-driven control",
    Frequency.continuous: "an automated control",
}


@dataclass(frozen=True)
class SizeDecision:
    size: int
    base_size: int
    label: str  # "judgmental", "statistical", "test of one" or "test all"
    reason: str


def policy_size(policy: Policy, frequency: Frequency | str, days: int, population: int | None = None) -> SizeDecision:
    """The policy's size for a control of `frequency` over an observation period of `days`."""
    f = Frequency(frequency)
    base = policy.base_size(f)
    size = base
    reasons = [f"{policy.name}: {base} for {FREQUENCY_PHRASES[f]} over 12 months"]
    if policy.scale_with_period and days < DAYS_PER_YEAR:
        size = max(min(base, MIN_SCALED), -(-base * days // DAYS_PER_YEAR))
        reasons.append(f"scaled to a {days}-day period: {size}")
    instances = instances_in_period(f, days)
    if instances is not None and size > instances:
        size = instances
        reasons.append(f"the period holds {instances} instances")
    label = size_label(f, size)
    if population is not None and population <= size:
        size = population
        label = "test all"
        reasons.append(f"population of {population}: test all")
    return SizeDecision(size=size, base_size=base, label=label, reason="; ".join(reasons))


def size_label(frequency: Frequency | str, size: int) -> str:
    f = Frequency(frequency)
    if f is Frequency.continuous:
        return "test of one"
    if f in JUDGMENTAL:
        return "judgmental"
    return "statistical"


def detection_probability(rate: float, size: int) -> float:
    """Probability that a control failing at `rate` shows at least one failure in `size` items."""
    if size <= 0:
        return 0.0
    return 1.0 - (1.0 - rate) ** size


def attribute_sample_size(confidence: float, tolerable_rate: float, deviations_allowed: int = 0) -> int:
    """Smallest n such that seeing at most `deviations_allowed` deviations in n items gives
    `confidence` that the true rate is below `tolerable_rate` (binomial). With none allowed this is
    n = ceil(ln(1 − confidence) / ln(1 − tolerable rate)): 90%/10% → 22, 95%/5% → 59."""
    if not (0 < confidence < 1 and 0 < tolerable_rate < 1) or deviations_allowed < 0:
        raise ValueError("confidence and tolerable rate must be between 0 and 1")
    risk = 1.0 - confidence
    if deviations_allowed == 0:
        n = math.ceil(math.log(risk) / math.log(1.0 - tolerable_rate) - 1e-9)
        return max(1, n)
    n = deviations_allowed + 1
    while _binomial_cdf(deviations_allowed, n, tolerable_rate) > risk + 1e-12:
        n += 1
    return n


def _binomial_cdf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


def hypergeometric_sample_size(population: int, confidence: float = 0.9, tolerable_rate: float = 0.1) -> int:
    """Zero-deviation size for a small population (N = 52 → 16, N = 12 → 8, N = 250 → 21 at 90%/10%)."""
    if population <= 0:
        return 0
    deviants = max(1, math.ceil(tolerable_rate * population - 1e-9))
    risk = 1.0 - confidence
    p = 1.0
    for n in range(1, population + 1):
        p *= (population - deviants - (n - 1)) / (population - (n - 1))
        if p <= risk + 1e-12:
            return n
    return population


# -- the canonical population and its hash --------------------------------------------------------------
def canonical_row(key: str, occurred_on: dt.date | None, cells: Sequence[str]) -> bytes:
    """One row as hashed: compact JSON `[key, "YYYY-MM-DD" or "", cell, ...]` and a newline."""
    return canonical_row_json(key, occurred_on.isoformat() if occurred_on else "", cells_json(cells))


#: One encoder for every row (building one per call, as `json.dumps` with options does, cost more than
#: the encoding itself): compact, non-ASCII kept — byte for byte what `json.dumps(..., ensure_ascii=False,
#: separators=(",", ":"))` gives.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_ENCODE_STR = json.encoder.encode_basestring  # a JSON string literal, non-ASCII kept (C-accelerated)


def cells_json(cells: Sequence[str]) -> str:
    """The compact JSON array of a row's cells (also what the database stores)."""
    try:  # a row of text (every import's): each cell a JSON string, joined — the encoder's output exactly
        return "[" + ",".join(map(_ENCODE_STR, cells)) + "]"
    except TypeError:
        return _ENCODE(cells if isinstance(cells, list | tuple) else list(cells))


def canonical_row_json(key: str, day: str, cells: str) -> bytes:
    """`canonical_row` from the cells already encoded by `cells_json` (the importer's fast path):
    byte for byte `json.dumps([key, day, *cells], ensure_ascii=False, separators=(",", ":")) + "\n"`."""
    head = "[" + _ENCODE_STR(key) + "," + _ENCODE_STR(day)
    return (head + ("," + cells[1:] if cells != "[]" else "]") + "\n").encode("utf-8")


def canonical_header(columns: Sequence[str], key_column: str, date_column: str) -> bytes:
    return (json.dumps({"columns": list(columns), "key": key_column, "date": date_column}, ensure_ascii=False,
                       separators=(",", ":"), sort_keys=True) + "\n").encode("utf-8")


class PopulationHasher:
    """SHA-256 over the canonical header line then every canonical row in file order (streamed)."""

    def __init__(self, columns: Sequence[str], key_column: str, date_column: str) -> None:
        self._h = hashlib.sha256(canonical_header(columns, key_column, date_column))
        self.rows = 0

    def add(self, key: str, occurred_on: dt.date | None, cells: Sequence[str]) -> None:
        self._h.update(canonical_row(key, occurred_on, cells))
        self.rows += 1

    def add_lines(self, text: str, count: int) -> None:
        """`count` canonical rows at once, already formatted (each exactly what `canonical_row` gives,
        newline included): the importer formats a batch and hashes it in one call."""
        self._h.update(text.encode("utf-8"))
        self.rows += count

    def hexdigest(self) -> str:
        return self._h.hexdigest()


# -- deviations and conclusions ------------------------------------------------------------------------
def cannot_sample_away(frequency: Frequency | str) -> bool:
    return Frequency(frequency) in CANNOT_SAMPLE_AWAY


def cannot_sample_away_message(frequency: Frequency | str) -> str:
    f = Frequency(frequency).value.replace("_", " ")
    return (f"A deviation in a {f} control cannot be sampled away: each instance is a whole period, so "
            f"report the exception rather than expanding the sample.")


@dataclass(frozen=True)
class RuleOutcome:
    conclusion: DeviationConclusion | None
    explanation: str


def conclusion_rule(frequency: Frequency | str, initial_deviations: int, expansion_deviations: int,
                    expanded: bool, expansion_untested: int = 0) -> RuleOutcome:
    """What the deviation rule requires. None when there is nothing to conclude yet (no deviation,
    or expansion items still untested)."""
    total = initial_deviations + expansion_deviations
    if total == 0:
        return RuleOutcome(None, "No deviation: nothing to conclude.")
    if cannot_sample_away(frequency):
        return RuleOutcome(DeviationConclusion.systematic, cannot_sample_away_message(frequency))
    if not expanded:
        return RuleOutcome(DeviationConclusion.systematic,
                           "Not expanded: without an expansion the deviation must be treated as systematic.")
    if expansion_deviations or initial_deviations > 1:
        return RuleOutcome(DeviationConclusion.systematic,
                           f"{total} deviations: a further deviation makes it systematic.")
    if expansion_untested:
        return RuleOutcome(None, f"{expansion_untested} expansion items still to test.")
    return RuleOutcome(DeviationConclusion.isolated, "The expansion found no further deviation: isolated.")


def needs_reason(rule: RuleOutcome, chosen: DeviationConclusion | str) -> bool:
    """Concluding otherwise than the rule requires a recorded reason."""
    return rule.conclusion is None or DeviationConclusion(chosen) is not rule.conclusion
