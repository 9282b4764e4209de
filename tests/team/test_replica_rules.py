"""The replica's rules that need no server: keys of journaled rows, which control a row belongs to, the
entries a check-in reproduces (domain/replicas.py)."""

from __future__ import annotations

from fieldwork_tui.domain import replicas
from fieldwork_tui.store import replica


def test_a_row_keyed_by_text_with_a_slash_reaches_the_server() -> None:
    """A signing key's fingerprint (base64) may hold "/": the whole id is the key of a one-column key."""
    fp = "SHA256:X5PtTBCtiAbaBJ5LR9/2eqJ2/avroGLiq8hksXS5bQM"
    assert replica.key_of(replica.table("signerkey"), fp) == (fp,)
    assert replica.key_of(replica.table("evidencecontrol"), "3/7") == (3, 7)


def test_a_reproduced_entry_stands_under_both_hashes_and_reads_as_its_original() -> None:
    entry = {"hash": "b" * 64, "details": {"to": 1, replicas.REPRODUCES: {"hash": "a" * 64, "entry": 7}}}
    assert replicas.head_hashes(entry) == {"a" * 64, "b" * 64}
    assert replicas.original(entry)["details"] == {"to": 1}
    assert replicas.head_hashes({"hash": "c" * 64, "details": {}}) == {"c" * 64}
    assert replicas.is_synced({"details": {replicas.SYNCED: {"entry": 3}}})


def test_checkin_and_sync_name_a_folder_that_is_no_replica(home, tmp_path) -> None:
    from typer.testing import CliRunner

    from fieldwork_tui.cli import app

    for command in ("checkin", "sync"):
        r = CliRunner().invoke(app, ["--home", str(home), command, str(tmp_path)])
        assert r.exit_code == 1 and "not a replica" in r.output
        r = CliRunner().invoke(app, ["--home", str(home), command])
        assert r.exit_code == 1 and "no replica checked out" in r.output


def test_a_damaged_replica_record_is_one_line_naming_the_file(engagement, tmp_path) -> None:
    import pytest

    from fieldwork_tui.services.engagements import open_path
    from fieldwork_tui.services.errors import FieldworkError

    root = engagement.root
    engagement.close()
    (root / "replica.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(FieldworkError, match=r"replica\.json: not a readable replica record"):
        open_path(root)
