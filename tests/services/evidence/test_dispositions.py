"""Dispositions of re-performance differences: stored, bulk, validated, counted into the flags,
the CLI `differences` / `differences resolve` and `compare --json`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from fieldwork_tui.cli import app
from fieldwork_tui.domain.vocab import Flag
from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.controls.facts import control_facts
from fieldwork_tui.services.controls.status import control_rows
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.evidence import files, reperformance
from fieldwork_tui.services.findings.exceptions import list_exceptions
from fieldwork_tui.store.models import ControlException, ReperformanceDifference

PULLED = "login,role\njdoe,admin\nasmith,user\nsvc-deploy,admin\nkw,admin\nKW,admin\n"
REVIEWED = "login,role\njdoe,admin\nasmith,admin\nkw,admin\nbwright,user\n"


@pytest.fixture
def compared(engagement, tmp_path: Path):
    add_control(engagement, "AC-01", "Quarterly user access review", criteria=["CC6.1"])
    add_control(engagement, "AC-02", "Access provisioning", criteria=["CC6.2"])
    a, b = tmp_path / "idp.csv", tmp_path / "reviewed.csv"
    a.write_text(PULLED)
    b.write_text(REVIEWED)
    out = reperformance.run_comparison(engagement, "AC-01", a, b, key_a="login", columns=[("role", "role")],
                                       label_a="IdP", label_b="Reviewed")
    return engagement, out


def _flags(handle, ref: str) -> list[Flag]:
    from fieldwork_tui.domain.coverage import flags_for
    from fieldwork_tui.services.controls.catalog import get_control

    cid = get_control(handle, ref).id
    with handle.read() as s:
        return flags_for(control_facts(s, cid)[cid])


def test_every_difference_open_until_decided_duplicates_included(compared) -> None:
    eng, out = compared
    rows = reperformance.list_differences(eng, "AC-01")
    kinds = sorted(r.kind for r in rows)
    assert kinds == ["differing", "duplicate", "only_in_a", "only_in_b"]
    assert [r.id for r in rows] == out.difference_ids  # the ids compare --json printed
    assert all(r.open for r in rows)
    assert Flag.unresolved_differences in _flags(eng, "AC-01")
    assert reperformance.unresolved_count(eng, out.reperformance.id) == 4
    data = out.to_json("AC-01")
    assert (data["differences"], data["unresolved"], data["duplicates"]) == (4, 4, 1)
    assert "NFC" in data["key_normalisation"]
    assert [r["id"] for r in data["rows"]] == out.difference_ids


def test_dispositions_clear_the_flag_and_exceptions_go_through_the_register(compared, tmp_path: Path) -> None:
    eng, out = compared
    by_kind = {r.kind: r for r in reperformance.list_differences(eng, "AC-01")}
    ticket = tmp_path / "ticket-4711.pdf"
    ticket.write_bytes(b"%PDF ticket approving the service account")
    ev = files.attach(eng, "AC-01", [ticket])[0].evidence
    reperformance.resolve_differences(eng, "AC-01", [by_kind["only_in_a"].id], "explained",
                                      "Service account approved by ticket 4711", ev.id)
    reperformance.resolve_differences(eng, "AC-01", [by_kind["only_in_b"].id, by_kind["duplicate"].id],
                                      "not-deviation", "Left after the review date; duplicate spelling of one user")
    assert Flag.unresolved_differences in _flags(eng, "AC-01")
    [row] = reperformance.resolve_differences(eng, "AC-01", [by_kind["differing"].id], "exception")
    assert row.disposition == "exception" and row.exception_id
    assert Flag.unresolved_differences not in _flags(eng, "AC-01")
    [ex] = list_exceptions(eng, control="AC-01")
    assert ex.instance == "asmith"
    assert "asmith" not in ex.deviation  # the deviation counts, it does not name
    rows = {r.id: r for r in reperformance.list_differences(eng, "AC-01")}
    assert rows[by_kind["only_in_a"].id].evidence_id == ev.id
    assert rows[by_kind["only_in_b"].id].reason.startswith("Left after")
    assert all(r.disposed_by for r in rows.values())
    assert reperformance.list_differences(eng, "AC-01", open_only=True) == []


@pytest.mark.parametrize(("ids", "kind", "reason", "evidence", "needle"), [
    (None, "explained", "", None, "reason: say what explains"),
    (None, "not-deviation", " ", None, "reason: say why"),
    (None, "not-deviation", "renamed", 1, "only an explanation cites evidence"),
    (None, "maybe", "x", None, "expected exception, explained or not-deviation"),
    ([999], "explained", "x", None, "difference #999 not found"),
    ([], "explained", "x", None, "at least one difference"),
    (None, "explained", "x", 999, "evidence #999 not found"),
])
def test_bad_dispositions_change_nothing(compared, ids, kind, reason, evidence, needle) -> None:
    eng, out = compared
    first = out.difference_ids[:2]
    with pytest.raises((InvalidInput, NotFound), match=needle):
        reperformance.resolve_differences(eng, "AC-01", first if ids is None else ids, kind, reason, evidence)
    assert all(r.open for r in reperformance.list_differences(eng, "AC-01"))


def test_another_controls_difference_and_a_raised_exception_are_refused(compared) -> None:
    eng, out = compared
    with pytest.raises(InvalidInput, match="belongs to another control"):
        reperformance.resolve_differences(eng, "AC-02", out.difference_ids[:1], "explained", "x")
    reperformance.resolve_differences(eng, "AC-01", out.difference_ids[:1], "exception")
    with pytest.raises(InvalidInput, match="already raised as an exception"):
        reperformance.resolve_differences(eng, "AC-01", out.difference_ids[:2], "explained", "x")
    # nothing of the refused bulk was written
    assert reperformance.list_differences(eng, "AC-01")[1].open


def test_raising_an_exception_directly_is_a_disposition(compared) -> None:
    eng, out = compared
    reperformance.raise_exception(eng, out.difference_ids[0])
    with eng.read() as s:
        d = s.get(ReperformanceDifference, out.difference_ids[0])
        assert d.disposition == "exception"
        assert s.exec(select(ControlException).where(ControlException.difference_id == d.id)).one()


def test_controls_table_counts_the_unresolved(compared) -> None:
    eng, _ = compared
    row = next(r for r in control_rows(eng) if r.ref == "AC-01")
    assert Flag.unresolved_differences in row.flags


def _cli(home: Path, *args: str):
    return CliRunner().invoke(app, ["--home", str(home), *args])


def test_cli_differences_list_and_resolve(compared, home: Path) -> None:
    eng, out = compared
    eng.close()
    r = _cli(home, "differences", "acme", "AC-01", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert (data["differences"], data["unresolved"]) == (4, 4)
    ids = [row["id"] for row in data["rows"]]
    assert ids == out.difference_ids
    again = json.loads(_cli(home, "differences", "acme", "AC-01", "--json").output)
    assert [row["id"] for row in again["rows"]] == ids  # stable
    r = _cli(home, "differences", "resolve", "acme", "AC-01", str(ids[0]), f"#{ids[1]}", "--as", "not-deviation",
             "--reason", "User left after the review date")
    assert r.exit_code == 0, r.output
    assert "2 difference(s) resolved; 2 still without a disposition" in r.output
    r = _cli(home, "differences", "resolve", "acme", "AC-01", "--all-open", "any", "--as", "exception")
    assert r.exit_code == 0, r.output
    text = _cli(home, "differences", "acme", "AC-01").output
    assert "0 without a disposition" in text and "exception #" in text
    r = _cli(home, "differences", "acme", "AC-01", "--open", "--json")
    assert json.loads(r.output)["rows"] == []


@pytest.mark.parametrize(("args", "needle"), [
    (["resolve", "acme", "AC-01", "1", "--as", "explained"], "reason: say what explains the difference"),
    (["resolve", "acme", "AC-01", "abc", "--as", "explained", "--reason", "x"], "difference id 'abc'"),
    (["resolve", "acme", "AC-01", "1", "--as", "sometimes", "--reason", "x"], "expected exception, explained"),
    (["resolve", "acme", "ZZ-9", "1", "--as", "explained", "--reason", "x"], "ZZ-9"),
    (["resolve", "acme", "AC-01", "--all-open", "date_window", "--as", "explained", "--reason", "x"],
     "no open differences"),
    (["acme", "ZZ-9"], "ZZ-9"),
])
def test_cli_differences_errors_are_one_line(compared, home: Path, args, needle) -> None:
    eng, _ = compared
    eng.close()
    r = _cli(home, "differences", *args)
    assert r.exit_code == 1, r.output
    lines = [line for line in r.output.splitlines() if line]
    assert len(lines) == 1 and needle in lines[0], r.output


def test_cli_compare_json_counts_the_unresolved(engagement, home: Path, tmp_path: Path) -> None:
    add_control(engagement, "AC-01", "Quarterly user access review")
    engagement.close()
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(PULLED)
    b.write_text(REVIEWED)
    r = _cli(home, "compare", "acme", "AC-01", str(a), str(b), "--key", "login", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["unresolved"] == data["differences"] == len(data["rows"]) == 4
    assert all(isinstance(row["id"], int) and row["disposition"] is None for row in data["rows"])
    text = _cli(home, "differences", "acme", "AC-01").output
    assert all(f"#{row['id']} " in text for row in data["rows"])
