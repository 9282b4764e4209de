"""Attribute testing use cases: a control's test steps, the testing matrix of its sample, rules that
propose cells from the population's columns, the completeness-and-accuracy record that gates those
rules, rule runs over the whole population (a re-performance), and single tests (a Type I
walkthrough, an automated control's test of one).

The rules live in `domain.attributes`, `domain.expressions` and `domain.steps_library`; this module
reads and writes the engagement and returns plain frozen views. Every cell write recomputes the
item's derived result into `sampleitem.result` (one rule, `domain.attributes.item_result`), so the
flags, the exceptions register, the status and the bundle keep counting items from one column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources

from sqlalchemy import insert
from sqlmodel import Session, select

from fieldwork_tui.domain import attributes as rules
from fieldwork_tui.domain import expressions, steps_library
from fieldwork_tui.domain import selection as sel
from fieldwork_tui.domain.reporting import items_noun
from fieldwork_tui.domain.vocab import DifferenceKind, SampleKind, SampleResult
from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.sampling import draws, populations
from fieldwork_tui.services.sampling.views import (
    AttributeView,
    MatrixItem,
    MatrixView,
    ProposalSummary,
    RuleRun,
    SingleTestView,
    StepsView,
)
from fieldwork_tui.store import journal, paths
from fieldwork_tui.store.clock import today
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import (
    AttributeResult,
    Control,
    Engagement,
    EvidenceControl,
    EvidenceFile,
    Population,
    PopulationExtract,
    Reperformance,
    ReperformanceDifference,
    Sample,
    SampleItem,
    SingleTest,
    TestAttribute,
    TestProcedure,
    utcnow,
)

R = SampleResult
CONFIG_FILE = "test_steps.toml"
_KEEP = object()
_DIFF_TABLE = ReperformanceDifference.__table__  # type: ignore[attr-defined]


# -- the firm library ---------------------------------------------------------------------------------------
def library() -> dict[str, steps_library.LibraryEntry]:
    """The shipped library with the firm's `test_steps.toml` (config dir) replacing or adding entries."""
    text = resources.files("fieldwork_tui.domain").joinpath(steps_library.RESOURCE).read_text(encoding="utf-8")
    shipped = steps_library.library_from_toml(text, f"shipped {steps_library.RESOURCE}")
    path = paths.config_dir() / CONFIG_FILE
    if not path.is_file():
        return steps_library.merged(shipped, {})
    try:
        firm_text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read ({exc.__class__.__name__})") from None
    try:
        firm = steps_library.library_from_toml(firm_text, str(path))
    except steps_library.LibraryError as exc:
        raise InvalidInput(str(exc)) from None
    return steps_library.merged(shipped, firm)


# -- reading ----------------------------------------------------------------------------------------------
def _control_attributes(session: Session, control_id: int) -> list[TestAttribute]:
    return list(session.exec(select(TestAttribute).where(TestAttribute.control_id == control_id)
                             .order_by(TestAttribute.position, TestAttribute.letter)))


def _steps_view(session: Session, control: Control) -> StepsView:
    proc = session.exec(select(TestProcedure).where(TestProcedure.control_id == control.id)).first()
    attrs = _control_attributes(session, control.id)
    return StepsView(control.ref, proc.objective if proc else "",
                     tuple(AttributeView(a.id, a.letter, a.description, a.deviation, a.rule, a.position) for a in attrs),
                     proc.source if proc else "")


def get_steps(handle: EngagementHandle, ref: str) -> StepsView:
    with handle.read() as s:
        return _steps_view(s, find_control(s, ref))


def _latest_initial(session: Session, control_id: int) -> Sample | None:
    return session.exec(select(Sample).where(Sample.control_id == control_id, Sample.kind == SampleKind.initial)
                        .order_by(Sample.id.desc())).first()


def _sample_items(session: Session, initial: Sample) -> tuple[list[SampleItem], dict[int, str]]:
    ids = [initial.id, *session.exec(select(Sample.id).where(Sample.parent_id == initial.id).order_by(Sample.id))]
    kinds = {sid: ("initial" if sid == initial.id else "expansion") for sid in ids}
    items = list(session.exec(select(SampleItem).where(SampleItem.sample_id.in_(ids))
                              .order_by(SampleItem.sample_id, SampleItem.position)))
    return items, kinds


def _cells(session: Session, item_ids: Sequence[int]) -> dict[tuple[int, int], AttributeResult]:
    out: dict[tuple[int, int], AttributeResult] = {}
    for i in range(0, len(item_ids), 500):
        chunk = list(item_ids[i : i + 500])
        for c in session.exec(select(AttributeResult).where(AttributeResult.item_id.in_(chunk))):
            out[(c.item_id, c.attribute_id)] = c
    return out


def _cell(row: AttributeResult | None) -> rules.Cell:
    if row is None:
        return rules.Cell()
    return rules.Cell(row.result, row.proposed, row.note, row.evidence_id, row.seen_in_extract, row.reason)


def _extract(session: Session, pop: Population | None) -> rules.ExtractRecord:
    if pop is None:
        return rules.ExtractRecord()
    rec = session.exec(select(PopulationExtract).where(PopulationExtract.population_id == pop.id)).first()
    return rules.ExtractRecord(rec.source_system if rec else "", rec.query if rec else "", pop.row_count,
                               pop.expected_count, rec.reconciliation_note if rec else "",
                               rec.recorded_by if rec else "")


def _matrix_item(item: SampleItem, kind: str, attrs: Sequence[TestAttribute],
                 cells: Mapping[tuple[int, int], AttributeResult], position: int) -> MatrixItem:
    row_cells = tuple(_cell(cells.get((item.id, a.id))) for a in attrs)
    return MatrixItem(item.id, position, item.key, item.occurred_on.isoformat() if item.occurred_on else "", kind,
                      row_cells, rules.item_result(row_cells), item.note, item.evidence_id,
                      {str(k): "" if v is None else str(v) for k, v in (item.attributes or {}).items()})


