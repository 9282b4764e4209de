"""Interview memos in the bundle: one page per interview (named by its id, never a person's name),
with role and title, every statement in order (those linked to no control too), its controls,
corroboration and evidence; linked from the index and from each workpaper's inquiry section."""

from __future__ import annotations

import re
import zipfile

from fieldwork_tui.services.bundle import export_bundle
from fieldwork_tui.services.evidence import interviews


def _pages(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n).decode() for n in zf.namelist() if n.endswith(".html")}


def test_a_memo_per_interview_with_roles(demo, tmp_path):
    iv = interviews.create_interview(demo, "Kenji Watanabe", held_on="2026-10-21", topic="Deploys")
    interviews.add_statement(demo, iv.id, "Deploys are frozen in the last week of the quarter.")  # no control
    out = tmp_path / "b.zip"
    export_bundle(demo, out)
    pages = _pages(out)
    memos = sorted(n for n in pages if n.startswith("interviews/"))
    listed = interviews.list_interviews(demo)
    assert memos == sorted(f"interviews/{i.id}.html" for i in listed)
    assert all(re.fullmatch(r"interviews/\d+\.html", n) for n in memos)  # no names in member names
    memo = pages[f"interviews/{iv.id}.html"]
    assert "Kenji Watanabe" in memo and "Engineering, Staff Engineer" in memo
    assert "Deploys are frozen in the last week of the quarter." in memo and "not linked to a control" in memo
    index = pages["index.html"]
    assert 'id="interviews"' in index and f'href="interviews/{iv.id}.html"' in index
    assert "IT administration, IT Administrator" in index


def test_workpaper_inquiry_links_the_memo_and_names_the_contradicting_evidence(demo, demo_export):
    out = demo_export
    pages = _pages(out)
    diego = next(i for i in interviews.list_interviews(demo) if i.person.name == "Diego Alvarez")
    detail = interviews.interview_detail(demo, diego.id)
    contradicted = next(s for s in detail.statements if s.corroboration == "contradicted")
    wp = pages["workpapers/AC-08.html"]
    assert f'href="../interviews/{diego.id}.html#statement-{contradicted.id}"' in wp
    assert "IT administration, IT Administrator" in wp  # the role is printed, not only the title
    assert "contradicted</span> by <a href=\"../evidence/" in wp and contradicted.evidence_name in wp
    assert "open: a red flag" in wp
    memo = pages[f"interviews/{diego.id}.html"]
    for st in detail.statements:
        if st.text:
            assert f'id="statement-{st.id}"' in memo
    assert memo.index(detail.statements[0].text) < memo.index(detail.statements[-1].text)  # in order
    assert 'href="../workpapers/AC-08.html#inquiry"' in memo


def test_memo_escapes_every_free_text(engagement, tmp_path):
    from ..support import fill_control

    payload = "<script>alert('x')</script>"
    fill_control(engagement, "X-1", payload)
    out = tmp_path / "b.zip"
    export_bundle(engagement, out)
    pages = _pages(out)
    [memo] = [t for n, t in pages.items() if n.startswith("interviews/")]
    assert "<script" not in memo.lower()
    for field in ("statement", "person", "interviewer", "topic", "corroboration"):
        assert f"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; {field}" in memo, field
