"""The exceptions register: instances where a control did not operate as described, and the
management responses to them.

An exception comes from a sample deviation, a re-performance difference or manual entry. It records
the specific instance, the planned control (what should have happened), the deviation (what did),
its type and whether design or operating effectiveness is concerned, and report wording generated
from those ("For 2 of 25 changes sampled, ..."). Remediation never deletes an exception: a remediated
exception stays in the register and in the report with its management response.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import String, cast, func, or_
from sqlmodel import Session, select

from fieldwork_tui.domain import reporting
from fieldwork_tui.domain.compare import deviation_clause
from fieldwork_tui.domain.vocab import (
    Disposition,
    Effectiveness,
    ExceptionSource,
    ExceptionType,
    RemediationStatus,
    SampleResult,
)
from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.findings.views import ExceptionDetail, ExceptionSummary
from fieldwork_tui.services.lookup import by_ref
from fieldwork_tui.services.records import record
from fieldwork_tui.store import versions
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import (
    Control,
    ControlException,
    ManagementResponse,
    Reperformance,
    ReperformanceDifference,
    Sample,
    SampleItem,
    TestAttribute,
    utcnow,
)


def list_exceptions(handle: EngagementHandle, text: str = "", *, control: str | None = None,
                    without_response: bool = False) -> list[ExceptionSummary]:
    """The register, filtered in SQL by text (control, instance, deviation, wording), control and
    whether a management response is still missing."""
    with handle.read() as s:
        q = (select(ControlException, Control, ManagementResponse)
             .join(Control, Control.id == ControlException.control_id)
             .join(ManagementResponse, ManagementResponse.exception_id == ControlException.id, isouter=True))
        needle = text.strip()
        if needle:
            like = f"%{needle}%"
            q = q.where(or_(Control.ref.ilike(like), ControlException.instance.ilike(like),
                            ControlException.deviation.ilike(like), ControlException.report_wording.ilike(like),
                            cast(ControlException.exception_type, String).ilike(like)))
        if control:
            found = by_ref(s, Control, control)
            q = q.where(Control.id == (found.id if found is not None else -1))
        if without_response:
            q = q.where(ManagementResponse.id.is_(None))
        rows = list(s.exec(q.order_by(ControlException.id)))
        wordings = current_wordings(s, sorted({c.id for _ex, c, _r in rows}))
        return [
            ExceptionSummary(ex.id, c.ref, ex.instance, ex.deviation, ex.exception_type.value,
                             r.remediation_status.value if r else "missing", source=ex.source.value,
                             effectiveness=ex.effectiveness.value, report_wording=wordings[ex.id].text,
                             wording_overridden=wordings[ex.id].overridden,
                             responder=r.responder if r else "", remediation_date=r.remediation_date if r else None)
            for ex, c, r in rows
        ]


def get_exception(handle: EngagementHandle, exception_id: int) -> ExceptionDetail:
    with handle.read() as s:
        ex = _get(s, exception_id)
        resp = s.exec(select(ManagementResponse).where(ManagementResponse.exception_id == ex.id)).first()
        wording = current_wordings(s, [ex.control_id])[ex.id]
        # the wording as it reads now (the stored text is the creation-time one)
        return ExceptionDetail(replace(record(ex), report_wording=wording.text), record(resp),
                               record(s.get(Control, ex.control_id)))


def _get(session: Session, exception_id: int) -> ControlException:
    ex = session.get(ControlException, exception_id)
    if ex is None:
        raise NotFound(f"exception #{exception_id} not found")
    return ex


def _enum(cls, value, name: str):
    try:
        return cls(value)
    except ValueError:
        raise InvalidInput(f"{name} {value!r}: expected one of {', '.join(cls)}") from None


# -- wording ------------------------------------------------------------------------------------------
def sample_counts(session: Session, sample_id: int) -> tuple[int, int]:
    """(deviations, size) over a sample and its expansions, as the report states them."""
    sample = session.get(Sample, sample_id)
    root = sample.parent_id or sample.id
    ids = [root, *session.exec(select(Sample.id).where(Sample.parent_id == root))]
    items = session.exec(select(SampleItem.result).where(SampleItem.sample_id.in_(ids))).all()
    return sum(1 for r in items if r is SampleResult.deviation), len(items)


def wording_for(session: Session, control: Control, source: ExceptionSource, instance: str, deviation: str,
                sample_item_id: int | None = None, difference_id: int | None = None,
                attribute_id: int | None = None) -> str:
    """The wording of a new exception before it is stored (counted, never naming `instance`); once
    stored, `current_wordings` words it with the current counts."""
    if source is ExceptionSource.sample and sample_item_id is not None:
        item = session.get(SampleItem, sample_item_id)
        noun = reporting.items_noun(control.title, control.description)
        if attribute_id is not None:  # counted per attribute: "For 1 of 40 changes sampled, <its wording>."
            from fieldwork_tui.services.sampling.testing import attribute_counts

            deviations, size, clause = attribute_counts(session, sample_item_id, attribute_id)
            return reporting.sample_exception_wording(max(deviations, 1), size, noun, clause or deviation)
        deviations, size = sample_counts(session, item.sample_id)
        return reporting.sample_exception_wording(max(deviations, 1), size, noun, deviation)
    diff = session.get(ReperformanceDifference, difference_id) if difference_id else None
    if source is ExceptionSource.reperformance and diff is not None:
        total, items, verb = reperformance_counted(session.get(Reperformance, diff.reperformance_id), control)
        if verb == "compared":
            return reporting.comparison_exception_wording(1, total, items, deviation)
        return reporting.count_wording(1, total, items, deviation, verb=verb)
    return reporting.instances_wording(1, deviation)


def reperformance_counted(rp: Reperformance, control: Control) -> tuple[int, str, str]:
    """(N, what the N are, how they were examined) of a re-performance's exception wording: a
    comparison counts the items compared ("For 1 of 5 terminated users compared, ..."); an
    attribute's rule run over the whole population counts the population's rows, each tested
    ("For 2 of 300 changes tested, the change was deployed before it was approved.")."""
    if rp.options.get("kind") == "attribute_rule":
        return (rp.options.get("compared") or rp.count_a, reporting.items_noun(control.title, control.description),
                "tested")
    compared = rp.options.get("compared") or (rp.options.get("matched", 0) + rp.only_in_a + rp.only_in_b)
    return compared, reporting.compared_items_noun(control.title, control.description), "compared"


def current_wordings(session: Session, control_ids: list[int] | None = None) -> dict[int, reporting.Wording]:
    """Every exception's report wording as it reads NOW (the register, the workpaper, the workbook,
    Section IV): computed from the current counts of its sample or comparison — "For 2 of 40
    changes sampled, ...", "For 1 of 5 terminated users compared, ..." — or, for an exception found
    outside a test, "In 1 instance, ...". Items are counted, never named. A wording rewritten by hand
    is kept as written and marked overridden."""
    q = select(ControlException, Control).join(Control, Control.id == ControlException.control_id)
    if control_ids is not None:
        q = q.where(ControlException.control_id.in_(control_ids))
    by_control: dict[int, list[tuple[ControlException, reporting.DeviationFacts]]] = {}
    sizes: dict[int, int] = {}
    for ex, c in session.exec(q.order_by(ControlException.id)):
        override = ex.report_wording if ex.wording_edited else ""
        fact = reporting.DeviationFacts(group="manual", what=ex.deviation, override=override, exception_id=ex.id)
        item = session.get(SampleItem, ex.sample_item_id) if ex.sample_item_id else None
        diff = session.get(ReperformanceDifference, ex.difference_id) if ex.difference_id else None
        if ex.source is ExceptionSource.sample and item is not None:
            sample = session.get(Sample, item.sample_id)
            root = sample.parent_id or sample.id
            if root not in sizes:
                sizes[root] = sample_counts(session, root)[1]
            # a deviation in one attribute is counted with that attribute's other deviations and worded
            # from the attribute ("For 1 of 40 changes sampled, the change was deployed before it was approved.")
            group, what = f"sample:{root}", ex.deviation
            if ex.attribute_id is not None:
                from fieldwork_tui.services.sampling.testing import attribute_clause

                group = f"sample:{root}:attribute:{ex.attribute_id}"
                what = attribute_clause(session.get(TestAttribute, ex.attribute_id)) or ex.deviation
            fact = reporting.DeviationFacts(group=group, what=what, total=sizes[root],
                                            items=reporting.items_noun(c.title, c.description), verb="sampled",
                                            override=override, exception_id=ex.id)
        elif ex.source is ExceptionSource.reperformance and diff is not None:
            rp = session.get(Reperformance, diff.reperformance_id)
            total, items, verb = reperformance_counted(rp, c)
            fact = reporting.DeviationFacts(group=f"reperformance:{rp.id}", what=ex.deviation, total=total,
                                            items=items, verb=verb, override=override, exception_id=ex.id)
        by_control.setdefault(c.id, []).append((ex, fact))
    out: dict[int, reporting.Wording] = {}
    for rows in by_control.values():
        facts = [f for _ex, f in rows]
        for i, (ex, _f) in enumerate(rows):
            out[ex.id] = reporting.wording_of(facts, i)
    return out


def _same(a: str, b: str) -> bool:
    return " ".join((a or "").split()) == " ".join((b or "").split())


# -- create and edit ----------------------------------------------------------------------------------
def create_exception(handle: EngagementHandle, ref: str, *, instance: str, deviation: str, planned_control: str = "",
                     exception_type: ExceptionType | str = ExceptionType.execution,
                     effectiveness: Effectiveness | str = Effectiveness.operating, report_wording: str | None = None,
                     source: ExceptionSource | str = ExceptionSource.manual, sample_item_id: int | None = None,
                     difference_id: int | None = None, attribute: str | None = None) -> ControlException:
    """Record an exception. Report wording is generated unless given. A sample deviation names the
    attribute it deviated in (`attribute`, its letter) when the control tests several."""
    with handle.session() as s:
        return add_exception(s, handle.actor, ref, instance=instance, deviation=deviation,
                             planned_control=planned_control, exception_type=exception_type,
                             effectiveness=effectiveness, report_wording=report_wording, source=source,
                             sample_item_id=sample_item_id, difference_id=difference_id, attribute=attribute)


def add_exception(s: Session, actor: str, ref: str, *, instance: str, deviation: str, planned_control: str = "",
                  exception_type: ExceptionType | str = ExceptionType.execution,
                  effectiveness: Effectiveness | str = Effectiveness.operating, report_wording: str | None = None,
                  source: ExceptionSource | str = ExceptionSource.manual, sample_item_id: int | None = None,
                  difference_id: int | None = None, attribute: str | None = None) -> ControlException:
    """`create_exception` inside the caller's session, so a use case that raises an exception for
    something (a contradicted statement) records both in one transaction."""
    source = _enum(ExceptionSource, source, "source")
    etype = _enum(ExceptionType, exception_type, "type")
    eff = _enum(Effectiveness, effectiveness, "effectiveness")
    if not (instance or "").strip():
        raise InvalidInput("instance: name the specific instance that deviated")
    if not (deviation or "").strip():
        raise InvalidInput("deviation: say what actually happened")
    control = find_control(s, ref)
    if source is ExceptionSource.sample:
        item = s.get(SampleItem, sample_item_id) if sample_item_id else None
        if item is None:
            raise NotFound(f"sample item #{sample_item_id} not found")
        sample = s.get(Sample, item.sample_id)
        if sample.control_id != control.id:
            raise InvalidInput(f"sample item #{item.id} belongs to another control")
        if item.result is not SampleResult.deviation:
            raise InvalidInput(f"sample item {item.key}: not marked as a deviation (it is {item.result.value})")
        from fieldwork_tui.services.sampling.testing import deviating_attribute

        attribute_id = deviating_attribute(s, item, attribute)
        if s.exec(select(ControlException).where(ControlException.sample_item_id == item.id,
                                                 ControlException.attribute_id == attribute_id)).first():
            raise InvalidInput(f"sample item {item.key}: an exception is already recorded for it"
                               + (f" in attribute {attribute.strip().upper()}" if attribute else ""))
    else:
        attribute_id = None
    if source is ExceptionSource.reperformance:
        diff = s.get(ReperformanceDifference, difference_id) if difference_id else None
        if diff is None:
            raise NotFound(f"re-performance difference #{difference_id} not found")
        rp = s.get(Reperformance, diff.reperformance_id)
        if rp.control_id != control.id:
            raise InvalidInput(f"re-performance difference #{diff.id} belongs to another control")
        if s.exec(select(ControlException).where(ControlException.difference_id == diff.id)).first():
            raise InvalidInput(f"re-performance difference #{diff.id}: an exception is already recorded for it")
        # the difference is decided: raised as this exception (domain.dispositions)
        diff.disposition = Disposition.exception
        diff.disposition_reason = deviation.strip()
        diff.disposition_evidence_id = None
        diff.disposed_by = actor
        diff.disposed_at = utcnow()
        s.add(diff)
    generated = wording_for(s, control, source, instance, deviation, sample_item_id, difference_id,
                            attribute_id)
    given = (report_wording or "").strip()
    wording, edited = given or generated, bool(given) and not _same(given, generated)
    ex = ControlException(control_id=control.id, source=source, sample_item_id=sample_item_id,
                          attribute_id=attribute_id, difference_id=difference_id, instance=instance.strip(),
                          planned_control=(planned_control or control.description).strip(),
                          deviation=deviation.strip(), exception_type=etype, effectiveness=eff,
                          report_wording=wording, wording_edited=edited, created_by=actor)
    s.add(ex)
    s.flush()
    return ex


def draft_from_sample_item(handle: EngagementHandle, item_id: int) -> dict:
    """Prefilled fields for the exception form from a deviating sample item."""
    with handle.read() as s:
        item = s.get(SampleItem, item_id)
        if item is None:
            raise NotFound(f"sample item #{item_id} not found")
        sample = s.get(Sample, item.sample_id)
        control = s.get(Control, sample.control_id)
        when = f" ({item.occurred_on.isoformat()})" if item.occurred_on else ""
        deviation = item.note or ""
        return {"ref": control.ref, "source": ExceptionSource.sample.value, "sample_item_id": item.id,
                "instance": f"{item.key}{when}", "planned_control": control.description, "deviation": deviation,
                "report_wording": wording_for(s, control, ExceptionSource.sample, item.key, deviation or
                                              "the control did not operate as described", item.id)}


def draft_from_difference(handle: EngagementHandle, difference_id: int) -> dict:
    """Prefilled fields for the exception form from a re-performance difference."""
    with handle.read() as s:
        diff = s.get(ReperformanceDifference, difference_id)
        if diff is None:
            raise NotFound(f"re-performance difference #{difference_id} not found")
        rp = s.get(Reperformance, diff.reperformance_id)
        control = s.get(Control, rp.control_id)
        what = deviation_clause(diff.kind, diff.details, rp.list_a_label, rp.list_b_label)
        return {"ref": control.ref, "source": ExceptionSource.reperformance.value, "difference_id": diff.id,
                "instance": diff.key, "planned_control": control.description, "deviation": what,
                "report_wording": wording_for(s, control, ExceptionSource.reperformance, diff.key, what,
                                              difference_id=diff.id)}


def update_exception(handle: EngagementHandle, exception_id: int, *, expected_version: int | None = None,
                     **fields) -> ControlException:
    """Edit an exception's text or classification (never its source); `report_wording=None` regenerates.
    `expected_version` (services/team: `exception_version`): refused if someone changed it since."""
    allowed = {"instance", "planned_control", "deviation", "exception_type", "effectiveness", "report_wording"}
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(f"exception field {sorted(unknown)[0]!r} cannot be edited")
    with handle.session() as s:
        versions.expect(s, "controlexception", exception_id, expected_version, f"exception #{exception_id}")
        ex = _get(s, exception_id)
        for key in ("instance", "planned_control", "deviation"):
            if key in fields and fields[key] is not None:
                setattr(ex, key, str(fields[key]).strip())
        if not ex.instance or not ex.deviation:
            raise InvalidInput("instance and deviation: both are needed")
        if fields.get("exception_type") is not None:
            ex.exception_type = _enum(ExceptionType, fields["exception_type"], "type")
        if fields.get("effectiveness") is not None:
            ex.effectiveness = _enum(Effectiveness, fields["effectiveness"], "effectiveness")
        if "report_wording" in fields:
            wording = (fields["report_wording"] or "").strip()
            ex.wording_edited = False
            s.add(ex)
            s.flush()
            generated = current_wordings(s, [ex.control_id])[ex.id].generated
            ex.report_wording = wording or generated
            ex.wording_edited = bool(wording) and not _same(wording, generated)
        s.add(ex)
    return ex


# -- management responses -----------------------------------------------------------------------------
def respond(handle: EngagementHandle, exception_id: int, *, root_cause: str, corrective_action: str = "",
            compensating_controls: str = "", remediation_status: RemediationStatus | str = RemediationStatus.not_started,
            remediation_date: dt.date | str | None = None, responder: str = "",
            responded_on: dt.date | str | None = None, expected_version: int | None = None) -> ManagementResponse:
    """Record (or revise) management's response to an exception. `expected_version` (services/team:
    `response_version`, 0 when there was none): refused if someone recorded or changed it since."""
    from fieldwork_tui.store.clock import today

    status = _enum(RemediationStatus, remediation_status, "remediation status")
    if not (root_cause or "").strip():
        raise InvalidInput("root cause: management's response must state the root cause")
    if not (responder or "").strip():
        raise InvalidInput("responder: name who responded for management")
    rdate = _date(remediation_date, "remediation date")
    if status is RemediationStatus.remediated and rdate is None:
        raise InvalidInput("remediation date: a remediated exception needs the date it was remediated")
    on = _date(responded_on, "response date") or today()
    with handle.session() as s:
        ex = _get(s, exception_id)
        resp = s.exec(select(ManagementResponse).where(ManagementResponse.exception_id == ex.id)).first()
        versions.expect(s, "managementresponse", resp.id if resp else None, expected_version,
                        f"the management response to exception #{exception_id}")
        if resp is None:
            resp = ManagementResponse(exception_id=ex.id)
        resp.root_cause = root_cause.strip()
        resp.corrective_action = (corrective_action or "").strip()
        resp.compensating_controls = (compensating_controls or "").strip()
        resp.remediation_status = status
        resp.remediation_date = rdate
        resp.responder = responder.strip()
        resp.responded_on = on
        s.add(resp)
    return resp


def _date(value: dt.date | str | None, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} {text!r}: expected YYYY-MM-DD") from None


def counts(handle: EngagementHandle) -> tuple[int, int]:
    """(total exceptions, exceptions without a management response)."""
    with handle.read() as s:
        total = s.exec(select(func.count()).select_from(ControlException)).one()
        without = s.exec(select(func.count()).select_from(ControlException).where(
            ~ControlException.id.in_(select(ManagementResponse.exception_id)))).one()
        return total, without