def _matrix(session: Session, control: Control) -> MatrixView:
    eng = session.exec(select(Engagement)).one()
    steps = _steps_view(session, control)
    attrs = _control_attributes(session, control.id)
    approach = rules.testing_approach(eng.type, control.nature, control.frequency)
    noun = items_noun(control.title, control.description)
    initial = _latest_initial(session, control.id)
    pop = (session.get(Population, initial.population_id) if initial is not None
           else populations.latest_population(session, control.id))
    columns = tuple(pop.columns) if pop else ()
    _bound, problems = rules.bind_rules(steps.spec(), columns) if pop else ({}, {})
    items: list[MatrixItem] = []
    if initial is not None:
        sample_items, kinds = _sample_items(session, initial)
        cells = _cells(session, [i.id for i in sample_items])
        items = [_matrix_item(it, kinds[it.sample_id], attrs, cells, n)
                 for n, it in enumerate(sample_items, start=1)]
    letters = steps.letters()
    counts = rules.matrix_counts(letters, [dict(zip(letters, it.cells, strict=True)) for it in items])
    wordings = tuple(rules.attribute_wordings(steps.spec(), counts, noun))
    return MatrixView(control.ref, steps, tuple(items), counts, wordings, noun, approach,
                      sample_id=initial.id if initial else None, population_id=pop.id if pop else None,
                      population_sha256=pop.sha256 if pop else "", population_source=pop.source_name if pop else "",
                      columns=columns, extract=_extract(session, pop), rule_problems=problems)


def matrix_in(session: Session, control: Control) -> MatrixView:
    """The testing matrix inside the caller's read (the bundle reads every control in one snapshot)."""
    return _matrix(session, control)


def matrix(handle: EngagementHandle, ref: str) -> MatrixView:
    """The control's steps and the testing matrix of its latest sample (with expansions)."""
    with handle.read() as s:
        return _matrix(s, find_control(s, ref))


# -- test steps -------------------------------------------------------------------------------------------
def _specs(attributes: Iterable[rules.AttributeSpec | Mapping]) -> list[rules.AttributeSpec]:
    out = []
    for i, a in enumerate(attributes):
        if isinstance(a, rules.AttributeSpec):
            out.append(a)
            continue
        try:
            out.append(rules.AttributeSpec((a.get("letter") or rules.letter(i)).strip().upper(),
                                           " ".join(str(a.get("description", "")).split()),
                                           " ".join(str(a.get("deviation", "")).split()),
                                           " ".join(str(a.get("rule", "")).split())))
        except rules.StepsError as exc:
            raise InvalidInput(str(exc)) from None
    return out


def set_steps(handle: EngagementHandle, ref: str, objective: str,
              attributes: Sequence[rules.AttributeSpec | Mapping], *, source: str = "manual",
              drop_results: bool = False) -> StepsView:
    """Set a control's test objective and attributes (the one entry point: the TUI, the CLI, the
    control-matrix import and the library all come through here).

    Attributes are identified by letter: a kept letter keeps its cells (a changed rule withdraws its
    unconfirmed proposals), a new letter starts untested, and a letter dropped while it holds
    confirmed results is refused unless `drop_results`. Rules are checked against the population's
    columns when the control has one."""
    specs = _specs(attributes)
    steps = rules.ControlSteps(" ".join((objective or "").split()), tuple(specs))
    with handle.session() as s:
        control = find_control(s, ref)
        pop = populations.latest_population(s, control.id)
        existing = {a.letter: a for a in _control_attributes(s, control.id)}
        problems = rules.validate_steps(steps)
        if pop is not None:  # a new or changed rule must run on the population; a kept one is reported in the matrix
            for a in specs:
                old = existing.get(a.letter)
                if a.rule and (old is None or old.rule != a.rule):
                    reason = expressions.check(a.rule, pop.columns)
                    if reason:
                        problems.append(f"attribute {a.letter}: rule {reason}")
        if problems:
            raise InvalidInput(f"{control.ref}: {problems[0]}")
        wanted = {a.letter for a in specs}
        for letter, attr in existing.items():
            if letter in wanted:
                continue
            confirmed = s.exec(select(AttributeResult).where(AttributeResult.attribute_id == attr.id,
                                                             AttributeResult.proposed.is_(False),
                                                             AttributeResult.result != R.untested)).first()
            if confirmed is not None and not drop_results:
                raise InvalidInput(f"{control.ref}: attribute {letter} holds test results; removing it deletes them "
                                   f"(confirm with --drop-results)")
            for cell in s.exec(select(AttributeResult).where(AttributeResult.attribute_id == attr.id)):
                s.delete(cell)
            s.flush()
            s.delete(attr)
        s.flush()
        for position, spec in enumerate(specs):
            attr = existing.get(spec.letter)
            if attr is None:
                s.add(TestAttribute(control_id=control.id, position=position, letter=spec.letter,
                                    description=spec.description, deviation=spec.deviation, rule=spec.rule))
                continue
            if attr.rule != spec.rule:
                for cell in s.exec(select(AttributeResult).where(AttributeResult.attribute_id == attr.id,
                                                                 AttributeResult.proposed.is_(True))):
                    cell.result, cell.proposed, cell.reason = R.untested, False, ""
                    s.add(cell)
            attr.position, attr.description, attr.deviation, attr.rule = (position, spec.description, spec.deviation,
                                                                          spec.rule)
            s.add(attr)
        proc = s.exec(select(TestProcedure).where(TestProcedure.control_id == control.id)).first()
        if proc is None:
            proc = TestProcedure(control_id=control.id)
        proc.objective, proc.source, proc.updated_by, proc.updated_at = steps.objective, source, handle.actor, utcnow()
        s.add(proc)
        s.flush()
        _rederive_control(s, control)
        ref = control.ref
    propose_if_offered(handle, ref)  # a new or changed rule proposes at once (never over a person's result)
    return get_steps(handle, ref)


