"""The interview plan: who should be interviewed for which control, and who has been.

The fieldwork guide: auditors interview not only the security team but developers (change
management), HR (onboarding and offboarding) and IT administrators (access provisioning), to
corroborate or challenge the control descriptions. A firm table in TOML (`interview_plan.toml`,
shipped beside this module; a firm's own copy in the config dir replaces it) proposes the roles for
each control from its criteria and subject; the auditor can set the roles of any one control.

Held means: a person of that role said something (a non-empty statement) linked to the control.
Everything here works on plain data; the services gather it and store the per-control choices.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from fieldwork_tui.domain.coaching import DEFAULT_SETTINGS, CoachingError, CoachingSettings, coaching_settings
from fieldwork_tui.domain.criteria import CRITERIA
from fieldwork_tui.domain.vocab import PersonRole

#: File name of the table, shipped in this package and looked for in the firm's config dir.
PLAN_FILE = "interview_plan.toml"

_ID = re.compile(r"^([A-Z]+)(\d+)\.(\d+)$")
_PATTERN = re.compile(r"^([A-Z]+)(?:(\d+)(?:\.(\d+))?)?$")
_CATEGORIES = {m.group(1) for m in (_ID.match(c) for c in CRITERIA) if m}


class PlanError(ValueError):
    """A plan table that cannot be used; the message names the file, the rule and the field."""


@dataclass(frozen=True)
class PlanRule:
    name: str
    roles: tuple[PersonRole, ...]
    criteria: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def matches(self, criteria: Iterable[str], text: str) -> bool:
        crit = [c.strip().upper() for c in criteria]
        if self.criteria and not any(criterion_matches(p, c) for p in self.criteria for c in crit):
            return False
        if self.keywords and not any(keyword_in(k, text) for k in self.keywords):
            return False
        return bool(self.criteria or self.keywords)


@dataclass(frozen=True)
class PlanTable:
    rules: tuple[PlanRule, ...]
    missing_role_blocking: bool = False
    source: str = "built-in"
    coaching: CoachingSettings = DEFAULT_SETTINGS


@dataclass(frozen=True)
class RoleProposal:
    """One role the table proposes for a control, with the rules that propose it (the why)."""

    role: PersonRole
    rules: tuple[str, ...]


def criterion_matches(pattern: str, criterion: str) -> bool:
    """'CC6.2' matches only CC6.2; 'CC8' matches CC8.1; 'PI' matches PI1.x and never P1.1."""
    p = _PATTERN.match(pattern.strip().upper())
    c = _ID.match(criterion.strip().upper())
    if p is None or c is None:
        return False
    letters, series, point = p.groups()
    return (letters == c.group(1) and (series is None or series == c.group(2))
            and (point is None or point == c.group(3)))


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", (text or "").casefold()).strip() + " "


def keyword_in(keyword: str, text: str) -> bool:
    """A keyword at the start of a word ("offboard" in "Offboarding checklist"), case-insensitive."""
    key = _words(keyword).strip()
    return bool(key) and f" {key}" in _words(text)


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PlanError(f"{where}: expected a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def parse_plan_table(text: str, source: str = PLAN_FILE) -> PlanTable:
    """The plan table from TOML text (see the shipped `interview_plan.toml` for the format)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"{source}: not valid TOML ({exc})") from None
    unknown = set(data) - {"settings", "rules", "coached_answers"}
    if unknown:
        raise PlanError(f"{source}: unknown section {sorted(unknown)[0]!r} "
                        "(expected [settings], [[rules]] and [coached_answers])")
    try:
        coaching = coaching_settings(data.get("coached_answers", {}), source)
    except CoachingError as exc:
        raise PlanError(str(exc)) from None
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        raise PlanError(f"{source}: [settings] must be a table")
    for key in settings:
        if key != "missing_role_blocking":
            raise PlanError(f"{source}: settings: unknown setting {key!r} (expected missing_role_blocking)")
    blocking = settings.get("missing_role_blocking", False)
    if not isinstance(blocking, bool):
        raise PlanError(f"{source}: settings.missing_role_blocking: expected true or false")
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise PlanError(f"{source}: 'rules' must be an array of tables ([[rules]])")
    rules: list[PlanRule] = []
    for i, body in enumerate(raw_rules, 1):
        if not isinstance(body, dict):
            raise PlanError(f"{source}: rule {i}: expected a table")
        name = body.get("name", f"rule {i}")
        if not isinstance(name, str) or not name.strip():
            raise PlanError(f"{source}: rule {i}: name must be text")
        where = f"{source}: rule {name!r}"
        extra = set(body) - {"name", "roles", "criteria", "keywords"}
        if extra:
            raise PlanError(f"{where}: unknown field {sorted(extra)[0]!r}")
        roles = []
        for word in _strings(body.get("roles", []), f"{where}, roles"):
            try:
                roles.append(PersonRole(word))
            except ValueError:
                raise PlanError(f"{where}, roles: {word!r} is not a role (expected one of "
                                f"{', '.join(r.value for r in PersonRole)})") from None
        if not roles:
            raise PlanError(f"{where}: roles: give at least one role")
        criteria = tuple(c.upper() for c in _strings(body.get("criteria", []), f"{where}, criteria"))
        for c in criteria:
            m = _PATTERN.match(c)
            if m is None or m.group(1) not in _CATEGORIES or (
                    m.group(2) is not None and not any(criterion_matches(c, known) for known in CRITERIA)):
                raise PlanError(f"{where}, criteria: {c!r} is not a Trust Services Criterion, series or category")
        keywords = _strings(body.get("keywords", []), f"{where}, keywords")
        if not criteria and not keywords:
            raise PlanError(f"{where}: give criteria, keywords or both")
        rules.append(PlanRule(name.strip(), tuple(dict.fromkeys(roles)), criteria, keywords))
    return PlanTable(tuple(rules), blocking, source, coaching)


