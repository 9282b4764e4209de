"""`fieldwork sign`, `notes`, `settings` and `evidence edit` from the shell: one-line errors, exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fieldwork_tui.cli import app


def run(home: Path, *args: str, user: str = "elena"):
    config = home.parent / ("config" if user == "elena" else f"config-{user}")  # each person's own key
    return CliRunner().invoke(app, ["--home", str(home), *args],
                              env={"FIELDWORK_USER": user, "FIELDWORK_CONFIG": str(config)})


def one_line_error(r, needle: str) -> None:
    assert r.exit_code == 1, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], r.stderr


@pytest.fixture
def eng(home: Path, tmp_path: Path) -> Path:
    assert run(home, "new", "Acme Cloud 2026", "--period", "2026-01-01..2026-12-31").exit_code == 0
    matrix = tmp_path / "matrix.csv"
    matrix.write_text("Control ID,Title\nAC-01,Quarterly access review\n")
    assert run(home, "import", "controls", "acme", str(matrix)).exit_code == 0
    return home


def test_sign_over_blocking_flags_needs_the_named_confirmation(eng: Path):
    r = run(eng, "sign", "acme", "AC-01", "--role", "preparer")
    one_line_error(r, "signing over blocking flags no_evidence, missing_required_type, operating_effectiveness_untested"
                      " needs a confirmation; to sign over them pass --confirm-flags "
                      "no_evidence,missing_required_type,operating_effectiveness_untested")
    one_line_error(run(eng, "sign", "acme", "AC-01", "--role", "preparer", "--confirm-flags", "no_evidence"),
                   "--confirm-flags missing_required_type,operating_effectiveness_untested")
    one_line_error(run(eng, "sign", "acme", "AC-01", "--role", "preparer", "--confirm-flags", "nope"),
                   "--confirm-flags: unknown flag 'nope'")
    r = run(eng, "sign", "acme", "AC-01", "--role", "preparer", "--confirm-flags",
            "no_evidence,missing_required_type,operating_effectiveness_untested", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["by"] == "elena" and data["confirmed_flags"] == ["no_evidence", "missing_required_type",
                                                                "operating_effectiveness_untested"]
    assert len(data["content_sha256"]) == 64 and len(data["journal_head"]) == 64
    status = json.loads(run(eng, "status", "acme", "--json").stdout)["controls"][0]
    assert status["status"] == "ready_for_review"
    assert status["signoffs"]["preparer"]["confirmed_flags"] == ["no_evidence", "missing_required_type",
                                                                    "operating_effectiveness_untested"]


def test_self_review_is_refused_unless_the_engagement_allows_it(eng: Path):
    flags = "no_evidence,missing_required_type,operating_effectiveness_untested"
    assert run(eng, "sign", "acme", "AC-01", "--role", "preparer", "--confirm-flags", flags).exit_code == 0
    one_line_error(run(eng, "sign", "acme", "AC-01", "--role", "reviewer", "--confirm-flags", flags),
                   "elena signed it as preparer and cannot also review it")
    # an environment variable or a person's config cannot allow it; the engagement setting can
    one_line_error(run(eng, "settings", "acme", "--allow-self-review"), "reason: say why")
    r = run(eng, "settings", "acme", "--allow-self-review", "--reason", "sole practitioner; partner approved")
    assert r.exit_code == 0 and "self-review: allowed" in r.stdout
    r = run(eng, "sign", "acme", "AC-01", "--role", "reviewer", "--confirm-flags", flags)
    assert r.exit_code == 0 and "(self-review, allowed by the engagement setting)" in r.stdout
    assert json.loads(run(eng, "settings", "acme", "--json").stdout) == {
        "allow_self_review": True, "self_review_reason": "sole practitioner; partner approved"}
    assert "not allowed" in run(eng, "settings", "acme", "--no-self-review").stdout


def test_notes_workflow_from_the_shell(eng: Path):
    flags = "no_evidence,missing_required_type,operating_effectiveness_untested"
    assert run(eng, "sign", "acme", "AC-01", "--role", "preparer", "--confirm-flags", flags).exit_code == 0
    r = run(eng, "notes", "add", "acme", "AC-01", "Tie the population to the roster", user="sam")
    assert r.exit_code == 0 and "review note #1 added on AC-01" in r.stdout
    one_line_error(run(eng, "sign", "acme", "AC-01", "--role", "reviewer", "--confirm-flags", flags, user="sam"),
                   "1 review note still open (#1)")
    one_line_error(run(eng, "notes", "clear", "acme", "1", user="sam"), "not answered yet")
    one_line_error(run(eng, "notes", "answer", "acme", "1", "myself", user="sam"), "the preparer answers it")
    assert run(eng, "notes", "answer", "acme", "1", "Tied, 212 of 212").exit_code == 0
    one_line_error(run(eng, "notes", "clear", "acme", "1"), "only its author (sam) clears it")
    assert run(eng, "notes", "clear", "acme", "1", user="sam").exit_code == 0
    notes = json.loads(run(eng, "notes", "list", "acme", "--json").stdout)
    assert [(n["stage"], n["response"], n["responded_by"], n["cleared_by"]) for n in notes] == [
        ("cleared", "Tied, 212 of 212", "elena", "sam")]
    assert run(eng, "sign", "acme", "AC-01", "--role", "reviewer", "--confirm-flags", flags, user="sam").exit_code == 0
    one_line_error(run(eng, "notes", "clear", "acme", "9"), "review note #9 not found")


def test_sign_errors_are_one_line(eng: Path):
    one_line_error(run(eng, "sign", "acme", "AC-01", "--role", "boss"), "role 'boss'")
    one_line_error(run(eng, "sign", "acme", "ZZ-9", "--role", "preparer"), "control 'ZZ-9' not found")
    one_line_error(run(eng, "sign", "acme", "AC-01", "--role", "reviewer"), "the preparer has not signed yet")


def _attach(home: Path, tmp_path: Path, ref: str, *extra: str, content: bytes = b"q1 review"):
    src = tmp_path / "q1.pdf"
    src.write_bytes(content)
    return run(home, "attach", "acme", ref, str(src), *extra)


def test_a_second_attach_with_another_as_of_is_refused_with_a_hint(eng: Path, tmp_path: Path):
    matrix = tmp_path / "matrix2.csv"
    matrix.write_text("Control ID,Title\nAC-01,Quarterly access review\nOP-01,Incident response\n")
    assert run(eng, "import", "controls", "acme", str(matrix)).exit_code == 0
    assert _attach(eng, tmp_path, "AC-01", "--as-of", "2026-03-31").exit_code == 0
    r = _attach(eng, tmp_path, "OP-01", "--as-of", "2025-06-30")
    one_line_error(r, "q1.pdf is already in the vault as evidence #1 (used by AC-01): as of 2026-03-31 is stored, "
                      "2025-06-30 given")
    assert "--update-as-of" in r.stderr and "nothing was attached" in r.stderr
    status = json.loads(run(eng, "status", "acme", "--json").stdout)["controls"]
    assert [c["evidence"] for c in status if c["ref"] == "OP-01"] == [[]]
    assert _attach(eng, tmp_path, "OP-01").exit_code == 0  # no date given: the stored one stays
    r = _attach(eng, tmp_path, "OP-01", "--as-of", "2025-06-30", "--update-as-of")
    assert r.exit_code == 0 and "as-of date of evidence #1 updated; also used by AC-01" in r.stdout
    flags = {c["ref"]: c["flags"] for c in json.loads(run(eng, "status", "acme", "--json").stdout)["controls"]}
    assert "evidence_outside_period" in flags["OP-01"] and "evidence_outside_period" in flags["AC-01"]


def test_evidence_edit_changes_the_record_and_names_the_stale_sign_offs(eng: Path, tmp_path: Path):
    assert _attach(eng, tmp_path, "AC-01", "--as-of", "2026-03-31").exit_code == 0
    assert run(eng, "sign", "acme", "AC-01", "--role", "preparer", "--confirm-flags",
               "single_evidence_type,missing_required_type,operating_effectiveness_untested").exit_code == 0
    ev = json.loads(run(eng, "status", "acme", "--json").stdout)["controls"][0]["evidence"][0]
    assert ev["id"] == 1 and ev["as_of"] == "2026-03-31"
    r = run(eng, "evidence", "edit", "acme", ev["sha256"][:8], "--as-of", "2026-04-01", "--description", "Q1 signed",
            "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["changes"] == {"as_of": {"from": "2026-03-31", "to": "2026-04-01"},
                               "description": {"from": None, "to": "Q1 signed"}}
    assert data["stale_signoffs"] == ["AC-01 preparer"] and data["evidence"]["used_by"] == ["AC-01"]
    status = json.loads(run(eng, "status", "acme", "--json").stdout)["controls"][0]
    assert "signoff_stale" in status["flags"] and status["status"] == "in_progress"
    r = run(eng, "evidence", "edit", "acme", "#1", "--as-of", "none")
    assert r.exit_code == 0 and "as of 2026-04-01 → (none)" in r.stdout


@pytest.mark.parametrize(("args", "needle"), [
    (["#7", "--as-of", "2026-01-01"], "evidence #7: no evidence record has that id"),
    (["1", "--as-of", "31/31/2026"], "as of: "),
    (["1"], "give --as-of DATE and/or --description TEXT"),
    (["zz", "--as-of", "2026-01-01"], "not an evidence id"),
])
def test_evidence_edit_errors_are_one_line(eng: Path, tmp_path: Path, args, needle):
    assert _attach(eng, tmp_path, "AC-01").exit_code == 0
    one_line_error(run(eng, "evidence", "edit", "acme", *args), needle)


def test_an_ambiguous_hash_prefix_is_refused(eng: Path, tmp_path: Path):
    # find two contents whose hashes share a 4-digit prefix
    import hashlib

    from fieldwork_tui.services.engagements import open_engagement
    from fieldwork_tui.services.evidence.files import find_evidence

    seen: dict[str, bytes] = {}
    for i in range(200_000):
        data = str(i).encode()
        p = hashlib.sha256(data).hexdigest()[:4]
        if p in seen:
            a, b = seen[p], data
            break
        seen[p] = data
    for n, content in enumerate((a, b)):
        src = tmp_path / f"f{n}.txt"
        src.write_bytes(content)
        assert run(eng, "attach", "acme", "AC-01", str(src)).exit_code == 0
    one_line_error(run(eng, "evidence", "edit", "acme", p, "--description", "x"), "matches several records")
    h = open_engagement(eng, "acme")
    try:
        with h.read() as s:
            assert find_evidence(s, hashlib.sha256(a).hexdigest()[:12]).original_name == "f0.txt"
    finally:
        h.close()


def test_evidence_edit_and_notes_with_if_version_refuse_a_record_changed_since_it_was_read(eng: Path,
                                                                                          tmp_path: Path):
    assert _attach(eng, tmp_path, "AC-01").exit_code == 0
    ev = json.loads(run(eng, "status", "acme", "--json").stdout)["controls"][0]["evidence"][0]
    assert ev["version"] > 0  # a script reads the record with its version
    r = run(eng, "evidence", "edit", "acme", "#1", "--description", "sam's", "--json", user="sam")
    assert r.exit_code == 0 and json.loads(r.stdout)["evidence"]["version"] > ev["version"]
    one_line_error(run(eng, "evidence", "edit", "acme", "#1", "--description", "elena's", "--if-version",
                       str(ev["version"])), "evidence #1 (q1.pdf) was changed by sam at 2")
    ev = json.loads(run(eng, "status", "acme", "--json").stdout)["controls"][0]["evidence"][0]
    assert ev["description"] == "sam's"
    assert run(eng, "evidence", "edit", "acme", "#1", "--description", "merged", "--if-version",
               str(ev["version"])).exit_code == 0

    assert run(eng, "notes", "add", "acme", "AC-01", "Which quarter?", user="sam").exit_code == 0
    [note] = json.loads(run(eng, "notes", "list", "acme", "--json").stdout)
    assert run(eng, "notes", "answer", "acme", "1", "Q1", "--if-version", str(note["version"])).exit_code == 0
    one_line_error(run(eng, "notes", "clear", "acme", "1", "--if-version", str(note["version"]), user="sam"),
                   "review note #1 was changed by elena at 2")
    [note] = json.loads(run(eng, "notes", "list", "acme", "--json").stdout)
    assert note["stage"] == "answered"
    assert run(eng, "notes", "clear", "acme", "1", "--if-version", str(note["version"]), user="sam").exit_code == 0
