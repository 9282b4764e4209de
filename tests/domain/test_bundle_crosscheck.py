"""Cross-checking a bundle's evidence against every place that names its hash (domain/bundle_crosscheck.py)."""

from __future__ import annotations

from fieldwork_tui.domain import bundle_crosscheck as cc

A = "ab12cd34" + "0" * 56
B = "ffff0000" + "1" * 56


def _page(sha: str) -> str:
    return f'<tr><td><a href="../evidence/ab12cd34-report%20q1.pdf" data-sha256="{sha}">report q1.pdf</a></td></tr>'


def test_consistent_bundle_has_no_problem():
    refs = [("workpapers/AC-01.html", m, s) for m, s in cc.page_references("workpapers/AC-01.html", _page(A))]
    assert refs == [("workpapers/AC-01.html", "evidence/ab12cd34-report q1.pdf", A)]
    assert cc.cross_check({"evidence/ab12cd34-report q1.pdf": A}, refs, {A}) == []


def test_a_replaced_file_disagrees_with_its_name_its_workpaper_and_the_journal():
    refs = [("workpapers/AC-01.html", m, s) for m, s in cc.page_references("workpapers/AC-01.html", _page(A))]
    problems = cc.cross_check({"evidence/ab12cd34-report q1.pdf": B}, refs, {A})
    assert len(problems) == 3
    assert any("its name carries" in p for p in problems)
    assert any("journal records no evidence file" in p for p in problems)
    assert any(p.startswith("workpapers/AC-01.html: cites") for p in problems)


def test_journal_hashes_follow_creates_and_updates():
    entries = [{"entity": "evidencefile", "action": "create", "details": {"sha256": A}},
               {"entity": "evidencefile", "action": "update", "details": {"sha256": {"from": A, "to": B}}},
               {"entity": "control", "action": "create", "details": {"sha256": "x"}}]
    assert cc.journal_evidence_hashes(entries) == {A, B}


def test_a_cited_member_that_is_gone_is_named():
    refs = [("workpapers/AC-01.html", "evidence/ab12cd34-x.pdf", A)]
    assert "does not hold" in cc.cross_check({}, refs, set())[0]
