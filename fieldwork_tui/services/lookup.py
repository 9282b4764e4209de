"""Finding a control, a request or a person from what someone typed, with the one matching rule of
`domain/matching.py` — every service that looks one of them up goes through here (controls:
`controls.catalog.find_control`, requests: `requests.triage.find_request`, persons: the functions below).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import Session, select

from fieldwork_tui.domain.matching import person_index, person_key, ref_key
from fieldwork_tui.domain.vocab import PersonRole, PersonSide
from fieldwork_tui.store.models import Person

M = TypeVar("M")


def by_ref(session: Session, model: type[M], ref: str) -> M | None:
    """The row of `model` (a table with a `ref` column) whose ref matches `ref`, or None."""
    text = (ref or "").strip()
    exact = session.exec(select(model).where(model.ref == text)).first()  # type: ignore[attr-defined]
    if exact is not None:
        return exact
    key = ref_key(text)
    for row_id, stored in session.exec(select(model.id, model.ref)):  # type: ignore[attr-defined]
        if ref_key(stored) == key:
            return session.get(model, row_id)
    return None


def ref_index(rows: Any) -> dict[str, Any]:
    """{ref key: row} for rows with a `ref` (the first keeps a key)."""
    out: dict[str, Any] = {}
    for row in rows:
        out.setdefault(ref_key(row.ref), row)
    return out


def people_index(session: Session) -> dict[str, Person]:
    """Every person under each of their keys (name and e-mail)."""
    return person_index((p, p.name, p.email) for p in session.exec(select(Person).order_by(Person.side, Person.id)))


def find_person(session: Session, text: str | None, index: dict[str, Person] | None = None) -> Person | None:
    key = person_key(text)
    if not key:
        return None
    return (people_index(session) if index is None else index).get(key)


def find_or_create_person(session: Session, text: str, *, role: PersonRole | None = None, index: dict[str, Person] | None = None,
                          created: list[str] | None = None) -> Person | None:
    """The person named (or e-mailed) `text`, created as a client person with `role` (the interview
    plan's vocabulary; None until someone says what the person does) when new. With
    `index` (from `people_index`, for a whole import) it is kept up to date."""
    name = " ".join((text or "").split())
    if not name:
        return None
    index = people_index(session) if index is None else index
    person = index.get(person_key(name))
    if person is None:
        person = Person(name=name, side=PersonSide.client, role=role, email=name if "@" in name else "")
        session.add(person)
        session.flush()
        index[person_key(name)] = person
        if created is not None:
            created.append(name)
    return person