def set_steps_from_text(handle: EngagementHandle, ref: str, text: str, *, objective: str = "",
                        source: str = "import") -> StepsView:
    """Steps from a control matrix's "Test procedures" / "Test attributes" cell (one attribute per
    line, an optional "Objective: ..." line; see `domain.attributes.steps_from_text`). Attributes
    already on the control keep their deviation wording and rule when the letter and description
    are unchanged."""
    try:
        steps = rules.steps_from_text(text, objective=objective, source=f"{ref}: test procedures")
    except rules.StepsError as exc:
        raise InvalidInput(str(exc)) from None
    current = {a.letter: a for a in get_steps(handle, ref).attributes}
    specs = []
    for a in steps.attributes:
        old = current.get(a.letter)
        keep = old is not None and old.description == a.description
        specs.append(rules.AttributeSpec(a.letter, a.description, old.deviation if keep else "",
                                         old.rule if keep else ""))
    return set_steps(handle, ref, steps.objective, specs, source=source)


def steps_from_library(handle: EngagementHandle, ref: str, entry_id: str | None = None,
                       lib: Mapping[str, steps_library.LibraryEntry] | None = None) -> StepsView:
    """Give a control the library's steps (the matching entry, or `entry_id`). Rules whose columns the
    population lacks are dropped (the auditor writes them for this client's extract)."""
    lib = library() if lib is None else lib
    with handle.read() as s:
        control = find_control(s, ref)
        pop = populations.latest_population(s, control.id)
    if entry_id is not None:
        if entry_id not in lib:
            raise InvalidInput(f"library entry {entry_id!r}: expected one of {', '.join(lib)}")
        entry = lib[entry_id]
    else:
        entry = steps_library.match_entry(lib, control.title, control.description, control.criteria)
        if entry is None:
            raise InvalidInput(f"{control.ref}: no library entry fits this control; choose one of {', '.join(lib)}")
    specs = list(entry.steps.attributes)
    if pop is not None:
        specs = [a if not a.rule or expressions.check(a.rule, pop.columns) is None
                 else rules.AttributeSpec(a.letter, a.description, a.deviation, "") for a in specs]
    return set_steps(handle, control.ref, entry.steps.objective, specs, source=f"library:{entry.id}")


def apply_library(handle: EngagementHandle, refs: Iterable[str] | None = None,
                  lib: Mapping[str, steps_library.LibraryEntry] | None = None) -> list[tuple[str, str]]:
    """Give every control without test steps (or only `refs`) the library entry that fits it; returns
    (ref, entry id) for each control that took one. `lib`: the library already read."""
    lib = library() if lib is None else lib
    with handle.read() as s:
        controls = list(s.exec(select(Control).order_by(Control.ref)))
        have = set(s.exec(select(TestAttribute.control_id)))
    wanted = {r.strip().upper() for r in refs} if refs is not None else None
    done = []
    for c in controls:
        if c.id in have or (wanted is not None and c.ref.upper() not in wanted):
            continue
        entry = steps_library.match_entry(lib, c.title, c.description, c.criteria)
        if entry is not None:
            steps_from_library(handle, c.ref, entry.id, lib)
            done.append((c.ref, entry.id))
    return done


def library_steps_for_new(session: Session, controls: Sequence[Control],
                          lib: Mapping[str, steps_library.LibraryEntry], actor: str) -> int:
    """Inside the caller's transaction (the control-matrix import): controls just created — no population,
    no attributes yet — take the library entry that fits them. Returns how many took one."""
    took = 0
    for c in controls:
        entry = steps_library.match_entry(lib, c.title, c.description, c.criteria)
        if entry is None or rules.validate_steps(entry.steps):
            continue
        for position, spec in enumerate(entry.steps.attributes):
            session.add(TestAttribute(control_id=c.id, position=position, letter=spec.letter,
                                      description=spec.description, deviation=spec.deviation, rule=spec.rule))
        session.add(TestProcedure(control_id=c.id, objective=entry.steps.objective, source=f"library:{entry.id}",
                                  updated_by=actor, updated_at=utcnow()))
        took += 1
    session.flush()
    return took


def ensure_steps(session: Session, control: Control) -> list[TestAttribute]:
    """The control's attributes; a control sampled without any gets one attribute "Overall" (as the
    migration gives controls tested before attributes existed)."""
    attrs = _control_attributes(session, control.id)
    if attrs:
        return attrs
    session.add(TestAttribute(control_id=control.id, position=0, letter=rules.OVERALL_LETTER,
                              description=rules.OVERALL_DESCRIPTION))
    if session.exec(select(TestProcedure).where(TestProcedure.control_id == control.id)).first() is None:
        session.add(TestProcedure(control_id=control.id, source="default"))
    session.flush()
    return _control_attributes(session, control.id)


# -- deriving the item's result ------------------------------------------------------------------------------
def _rederive(session: Session, item: SampleItem, attrs: Sequence[TestAttribute]) -> SampleResult:
    rows = {c.attribute_id: c for c in session.exec(select(AttributeResult).where(AttributeResult.item_id == item.id))}
    cells = [_cell(rows.get(a.id)) for a in attrs]
    result = rules.item_result(cells)
    if item.result is not result:
        item.result = result
        confirmed = [rows[a.id] for a in attrs if a.id in rows and _cell(rows[a.id]).confirmed]
        latest = max(confirmed, key=lambda c: c.tested_at or dt.datetime.min.replace(tzinfo=dt.UTC), default=None)
        item.tested_by = latest.tested_by if latest and result is not R.untested else ""
        item.tested_at = latest.tested_at if latest and result is not R.untested else None
        session.add(item)
    return result


