"""People as the interview plan sees them: a role from the shared vocabulary and a free-text title.

One rule reads the role words people write ("IT admin", "Human Resources", "SecOps", "Dev") and one
rule names a person wherever a screen, an export or a memo shows them, so a person entered without a
title still appears with their role.
"""

from __future__ import annotations

import re

from fieldwork_tui.domain.vocab import ROLE_LABELS, PersonRole


class RoleParseError(ValueError):
    """A role word that matches no role; the message lists the accepted words."""


#: What notes and spreadsheets write for each role (compared after `_norm`).
_ROLE_WORDS: dict[PersonRole, tuple[str, ...]] = {
    PersonRole.engineering: (
        "engineering", "engineer", "engineers", "software engineering", "software engineer", "developer",
        "developers", "development", "dev", "devs", "sre", "site reliability", "site reliability engineering",
        "devops", "platform", "platform engineering", "r d", "product engineering",
    ),
    PersonRole.hr: (
        "hr", "human resources", "people", "people ops", "people operations", "people team", "talent",
        "recruiting", "personnel",
    ),
    PersonRole.it_administration: (
        "it administration", "it admin", "it administrator", "it administrators", "it", "it ops", "it manager",
        "it management", "it lead", "it team",
        "it operations", "sysadmin", "system administration", "system administrator", "systems administration",
        "helpdesk", "help desk", "it support", "identity and access management", "iam", "corporate it",
    ),
    PersonRole.security_operations: (
        "security operations", "security", "secops", "sec ops", "soc", "infosec", "information security",
        "security engineering", "security team", "incident response", "cybersecurity",
    ),
    PersonRole.finance: ("finance", "accounting", "accounts", "controller", "fp a", "billing", "treasury"),
    PersonRole.executive: (
        "executive", "executives", "management", "leadership", "exec", "c level", "c suite", "board",
        "senior management",
    ),
    PersonRole.other: (
        "other", "compliance", "grc", "legal", "operations", "ops", "audit", "internal audit", "customer support",
        "support", "sales", "marketing", "facilities",
    ),
}
_LOOKUP: dict[str, PersonRole] = {}
for _role, _words in _ROLE_WORDS.items():
    _LOOKUP[_role.value.replace("_", " ")] = _role
    for _w in _words:
        _LOOKUP.setdefault(_w, _role)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", (text or "").casefold()).strip()


def accepted_role_words() -> str:
    """The role words in vocabulary order, for error messages and placeholders."""
    return ", ".join(r.value for r in PersonRole)


def parse_role(text: str | None, *, default: PersonRole | None = None) -> PersonRole:
    """The role a word names ("IT admin" -> it_administration). Empty text gives `default` when one
    is given; a word that names no role raises RoleParseError listing the accepted words."""
    key = _norm(text or "")
    if not key:
        if default is not None:
            return default
        raise RoleParseError(f"role: give one of {accepted_role_words()}")
    role = _LOOKUP.get(key)
    if role is None:
        raise RoleParseError(f"role {text!r}: expected one of {accepted_role_words()}")
    return role


def role_label(role: PersonRole | str | None) -> str:
    if role in (None, ""):
        return ""
    try:
        return ROLE_LABELS[PersonRole(role)]
    except ValueError:
        return str(role)


def person_label(name: str, role: PersonRole | str | None = None, title: str = "") -> str:
    """How a person is named everywhere: "Diego Alvarez (IT administration, IT Administrator)".
    The role is always shown when known; the title when there is one and it says something else."""
    parts = [p for p in (role_label(role), (title or "").strip()) if p]
    if len(parts) == 2 and _norm(parts[0]) == _norm(parts[1]):
        parts = parts[:1]
    name = (name or "").strip() or "(unnamed)"
    return f"{name} ({', '.join(parts)})" if parts else name


def role_and_title(role: PersonRole | str | None = None, title: str = "") -> str:
    """The part in brackets of `person_label`, for tables with a separate name column."""
    label = person_label("x", role, title)
    return label[3:-1] if label.startswith("x (") else ""
