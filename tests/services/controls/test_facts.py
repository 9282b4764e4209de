"""One control's facts, hashes and sign-off states are computed on their own (opening a control
must not cost the whole engagement) and equal what the all-controls pass computes."""

from __future__ import annotations

from fieldwork_tui.services.controls.facts import control_facts, facts_and_statuses
from fieldwork_tui.services.findings.content import content_digests as workpaper_hashes
from fieldwork_tui.services.findings.signoffs import standings


def test_single_control_scope_matches_full_pass(demo):
    with demo.read() as s:
        all_facts, all_hashes, all_states = control_facts(s), workpaper_hashes(s), standings(s)
        assert any(f.sample for f in all_facts.values()) and all_states  # the demo exercises every part
        for cid, facts in all_facts.items():
            assert control_facts(s, cid) == {cid: facts}
            assert workpaper_hashes(s, cid) == {cid: all_hashes[cid]}
            assert standings(s, cid).get(cid) == all_states.get(cid)
            assert facts_and_statuses(s, cid)[1] == {cid: facts_and_statuses(s)[1][cid]}