def _rederive_control(session: Session, control: Control) -> None:
    attrs = _control_attributes(session, control.id)
    initial = _latest_initial(session, control.id)
    if initial is None:
        return
    items, _ = _sample_items(session, initial)
    if not attrs:
        return
    for item in items:
        _rederive(session, item, attrs)


# -- cells ------------------------------------------------------------------------------------------------
def _item_context(session: Session, item_id: int) -> tuple[SampleItem, Sample, Control]:
    item = session.get(SampleItem, item_id)
    if item is None:
        raise NotFound(f"sample item #{item_id} not found")
    sample = session.get(Sample, item.sample_id)
    return item, sample, session.get(Control, sample.control_id)


def _attribute(attrs: Sequence[TestAttribute], letter: str, ref: str) -> TestAttribute:
    for a in attrs:
        if a.letter == (letter or "").strip().upper():
            return a
    raise InvalidInput(f"{ref}: no attribute {letter!r} (attributes: {', '.join(a.letter for a in attrs) or 'none'})")


def _evidence_of_control(session: Session, control: Control, evidence_id: int) -> None:
    if session.get(EvidenceFile, evidence_id) is None:
        raise NotFound(f"evidence file #{evidence_id} not found")
    link = session.exec(select(EvidenceControl).where(EvidenceControl.evidence_id == evidence_id,
                                                      EvidenceControl.control_id == control.id)).first()
    if link is None:
        raise InvalidInput(f"evidence #{evidence_id} is not linked to {control.ref} (attach or link it first)")


def _view_item(session: Session, item: SampleItem, sample: Sample, attrs: Sequence[TestAttribute]) -> MatrixItem:
    cells = _cells(session, [item.id])
    kind = "initial" if sample.kind is SampleKind.initial else "expansion"
    position = item.position
    return _matrix_item(item, kind, attrs, cells, position)


def require_testable(session: Session, item: SampleItem, control: Control) -> None:
    """THE rule for every result written to an item (a cell, a row, the whole item, a confirmed
    proposal, the testing workbook): an item dated outside the audit period or after today cannot
    be tested; it is replaced in rank order instead (samples.replace_untestable)."""
    why = sel.untestable(item.occurred_on, draws.period_of(session), today=today())
    if why is not None:
        raise InvalidInput(f"{item.key} cannot be tested: {why.text}; replace it with the next item in rank order "
                           f"(r on the Sampling tab, or fieldwork sample ENGAGEMENT {control.ref} --replace-untestable)")


def _testable(session: Session, items: Sequence[SampleItem]) -> list[SampleItem]:
    """The items a result may be written to (rules propose nothing for the others)."""
    period, day = draws.period_of(session), today()
    return [i for i in items if sel.untestable(i.occurred_on, period, today=day) is None]


def _result(value: SampleResult | str) -> SampleResult:
    try:
        return SampleResult(value)
    except ValueError:
        words = {"pass": R.passed, "p": R.passed, "dev": R.deviation, "d": R.deviation, "n/a": R.not_applicable,
                 "na": R.not_applicable, "n": R.not_applicable, "u": R.untested}
        if str(value).strip().lower() in words:
            return words[str(value).strip().lower()]
        raise InvalidInput(f"result {value!r}: expected pass, deviation, n/a or untested") from None


def set_cell(handle: EngagementHandle, item_id: int, letter: str, result: SampleResult | str, *,
             note: str | None = None, evidence_id: int | None | object = _KEEP,
             seen_in_extract: bool | None = None) -> MatrixItem:
    """A person's result for one item and attribute (a confirmed cell). A pass needs its basis: an
    evidence reference (the cell's or the item's) or "seen in the population extract"; pressing pass
    on a rule's proposed pass confirms it, and the rule read the extract."""
    chosen = _result(result)
    with handle.session() as s:
        item, sample, control = _item_context(s, item_id)
        if chosen is not R.untested:
            require_testable(s, item, control)
        attrs = ensure_steps(s, control)
        attr = _attribute(attrs, letter, control.ref)
        cell = s.exec(select(AttributeResult).where(AttributeResult.item_id == item.id,
                                                    AttributeResult.attribute_id == attr.id)).first()
        if cell is None:
            cell = AttributeResult(item_id=item.id, attribute_id=attr.id)
        if evidence_id is not _KEEP:
            if evidence_id is not None:
                _evidence_of_control(s, control, int(evidence_id))  # type: ignore[arg-type]
            cell.evidence_id = evidence_id  # type: ignore[assignment]
        if seen_in_extract is not None:
            cell.seen_in_extract = seen_in_extract
        if cell.proposed and cell.result is R.passed and chosen is R.passed:
            cell.seen_in_extract = True
        if chosen is R.passed:
            problem = rules.pass_basis_problem(_cell(cell), item.evidence_id)
            if problem:
                raise InvalidInput(f"{control.ref} {item.key} · {attr.letter}: {problem}")
        cell.result, cell.proposed = chosen, False
        if chosen is not R.untested:
            cell.tested_by, cell.tested_at = handle.actor, utcnow()
        else:
            cell.tested_by, cell.tested_at, cell.reason = "", None, ""
        if note is not None:
            cell.note = note.strip()
        s.add(cell)
        s.flush()
        _rederive(s, item, attrs)
        s.flush()
        return _view_item(s, item, sample, attrs)