def propose_roles(table: PlanTable, criteria: Iterable[str], title: str = "",
                  description: str = "") -> tuple[RoleProposal, ...]:
    """The roles the table proposes for a control, in vocabulary order, each with its reasons."""
    crit = list(criteria)
    text = f"{title} {description}"
    reasons: dict[PersonRole, list[str]] = defaultdict(list)
    for rule in table.rules:
        if rule.matches(crit, text):
            for role in rule.roles:
                reasons[role].append(rule.name)
    return tuple(RoleProposal(r, tuple(reasons[r])) for r in PersonRole if r in reasons)


def planned_roles(proposal: Iterable[RoleProposal], override: Iterable[str] | None) -> tuple[PersonRole, ...]:
    """The roles to interview: the auditor's choice for this control when set, else the proposal."""
    if override is not None:
        chosen = {PersonRole(r) for r in override}
        return tuple(r for r in PersonRole if r in chosen)
    return tuple(p.role for p in proposal)


# -- planned against held ----------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanPerson:
    person_id: int
    name: str
    role: PersonRole
    title: str = ""


@dataclass(frozen=True)
class PlanControl:
    ref: str
    planned: tuple[PersonRole, ...]
    owner_id: int | None = None
    adjusted: bool = False  # the auditor set the roles (not the table's proposal)


@dataclass(frozen=True)
class Spoken:
    """A person said something about a control in an interview (one non-empty statement or more)."""

    person_id: int
    control_ref: str
    interview_id: int


@dataclass(frozen=True)
class ControlCoverage:
    ref: str
    planned: tuple[PersonRole, ...]
    held: tuple[PersonRole, ...]            # planned roles heard
    missing: tuple[PersonRole, ...]         # planned roles not yet heard
    unplanned: tuple[PersonRole, ...]       # roles heard that the plan did not ask for
    people: tuple[int, ...]                 # ids of the people heard on this control
    adjusted: bool = False

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class RoleRow:
    role: PersonRole
    controls_planned: tuple[str, ...]
    controls_held: tuple[str, ...]
    controls_missing: tuple[str, ...]
    people_interviewed: tuple[str, ...]
    people_known: tuple[str, ...]  # people of this role on file, interviewed or not


