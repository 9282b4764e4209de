"""The demo agrees with itself and every surface reads one rule.

Expected flags and results are derived from the demo's own data (`domain` rules on the stored
facts), then compared with what the demo's texts and every view say: the dashboard count, the `f`
list, `status --json`, the bundle index, Section IV and the OSCAL results. A demo text that claims
more than its data — "without difference" for a comparison with differences, "two late removals"
for one late and one missing — fails here."""

from __future__ import annotations

import json
import re
import zipfile

from fieldwork_tui.domain import flags as flag_table
from fieldwork_tui.domain import reporting
from fieldwork_tui.domain.vocab import Conclusion, Flag
from fieldwork_tui.services.bundle.export import export_bundle
from fieldwork_tui.services.controls.status import control_rows, overview, status_json
from fieldwork_tui.services.evidence import list_differences
from fieldwork_tui.services.findings.conclusions import conclusion_view, section_iv_rows
from fieldwork_tui.store.models import Control, Reperformance

_NUMBERS = {"no": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def _counted(text: str, noun: str) -> list[int]:
    """Every count a text states for `noun` ("5 differences", "two late removals")."""
    found = re.findall(rf"\b(\d+|{'|'.join(_NUMBERS)})\s+(?:\w+\s+)?{noun}", text, flags=re.IGNORECASE)
    return [int(n) if n.isdigit() else _NUMBERS[n.lower()] for n in found]


def test_dashboard_f_status_and_bundle_agree(demo, tmp_path) -> None:
    rows = control_rows(demo)
    expected = sorted(r.ref for r in rows if not flag_table.is_defensible(r.flags))
    ov = overview(demo)
    assert sorted(c.ref for c in ov.not_defensible) == expected  # the dashboard's count
    assert sorted(r.ref for r in control_rows(demo, flagged_only=True)) == expected  # `f`
    status = status_json(demo)
    assert status["not_defensible"] == len(expected)
    assert sorted(c["ref"] for c in status["controls"] if not c["defensible"]) == expected
    out = tmp_path / "b.zip"
    export_bundle(demo, out)
    with zipfile.ZipFile(out) as zf:
        index = zf.read("index.html").decode()
        section_iv = zf.read("section-iv.md").decode()
        results = json.loads(zf.read("oscal/assessment-results.json"))
    assert re.search(rf'<div class="n bad">{len(expected)}</div><div class="l">conclusions not yet defensible',
                     index)
    result = results["assessment-results"]["results"][0]
    finding_refs = {p["value"] for f in result.get("findings", []) for p in f["props"] if p["name"] == "control-ref"}
    assert not finding_refs & set(expected)  # no flagged control is a finding
    for ref in expected:
        line = next(line for line in section_iv.splitlines() if line.startswith(f"| {ref} "))
        assert "No exceptions noted." not in line, line


def test_no_section_iv_row_claims_more_than_the_work(demo) -> None:
    by_ref = {r.ref: r for r in control_rows(demo)}
    people = ["Diego Alvarez", "Hannah Köhler", "Marcus Oyelaran", "Priya Raman", "Sofia Lindqvist", "@"]
    for row in section_iv_rows(demo):
        flags = by_ref[row.ref].flags
        if not row.procedures:
            assert row.results == reporting.NOT_PERFORMED, row.ref
        elif not flag_table.is_defensible(flags):
            assert row.results.startswith("Testing not complete — open: "), row.ref
            for f in flag_table.blocking(flags):
                assert flag_table.label(f) in row.results, (row.ref, f)
        text = " ".join([*row.procedures, row.results])
        assert not any(p in text for p in people), (row.ref, text)  # counted, never named


def test_demo_texts_agree_with_the_demo_data(demo) -> None:
    with demo.read() as s:
        from sqlmodel import select

        comparisons = [(rp, s.get(Control, rp.control_id)) for rp in s.exec(select(Reperformance))]
        concluded = [(c.ref, c.conclusion, c.conclusion_note) for c in s.exec(select(Control))
                     if c.conclusion is not None]
    assert comparisons and concluded
    for rp, control in comparisons:
        diffs = list_differences(demo, control.ref, reperformance_id=rp.id)
        text = rp.conclusion
        if not diffs:
            continue
        assert "without difference" not in text.lower(), (control.ref, text)
        for n in _counted(text, "differences?"):
            assert n == len(diffs), (control.ref, text)
        open_ = sum(1 for d in diffs if d.open)
        if open_:
            assert f"{open_} access level" in text or "Open" in text, (control.ref, text)
        exceptions = sum(1 for d in diffs if d.disposition == "exception")
        if exceptions:
            assert "exception" in text, (control.ref, text)
    for ref, conclusion, note in concluded:
        view = conclusion_view(demo, ref)
        # every recorded conclusion is the one the work supports (the demo never overrides)
        assert conclusion is view.suggested, (ref, conclusion, view.why)
        if conclusion is not Conclusion.not_tested:
            assert flag_table.is_defensible(next(r for r in control_rows(demo) if r.ref == ref).flags), ref
        for noun in ("late removals?", "differences?", "exceptions?"):
            for n in _counted(note, noun):
                assert n <= sum(1 for d in list_differences(demo, ref)), (ref, note)
        assert "Q1–Q4" not in note and "without difference" not in note, (ref, note)
    ac01 = list_differences(demo, "AC-01")
    assert [d.key for d in ac01 if d.open] == ["svc-deploy", "okarimi"]
    assert Flag.unresolved_differences in next(r for r in control_rows(demo) if r.ref == "AC-01").flags
    ac03 = list_differences(demo, "AC-03")
    assert {d.kind for d in ac03} == {"only_in_a", "date_window"} and all(d.disposition == "exception" for d in ac03)


def test_the_demo_builds_for_a_user_who_has_a_signing_key_of_their_own(tmp_path) -> None:
    """The demo's review notes are written and answered by the demo's people, not by whoever owns
    the signing key on this machine (an auditor who has signed anything once has one)."""
    from fieldwork_tui.services.demo import build_demo
    from fieldwork_tui.services.findings.review import list_notes
    from fieldwork_tui.services.signing import keys as signing

    signing.ensure_key("someone-else", None)
    handle = build_demo(tmp_path / "home")
    try:
        authors = {n.author for n in list_notes(handle, "AC-01")}
        assert authors and "someone-else" not in authors
    finally:
        handle.close()