def pass_row(handle: EngagementHandle, item_id: int, *, seen_in_extract: bool = False) -> MatrixItem:
    """Every attribute of the item passes. Each cell needs its basis (its own evidence, the item's,
    a confirmed rule proposal, or `seen_in_extract` for the whole row); otherwise nothing is written
    and the message names the attributes lacking one."""
    with handle.session() as s:
        item, sample, control = _item_context(s, item_id)
        require_testable(s, item, control)
        attrs = ensure_steps(s, control)
        rows = {c.attribute_id: c for c in s.exec(select(AttributeResult).where(AttributeResult.item_id == item.id))}
        lacking = []
        for a in attrs:
            cell = rows.get(a.id) or AttributeResult(item_id=item.id, attribute_id=a.id)
            if cell.proposed and cell.result is R.passed:
                cell.seen_in_extract = True
            if seen_in_extract:
                cell.seen_in_extract = True
            if rules.pass_basis_problem(_cell(cell), item.evidence_id):
                lacking.append(a.letter)
            rows[a.id] = cell
        if lacking:
            raise InvalidInput(f"{control.ref} {item.key}: a pass needs an evidence reference or an explicit 'seen in "
                               f"the population extract' (attribute{'s' if len(lacking) > 1 else ''} "
                               f"{', '.join(lacking)})")
        now = utcnow()
        for a in attrs:
            cell = rows[a.id]
            cell.result, cell.proposed, cell.tested_by, cell.tested_at = R.passed, False, handle.actor, now
            s.add(cell)
        s.flush()
        _rederive(s, item, attrs)
        s.flush()
        return _view_item(s, item, sample, attrs)


def mark_item(handle: EngagementHandle, item_id: int, result: SampleResult | str, note: str | None = None, *,
              seen_in_extract: bool = False) -> SampleItem:
    """The whole item at once (the one-result flow of a control that tests one attribute, e.g. the
    migrated "Overall"): pass sets every attribute (each needs its basis: evidence on the cell or the
    item, a rule's proposed pass, or `seen_in_extract`), n/a and untested set every attribute; a
    deviation needs the attribute when the control tests several. `note` is the item's note."""
    chosen = _result(result)
    with handle.session() as s:
        item, _sample, control = _item_context(s, item_id)
        if chosen is not R.untested:
            require_testable(s, item, control)
        attrs = ensure_steps(s, control)
        if chosen is R.deviation and len(attrs) > 1:
            raise InvalidInput(f"{control.ref} {item.key}: {control.ref} tests {len(attrs)} attributes "
                               f"({', '.join(a.letter for a in attrs)}): mark the deviation in its attribute")
        rows = {c.attribute_id: c for c in s.exec(select(AttributeResult).where(AttributeResult.item_id == item.id))}
        now = utcnow()
        lacking = []
        for a in attrs:
            cell = rows.get(a.id) or AttributeResult(item_id=item.id, attribute_id=a.id)
            if chosen is R.passed:
                cell.seen_in_extract = cell.seen_in_extract or seen_in_extract or (cell.proposed and cell.result is R.passed)
                if rules.pass_basis_problem(_cell(cell), item.evidence_id):
                    lacking.append(a.letter)
            cell.result, cell.proposed = chosen, False
            cell.tested_by, cell.tested_at = (handle.actor, now) if chosen is not R.untested else ("", None)
            rows[a.id] = cell
        if lacking:
            raise InvalidInput(f"{control.ref} {item.key}: a pass needs an evidence reference or an explicit 'seen in "
                               f"the population extract' (attribute{'s' if len(lacking) > 1 else ''} "
                               f"{', '.join(lacking)})")
        for cell in rows.values():
            s.add(cell)
        if note is not None:
            item.note = note.strip()
            s.add(item)
        s.flush()
        _rederive(s, item, attrs)
        s.flush()
        s.refresh(item)
        return item


def set_cell_note(handle: EngagementHandle, item_id: int, letter: str, note: str) -> MatrixItem:
    with handle.session() as s:
        item, sample, control = _item_context(s, item_id)
        attrs = ensure_steps(s, control)
        attr = _attribute(attrs, letter, control.ref)
        cell = s.exec(select(AttributeResult).where(AttributeResult.item_id == item.id,
                                                    AttributeResult.attribute_id == attr.id)).first()
        if cell is None:
            cell = AttributeResult(item_id=item.id, attribute_id=attr.id)
        cell.note = (note or "").strip()
        s.add(cell)
        s.flush()
        return _view_item(s, item, sample, attrs)


def confirm(handle: EngagementHandle, ref: str, letter: str | None = None,
            item_ids: Iterable[int] | None = None) -> int:
    """Confirm the rules' proposals: of one attribute (`letter`) or all, for the given items or the
    whole sample. A confirmed proposal counts as tested; a confirmed pass's basis is the population
    extract the rule read. Returns how many cells were confirmed."""
    with handle.session() as s:
        control = find_control(s, ref)
        attrs = _control_attributes(s, control.id)
        chosen = [_attribute(attrs, letter, control.ref)] if letter else attrs
        initial = _latest_initial(s, control.id)
        if initial is None:
            raise InvalidInput(f"{control.ref}: no sample yet")
        items, _ = _sample_items(s, initial)
        wanted = set(item_ids) if item_ids is not None else None
        items = _testable(s, [i for i in items if wanted is None or i.id in wanted])
        ids = [i.id for i in items]
        attr_ids = {a.id for a in chosen}
        now = utcnow()
        n = 0
        for (_item_id, attr_id), cell in _cells(s, ids).items():
            if attr_id in attr_ids and cell.proposed and cell.result is not R.untested:
                cell.proposed, cell.tested_by, cell.tested_at = False, handle.actor, now
                if cell.result is R.passed:
                    cell.seen_in_extract = True
                s.add(cell)
                n += 1
        s.flush()
        for item in items:
            _rederive(s, item, attrs)
        if n:
            journal.record(s, "confirm", "attributeresult", control.ref,
                           {"control": control.ref, "attributes": sorted(a.letter for a in chosen), "cells": n})
        return n


