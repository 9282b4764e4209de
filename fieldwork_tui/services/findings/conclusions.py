"""Control conclusions and the Section IV row, worded from what was recorded for the control.

The suggestion comes from `domain.reporting.suggest_conclusion`; concluding otherwise needs a note.
The Section IV row (tests performed, results) is what the report and the workpaper bundle print.
"""

from __future__ import annotations

from fieldwork_tui.domain import reporting
from fieldwork_tui.domain.people import role_label
from fieldwork_tui.domain.vocab import Conclusion
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.findings.views import ConclusionView
from fieldwork_tui.store.handle import EngagementHandle


def _facts(handle: EngagementHandle, ref: str):
    from fieldwork_tui.services.controls.facts import sample_summaries
    from fieldwork_tui.services.controls.workpaper import control_records
    from fieldwork_tui.services.sampling.populations import latest_population

    rec = control_records(handle, ref)
    c = rec.control
    from fieldwork_tui.services.findings.exceptions import current_wordings

    with handle.read() as s:
        summary = sample_summaries(s, c.id).get(c.id)
        pop = latest_population(s, c.id)
        current = current_wordings(s, [c.id])
        from sqlmodel import select

        from fieldwork_tui.store.models import Person

        names = [*s.exec(select(Person.name)), *(ex.instance for ex, _resp in rec.exceptions)]
    # one sentence per distinct wording, in the order the exceptions were recorded; items counted,
    # never named (a hand-edited wording that names someone shows the marker for the auditor to reword)
    wordings = list(dict.fromkeys(reporting.withhold_names(current[ex.id].text, names) for ex, _resp in rec.exceptions))
    items = reporting.items_noun(c.title, c.description)
    no_occurrences = pop is not None and pop.row_count == 0 and pop.expected_count in (None, 0)
    pf = reporting.ProcedureFacts(
        description=c.description or c.title,
        # by title or function, never by name: a report counts and describes, it does not name people
        interviewees=[reporting.interviewee_phrase(v.person.title, role_label(v.person.role))
                      for v in rec.statements if v.person.id],
        # a place keeps its capitals ("Lisbon office"); only its spacing is normalised
        observations=[f"the control in operation ({' '.join(o.location.split())})" if o.location
                      else "the control in operation" for o in rec.observations][:1],
        documents=[f.description or f.original_name for f in rec.files],
        sample_size=summary.size if summary else 0,
        population_rows=summary.population_rows if summary else 0,
        items=items,
        reperformances=[f"comparing {r.list_a_label} to {r.list_b_label}" for r in rec.reperformances],
        no_occurrences=no_occurrences,
    )
    deviation = None
    if summary and summary.conclusion:
        from fieldwork_tui.domain.vocab import DeviationConclusion

        deviation = DeviationConclusion(summary.conclusion)
    cf = reporting.ConclusionFacts(tested=bool(rec.evidence_types), occurrences=pop.row_count if pop else None,
                                   exceptions=len(rec.exceptions), deviation_conclusion=deviation,
                                   untested_items=summary.untested if summary else 0, flags=tuple(rec.flags))
    return rec, pf, cf, wordings, pop, names


def conclusion_view(handle: EngagementHandle, ref: str) -> ConclusionView:
    from fieldwork_tui.services.controls.catalog import find_control
    from fieldwork_tui.store import versions

    with handle.read() as s:  # first: a change while the facts are read makes the save refused, never lost
        version = versions.version_of(s, "control", find_control(s, ref).id).version
    rec, pf, cf, wordings, pop, names = _facts(handle, ref)
    suggested, why = reporting.suggest_conclusion(cf)
    row = reporting.section_iv_row(rec.control.ref, pf, wordings, rec.control.conclusion,
                                   occurrences=pop.row_count if pop else None, flags=rec.flags)
    # a report describes people by title or function: a name typed into a location or a file
    # description shows the marker for the auditor to reword
    row.procedures = [reporting.withhold_names(p, names) for p in row.procedures]
    return ConclusionView(ref=rec.control.ref, current=rec.control.conclusion, note=rec.control.conclusion_note,
                          suggested=suggested, why=why, row=row, version=version)


def conclude_control(handle: EngagementHandle, ref: str, conclusion: Conclusion | str | None = None,
                     note: str = "", *, expected_version: int | None = None) -> ConclusionView:
    """Record the control's conclusion: the suggestion unless `conclusion` differs, which needs a note.
    `expected_version` (services/team `control_version`): refused if someone changed the control since."""
    from fieldwork_tui.services.controls.catalog import set_conclusion

    view = conclusion_view(handle, ref)
    try:
        chosen = Conclusion(conclusion) if conclusion else view.suggested
    except ValueError:
        raise InvalidInput(f"conclusion {conclusion!r}: expected one of {', '.join(Conclusion)}") from None
    note = (note or "").strip()
    if chosen is not view.suggested and not note:
        raise InvalidInput(f"note: concluding {chosen.value} when the work supports {view.suggested.value} "
                           f"needs a note ({view.why})")
    set_conclusion(handle, view.ref, chosen, note or view.why, expected_version=expected_version)
    return conclusion_view(handle, ref)


def section_iv_rows(handle: EngagementHandle) -> list[reporting.SectionIVRow]:
    """Every control's Section IV row, in ref order (for the report and the bundle)."""
    from fieldwork_tui.services.controls.catalog import list_controls

    return [conclusion_view(handle, c.ref).row for c in list_controls(handle)]
