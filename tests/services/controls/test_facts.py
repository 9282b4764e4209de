"""One control's facts, hashes and sign-off states are computed on their own (opening a control
must not cost the whole engagement) and equal what the all-controls pass computes."""

from __future__ import annotations

from fieldwork_tui.services.controls.facts import control_facts
from fieldwork_tui.services.findings.signoffs import signoff_states, workpaper_hashes


def test_single_control_scope_matches_full_pass(demo):
    with demo.read() as s:
        all_facts, all_hashes, all_states = control_facts(s), workpaper_hashes(s), signoff_states(s)
        assert any(f.sample for f in all_facts.values()) and all_states  # the demo exercises every part
        for cid, facts in all_facts.items():
            assert control_facts(s, cid) == {cid: facts}
            assert workpaper_hashes(s, cid) == {cid: all_hashes[cid]}
            assert signoff_states(s, cid).get(cid) == all_states.get(cid)