# -- rules --------------------------------------------------------------------------------------------------
def _require_ipe(session: Session, control: Control, pop: Population | None) -> None:
    if pop is None:
        raise InvalidInput(f"{control.ref}: no population imported yet; rules read the population's columns")
    rec = _extract(session, pop)
    if not rules.rules_offered(rec):
        raise InvalidInput(f"{control.ref}: {rules.ipe_message(rec)} (fieldwork testing extract ENGAGEMENT "
                           f"{control.ref} --source-system ... --query ... --client-count N)")


def propose(handle: EngagementHandle, ref: str) -> ProposalSummary:
    """Let the attributes' rules propose the cells of every sampled item from its population columns.
    Confirmed cells are never touched; a proposal stays proposed until a person confirms it."""
    with handle.session() as s:
        control = find_control(s, ref)
        initial = _latest_initial(s, control.id)
        if initial is None:
            raise InvalidInput(f"{control.ref}: no sample yet; take the sample first")
        pop = s.get(Population, initial.population_id)
        _require_ipe(s, control, pop)
        steps = _steps_view(s, control)
        bound, skipped = rules.bind_rules(steps.spec(), pop.columns)
        if not bound:
            raise InvalidInput(f"{control.ref}: no attribute has a rule that can run"
                               + (f" ({next(iter(skipped.values()))})" if skipped else ""))
        attrs = {a.letter: a for a in _control_attributes(s, control.id)}
        items = _testable(s, _sample_items(s, initial)[0])
        cells = _cells(s, [i.id for i in items])
        counts = {lt: [0, 0, 0] for lt in bound}
        kept = 0
        for item in items:
            row = [str((item.attributes or {}).get(c, "") or "") for c in pop.columns]
            for lt, rule in bound.items():
                attr = attrs[lt]
                cell = cells.get((item.id, attr.id))
                if cell is not None and not cell.proposed and cell.result is not R.untested:
                    kept += 1
                    continue
                verdict = expressions.evaluate(rule, row)
                proposal = rules.proposal(verdict)
                counts[lt][{R.passed: 0, R.deviation: 1, R.untested: 2}[proposal]] += 1
                if cell is None:
                    cell = AttributeResult(item_id=item.id, attribute_id=attr.id)
                cell.result, cell.proposed, cell.reason = proposal, proposal is not R.untested, verdict.reason
                s.add(cell)
        s.flush()
        all_attrs = list(attrs.values())
        for item in items:
            _rederive(s, item, all_attrs)
        return ProposalSummary(control.ref, {lt: tuple(v) for lt, v in counts.items()}, skipped, kept)


def propose_if_offered(handle: EngagementHandle, ref: str) -> ProposalSummary | None:
    """Propose whenever the rules may run (after a selection, an expansion, the extract record or a
    rule change): None when there is no sample, the extract record is incomplete or no rule can run."""
    with handle.read() as s:
        control = find_control(s, ref)
        initial = _latest_initial(s, control.id)
        if initial is None:
            return None
        pop = s.get(Population, initial.population_id)
        if not rules.rules_offered(_extract(s, pop)):
            return None
        bound, _ = rules.bind_rules(_steps_view(s, control).spec(), pop.columns)
        if not bound:
            return None
    return propose(handle, ref)


def record_extract(handle: EngagementHandle, ref: str, *, source_system: str, query: str,
                   client_count: int | None = None, note: str = "") -> rules.ExtractRecord:
    """Record how the client produced the control's latest population: the source system, the query or
    parameters, and (when given) the count the client stated, which the import's row count reconciles to."""
    if client_count is not None and client_count < 0:
        raise InvalidInput(f"--client-count: expected 0 or more, got {client_count}")
    with handle.session() as s:
        control = find_control(s, ref)
        pop = populations.latest_population(s, control.id)
        if pop is None:
            raise InvalidInput(f"{control.ref}: no population imported yet")
        if not (source_system or "").strip():
            raise InvalidInput("source system: name the system the client extracted the population from")
        if not (query or "").strip():
            raise InvalidInput("query: the query, report or parameters the client used")
        rec = s.exec(select(PopulationExtract).where(PopulationExtract.population_id == pop.id)).first()
        if rec is None:
            rec = PopulationExtract(population_id=pop.id)
        rec.source_system, rec.query = " ".join(source_system.split()), query.strip()
        rec.reconciliation_note, rec.recorded_by, rec.recorded_at = (note or "").strip(), handle.actor, utcnow()
        s.add(rec)
        if client_count is not None and client_count != pop.expected_count:
            pop.expected_count = client_count
            s.add(pop)
        s.flush()
        rec = _extract(s, pop)
    propose_if_offered(handle, ref)
    return rec