@dataclass(frozen=True)
class PersonRow:
    person: PlanPerson
    interviews: int
    controls_heard: tuple[str, ...]
    wanted: tuple[str, ...]  # controls still missing this person's role (book them for these)
    owns_wanted: tuple[str, ...] = ()


@dataclass(frozen=True)
class BookNext:
    """Who to book next: a role still missing on some controls, and the people who could speak to it."""

    role: PersonRole
    controls: tuple[str, ...]
    candidates: tuple[str, ...]  # owners of those controls first, then others of the role, by name


@dataclass(frozen=True)
class PlanStatus:
    controls: tuple[ControlCoverage, ...]
    roles: tuple[RoleRow, ...]
    people: tuple[PersonRow, ...]
    book_next: tuple[BookNext, ...]
    by_ref: Mapping[str, ControlCoverage] = field(default_factory=dict)

    @property
    def missing_pairs(self) -> int:
        return sum(len(c.missing) for c in self.controls)


def plan_status(controls: Iterable[PlanControl], people: Iterable[PlanPerson],
                spoken: Iterable[Spoken]) -> PlanStatus:
    """Planned against held, per control, per role and per person, and who to book next."""
    controls = list(controls)
    persons = {p.person_id: p for p in people}
    heard: dict[str, set[int]] = defaultdict(set)
    interviews: dict[int, set[int]] = defaultdict(set)
    person_controls: dict[int, set[str]] = defaultdict(set)
    for s in spoken:
        heard[s.control_ref].add(s.person_id)
        interviews[s.person_id].add(s.interview_id)
        person_controls[s.person_id].add(s.control_ref)

    def role_of(pid: int) -> PersonRole:
        p = persons.get(pid)
        return p.role if p else PersonRole.other

    coverage: list[ControlCoverage] = []
    for c in controls:
        roles_heard = {role_of(pid) for pid in heard.get(c.ref, ())}
        missing = tuple(r for r in c.planned if r not in roles_heard)
        coverage.append(ControlCoverage(
            ref=c.ref, planned=c.planned, held=tuple(r for r in c.planned if r in roles_heard), missing=missing,
            unplanned=tuple(r for r in PersonRole if r in roles_heard and r not in c.planned),
            people=tuple(sorted(heard.get(c.ref, ()))), adjusted=c.adjusted))
    by_ref = {c.ref: c for c in coverage}
    owners = {c.ref: c.owner_id for c in controls}

    role_rows = []
    for role in PersonRole:
        planned = tuple(c.ref for c in coverage if role in c.planned)
        known = sorted((p for p in persons.values() if p.role is role), key=lambda p: p.name.casefold())
        if not planned and not known:
            continue
        role_rows.append(RoleRow(
            role, planned, tuple(r for r in planned if role in by_ref[r].held),
            tuple(r for r in planned if role in by_ref[r].missing),
            tuple(p.name for p in known if interviews.get(p.person_id)), tuple(p.name for p in known)))

    person_rows = []
    for p in sorted(persons.values(), key=lambda p: (p.role.value, p.name.casefold())):
        wanted = tuple(c.ref for c in coverage if p.role in c.missing)
        person_rows.append(PersonRow(p, len(interviews.get(p.person_id, ())),
                                     tuple(sorted(person_controls.get(p.person_id, ()))), wanted,
                                     tuple(r for r in wanted if owners.get(r) == p.person_id)))

    book = []
    for row in role_rows:
        if not row.controls_missing:
            continue
        owner_ids = {owners[r] for r in row.controls_missing if owners.get(r) is not None}
        of_role = [p for p in persons.values() if p.role is row.role]
        ranked = sorted(of_role, key=lambda p: (p.person_id not in owner_ids,
                                                -sum(owners.get(r) == p.person_id for r in row.controls_missing),
                                                p.name.casefold()))
        book.append(BookNext(row.role, row.controls_missing, tuple(p.name for p in ranked)))
    return PlanStatus(tuple(coverage), tuple(role_rows), tuple(person_rows), tuple(book), by_ref)
