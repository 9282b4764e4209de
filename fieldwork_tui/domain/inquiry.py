"""Inquiry statements: contradictions that stay visible, and saving typed text safely.

Contradictions (the fieldwork guide: inconsistencies between interview answers and documentary
evidence are a significant red flag). A statement contradicted by an evidence item stays a red flag
until an exception is raised for it or later evidence resolves it; a reason alone is never enough,
and the statement keeps naming the evidence that contradicted it after either.

Saving (two app instances may have one engagement open): a statement is written only over the
version the writer last read. When someone else changed or deleted it meanwhile, the typed text is
kept as a new statement and the writer is told so; nothing typed is lost or overwritten silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fieldwork_tui.domain.vocab import Corroboration


class ContradictionState(StrEnum):
    open = "open"                                  # red flag
    resolved_by_evidence = "resolved_by_evidence"  # later evidence explains it
    exception_raised = "exception_raised"          # disclosed as an exception


@dataclass(frozen=True)
class StatementEvidence:
    """What a statement's corroboration rests on (ids and names, for every place that shows it)."""

    corroboration: Corroboration
    evidence_id: int | None = None
    evidence_name: str = ""
    note: str = ""
    resolution_evidence_id: int | None = None
    resolution_evidence_name: str = ""
    resolution_note: str = ""
    exception_id: int | None = None

    @property
    def contradiction(self) -> ContradictionState | None:
        return contradiction_state(self.corroboration, self.resolution_evidence_id, self.exception_id)

    @property
    def red_flag(self) -> bool:
        return self.contradiction is ContradictionState.open

    def describe(self) -> str:
        """One line naming the evidence: "contradicted by disposal-log.xlsx (#7): no certificate for …"."""
        return describe_corroboration(self)


def contradiction_state(corroboration: Corroboration | str, resolution_evidence_id: int | None,
                        exception_id: int | None) -> ContradictionState | None:
    """None when the statement is not contradicted; else whether the contradiction is still open."""
    if Corroboration(corroboration) is not Corroboration.contradicted:
        return None
    if exception_id is not None:
        return ContradictionState.exception_raised
    if resolution_evidence_id is not None:
        return ContradictionState.resolved_by_evidence
    return ContradictionState.open


def _name(name: str, evidence_id: int | None) -> str:
    label = name or "evidence"
    return f"{label} (#{evidence_id})" if evidence_id is not None else label


def describe_corroboration(e: StatementEvidence) -> str:
    state = Corroboration(e.corroboration)
    if state is Corroboration.uncorroborated:
        return "uncorroborated"
    if state is Corroboration.corroborated:
        text = f"corroborated by {_name(e.evidence_name, e.evidence_id)}"
        return f"{text}: {e.note}" if e.note else text
    text = f"contradicted by {_name(e.evidence_name, e.evidence_id)}"
    if e.note:
        text += f": {e.note}"
    c = e.contradiction
    if c is ContradictionState.exception_raised:
        text += f" — exception #{e.exception_id} raised"
    elif c is ContradictionState.resolved_by_evidence:
        text += f" — resolved by {_name(e.resolution_evidence_name, e.resolution_evidence_id)}"
        if e.resolution_note:
            text += f": {e.resolution_note}"
    else:
        text += " — open: raise an exception or resolve with later evidence"
    return text


def change_problem(current: Corroboration | str, new_state: Corroboration | str) -> str | None:
    """Why a contradicted statement cannot simply be set to another state (None when it can).

    Once evidence contradicted a statement, only an exception or later evidence ends the red flag:
    moving it to uncorroborated or corroborated would make the contradiction disappear.
    """
    try:
        cur, new = Corroboration(current), Corroboration(new_state)
    except ValueError:
        return None  # the caller's own check names the bad word
    if cur is Corroboration.contradicted and new is not Corroboration.contradicted:
        return ("contradicted: a contradiction stays on file; resolve it with later evidence or raise an "
                "exception (a reason alone is not enough)")
    return None


def resolution_problem(corroboration: Corroboration | str, contradicting_id: int | None,
                       evidence_id: int | None, note: str, already_resolved: bool = False) -> str | None:
    """Why later evidence cannot resolve this contradiction as given (None when it can)."""
    if Corroboration(corroboration) is not Corroboration.contradicted:
        return "resolve: only a contradicted statement is resolved"
    if already_resolved:
        return "resolve: this contradiction is already resolved"
    if evidence_id is None:
        return "resolve: choose the later evidence that resolves the contradiction (a reason alone is not enough)"
    if evidence_id == contradicting_id:
        return "resolve: the evidence that contradicted the statement cannot also resolve it; choose later evidence"
    if not (note or "").strip():
        return "resolve: say how the later evidence resolves the contradiction"
    return None


# -- saving typed text ---------------------------------------------------------------------------------
class SaveAction(StrEnum):
    unchanged = "unchanged"          # nothing to write
    update = "update"                # write over the version last read
    keep_as_new = "keep_as_new"      # someone else changed it meanwhile: the typed text becomes a new statement
    recreate = "recreate"            # someone else deleted it meanwhile: the typed text becomes a new statement


def autosave_action(stored_exists: bool, stored_version: int | None, read_version: int,
                    stored_text: str, typed_text: str) -> SaveAction:
    """What to do with typed text for a statement last read at `read_version`."""
    if not stored_exists:
        return SaveAction.recreate if typed_text.strip() else SaveAction.unchanged
    if stored_text == typed_text:
        return SaveAction.unchanged
    if stored_version != read_version:
        return SaveAction.keep_as_new
    return SaveAction.update