def run_over_population(handle: EngagementHandle, ref: str, letters: Sequence[str] | None = None) -> list[RuleRun]:
    """Run attributes' rules over every row of the population: a re-performance, recorded as one per
    attribute, whose differences are the rows the rule does not meet or cannot decide. Rows stream
    through in one transaction (all or nothing), differences are inserted in batches.

    The differences are re-performance differences like a comparison's (kind `rule`): each needs a
    disposition through `services.evidence.reperformance.resolve_differences` (exception, explained,
    not a deviation) and keeps the control flagged `unresolved_differences` until it has one. A
    difference raised as an exception is worded from its attribute ("For 1 of 300 changes tested,
    the change was deployed before it was approved.")."""
    with handle.session() as s:
        control = find_control(s, ref)
        pop = populations.latest_population(s, control.id)
        _require_ipe(s, control, pop)
        steps = _steps_view(s, control).spec()
        bound, skipped = rules.bind_rules(steps, pop.columns)
        if letters:
            want = list(dict.fromkeys(lt.strip().upper() for lt in letters))
            for lt in want:
                if lt in skipped:
                    raise InvalidInput(f"{control.ref}: attribute {lt}: rule {skipped[lt]}")
                if lt not in bound:
                    raise InvalidInput(f"{control.ref}: attribute {lt} has no rule")
            bound = {lt: bound[lt] for lt in want}
        if not bound:
            raise InvalidInput(f"{control.ref}: no attribute has a rule that can run")
        source = s.exec(select(EvidenceFile).where(EvidenceFile.sha256 == pop.source_sha256)
                        .order_by(EvidenceFile.id)).first()
        records: dict[str, Reperformance] = {}
        for lt, rule in bound.items():
            attr = steps.by_letter(lt)
            rp = Reperformance(
                control_id=control.id, title=f"Rule {lt} over the whole population: {rule.text}",
                list_a_evidence_id=source.id if source else None, list_b_evidence_id=None,
                list_a_label=f"population {pop.source_name}", list_b_label=f"attribute {lt} ({attr.description})",
                key_a=pop.key_column, key_b="", options={}, performed_by=handle.actor)
            s.add(rp)
            records[lt] = rp
        s.flush()
        counts = {lt: [0, 0, 0] for lt in bound}  # met, not met, undecided
        clauses = {lt: {met: steps.by_letter(lt).rule_difference_clause(met) for met in (False, None)}
                   for lt in bound}
        batch: list[dict] = []
        rows = 0
        for key, _day, data in populations.iter_rows(s, pop.id):
            rows += 1
            for lt, rule in bound.items():
                verdict = expressions.evaluate(rule, data)
                if verdict.met is True:
                    counts[lt][0] += 1
                    continue
                counts[lt][1 if verdict.met is False else 2] += 1
                batch.append({"reperformance_id": records[lt].id, "kind": DifferenceKind.rule.value, "key": key,
                              "details": {"attribute": lt, "rule": rule.text,
                                          "outcome": "not met" if verdict.met is False else "undecided",
                                          "reason": verdict.reason, "deviation": clauses[lt][verdict.met]}})
            if len(batch) >= 5000:
                s.connection().execute(insert(_DIFF_TABLE), batch)
                batch.clear()
        if batch:
            s.connection().execute(insert(_DIFF_TABLE), batch)
        out = []
        for lt, rp in records.items():
            met, not_met, undecided = counts[lt]
            rp.count_a, rp.count_b, rp.differing = rows, met, not_met + undecided
            rp.options = {"kind": "attribute_rule", "attribute": lt, "rule": bound[lt].text, "population_id": pop.id,
                          "population_sha256": pop.sha256, "met": met, "not_met": not_met, "undecided": undecided,
                          "compared": rows}
            s.add(rp)
            journal.record(s, "create", "reperformancedifference", rp.id,
                           {"reperformance_id": rp.id, "attribute": lt, "rule": bound[lt].text, "rows": rows,
                            "met": met, "not_met": not_met, "undecided": undecided})
            out.append(RuleRun(rp.id, lt, bound[lt].text, rows, met, not_met, undecided))
        return out


# -- single tests (Type I walkthrough, automated test of one) ---------------------------------------------------
def _single_view(session: Session, control: Control) -> SingleTestView:
    eng = session.exec(select(Engagement)).one()
    approach = rules.testing_approach(eng.type, control.nature, control.frequency)
    row = session.exec(select(SingleTest).where(SingleTest.control_id == control.id)).first()
    if row is None:
        return SingleTestView(control.ref, approach, None, ())
    t = rules.SingleTest(row.kind, row.instance, row.performed_on.isoformat() if row.performed_on else "",
                         row.description, row.configuration, tuple(row.itgc_refs), row.itgc_basis,
                         tuple(row.evidence_ids), row.result)
    return SingleTestView(control.ref, approach, t, tuple(rules.single_test_problems(t)), row.performed_by)


def single_test_in(session: Session, control: Control) -> SingleTestView:
    """The control's walkthrough or test of one inside the caller's read (for the bundle)."""
    return _single_view(session, control)


def single_test(handle: EngagementHandle, ref: str) -> SingleTestView:
    with handle.read() as s:
        return _single_view(s, find_control(s, ref))


def record_single_test(handle: EngagementHandle, ref: str, *, instance: str, performed_on: dt.date | str,
                       description: str, result: SampleResult | str, configuration: str = "",
                       itgc_refs: Sequence[str] = (), itgc_basis: str = "",
                       evidence_ids: Sequence[int] = ()) -> SingleTestView:
    """Record the walkthrough (Type I) or test of one (automated control) of `ref`; the approach follows
    the engagement type and the control's nature. Refused while it lacks what it needs
    (domain.attributes.single_test_problems), naming the field."""
    chosen = _result(result)
    if isinstance(performed_on, str):
        try:
            performed_on = dt.date.fromisoformat(performed_on.strip())
        except ValueError:
            raise InvalidInput(f"date {performed_on!r}: expected YYYY-MM-DD") from None
    with handle.session() as s:
        control = find_control(s, ref)
        eng = s.exec(select(Engagement)).one()
        approach = rules.testing_approach(eng.type, control.nature, control.frequency)
        if approach.kind == rules.SAMPLE:
            raise InvalidInput(f"{control.ref}: {approach.explanation} Take the sample instead.")
        refs = tuple(dict.fromkeys(r.strip().upper() for r in itgc_refs if r.strip()))
        for r in refs:
            try:
                find_control(s, r)
            except NotFound:
                raise InvalidInput(f"ITGC reliance: control {r!r} is not in this engagement") from None
        for eid in evidence_ids:
            _evidence_of_control(s, control, int(eid))
        t = rules.SingleTest(approach.kind, " ".join(instance.split()), performed_on.isoformat(), description.strip(),
                             configuration.strip(), refs, itgc_basis.strip(), tuple(int(e) for e in evidence_ids),
                             chosen)
        problems = rules.single_test_problems(t)
        if problems:
            raise InvalidInput(f"{control.ref}: {problems[0]}")
        row = s.exec(select(SingleTest).where(SingleTest.control_id == control.id)).first()
        if row is None:
            row = SingleTest(control_id=control.id, kind=approach.kind)
        row.kind, row.instance, row.performed_on, row.description = approach.kind, t.instance, performed_on, t.description
        row.configuration, row.itgc_refs, row.itgc_basis = t.configuration, list(refs), t.itgc_basis
        row.evidence_ids, row.result, row.performed_by, row.updated_at = list(t.evidence_ids), chosen, handle.actor, utcnow()
        s.add(row)
        s.flush()
        return _single_view(s, control)


def deviating_attribute(session: Session, item: SampleItem, letter: str | None) -> int | None:
    """The attribute an exception on `item` is about: the one named, else the item's only deviating
    attribute (None for a control tested before attributes existed)."""
    sample = session.get(Sample, item.sample_id)
    control = session.get(Control, sample.control_id)
    attrs = _control_attributes(session, control.id)
    if not attrs:
        return None
    rows = {c.attribute_id: c for c in session.exec(select(AttributeResult).where(AttributeResult.item_id == item.id))}
    deviating = [a for a in attrs if a.id in rows and _cell(rows[a.id]).counted is R.deviation]
    if letter:
        attr = _attribute(attrs, letter, control.ref)
        if attr not in deviating:
            raise InvalidInput(f"{control.ref} {item.key} · {attr.letter}: not a confirmed deviation")
        return attr.id
    if len(deviating) == 1:
        return deviating[0].id
    if not deviating:
        raise InvalidInput(f"{control.ref} {item.key}: no attribute deviates")
    raise InvalidInput(f"{control.ref} {item.key} deviates in {', '.join(a.letter for a in deviating)}: name the "
                       f"attribute of this exception")


def attribute_counts(session: Session, item_id: int, attribute_id: int) -> tuple[int, int, str]:
    """(items of the item's sample that deviate in the attribute, items sampled, the attribute's
    deviation wording — "" when it has none, e.g. "Overall": the exception's own text is used):
    what "For X of N <items> sampled, <wording>." counts, as it is now."""
    item = session.get(SampleItem, item_id)
    sample = session.get(Sample, item.sample_id)
    root = session.get(Sample, sample.parent_id) if sample.parent_id else sample
    items, _ = _sample_items(session, root)
    attr = session.get(TestAttribute, attribute_id)
    cells = _cells(session, [i.id for i in items])
    deviations = sum(1 for i in items if _cell(cells.get((i.id, attribute_id))).counted is R.deviation)
    return deviations, len(items), attribute_clause(attr)


def attribute_clause(attr: TestAttribute) -> str:
    """An attribute's deviation wording as the report's clause — "" when it has none (e.g. "Overall"):
    the exception's own text is used then."""
    spec = rules.AttributeSpec(attr.letter, attr.description, attr.deviation, attr.rule)
    return spec.deviation_clause() if attr.deviation.strip() else ""


def raise_exceptions(handle: EngagementHandle, ref: str) -> list[int]:
    """One exception per confirmed deviating cell that has none yet, worded from its attribute and the
    current counts ("For 1 of 40 changes sampled, the change was deployed before it was approved.")."""
    from fieldwork_tui.services.findings.exceptions import create_exception
    from fieldwork_tui.store.models import ControlException

    with handle.read() as s:
        control = find_control(s, ref)
        have = {(e.sample_item_id, e.attribute_id) for e in s.exec(select(ControlException).where(
            ControlException.control_id == control.id, ControlException.sample_item_id.is_not(None)))}
        view = _matrix(s, control)
    out = []
    for it in view.items:
        for a, cell in zip(view.steps.attributes, it.cells, strict=True):
            if cell.counted is R.deviation and (it.item_id, a.id) not in have:
                draft = exception_draft(handle, it.item_id, a.letter)
                ex = create_exception(handle, view.ref, instance=draft["instance"], deviation=draft["deviation"],
                                      planned_control=draft["planned_control"], source="sample",
                                      sample_item_id=it.item_id, attribute=a.letter)
                out.append(ex.id)
    return out


def exception_draft(handle: EngagementHandle, item_id: int, letter: str) -> dict:
    """Prefilled fields of the exception form for an item's deviation in one attribute: the deviation
    is the attribute's wording, the report wording counts that attribute's deviations in the sample."""
    with handle.read() as s:
        item, _sample, control = _item_context(s, item_id)
        view = _matrix(s, control)
    attr = view.steps.spec().by_letter(letter)
    it = view.item(item_id)
    cell = it.cells[view.steps.letters().index(attr.letter)]
    if cell.counted is not R.deviation:
        raise InvalidInput(f"{control.ref} {item.key} · {attr.letter}: not a confirmed deviation")
    wording = next(w.text for w in view.wordings if w.letter == attr.letter)
    when = f" ({item.occurred_on.isoformat()})" if item.occurred_on else ""
    return {"ref": control.ref, "source": "sample", "sample_item_id": item.id, "attribute": attr.letter,
            "instance": f"{item.key}{when}", "planned_control": control.description,
            "deviation": attr.deviation_clause(), "report_wording": wording}
