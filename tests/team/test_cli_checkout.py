"""The three-person scenario of docs/team.md, command by command, on a real server: publish, two check-outs,
offline work, a manager's review note reaching the preparer by sync, check-ins, `check` and the bundle
exported from the server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fieldwork_tui.cli import app
from fieldwork_tui.services.demo import DEMO_SLUG
from tests import pg

pytestmark = pytest.mark.postgres


@pytest.fixture
def db_name():
    name = pg.new_name()
    yield name
    pg.drop_database(name)


def test_three_people_publish_check_out_work_offline_review_check_in_and_export(
        demo_home: Path, db_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # three machines: a fieldwork home and a config folder each (signing key, trust list — the demo's
    # people's keys to start with — and the firm's server); sam manages, elena and priya test controls
    homes = {"sam": demo_home, "elena": tmp_path / "elena-home", "priya": tmp_path / "priya-home"}
    configs = {who: tmp_path / f"{who}-config" for who in homes}

    def as_(who: str, *args: str, ok: bool = True):
        monkeypatch.setenv("FIELDWORK_USER", who)
        monkeypatch.setenv("FIELDWORK_CONFIG", str(configs[who]))
        r = CliRunner().invoke(app, ["--home", str(homes[who]), *args])
        if ok:
            assert r.exit_code == 0, f"{who}: fieldwork {' '.join(args)}\n{r.output}"
        return r

    server_url = pg.database_url(db_name)
    base, query = server_url.rsplit("/", 1)[0], server_url.split("?", 1)[1]
    for who, config in configs.items():
        shutil.copytree(tmp_path / "config", config)
        (config / "config.toml").write_text(f'[servers]\nfirm = "{base}/?{query}"\n')
        as_(who, "keys", "init", "--name", who)
    for who, colleague in (("sam", "elena"), ("sam", "priya"), ("elena", "priya")):  # fingerprints read out
        as_(who, "keys", "trust", str(configs[colleague] / "keys" / "signing_key.pub"))
    eng, replica = f"firm/{db_name}", f"{db_name}-replica"

    as_("sam", "publish", DEMO_SLUG, "--to", eng)
    assert "checked out" in as_("elena", "checkout", eng, "--controls", "CE-01").output
    as_("priya", "checkout", eng, "--controls", "CE-02,CE-03")
    held = as_("sam", "holds", eng).output
    assert "CE-01\telena" in held and "CE-02\tpriya" in held and "CE-03\tpriya" in held

    refused = as_("priya", "checkout", eng, "--controls", "CE-01", "-o", str(tmp_path / "again"), ok=False)
    assert refused.exit_code == 1 and "CE-01 is checked out to elena since" in refused.output

    # offline: evidence and a preparer's sign-off in each replica (the server is not asked)
    for who, ref in (("elena", "CE-01"), ("priya", "CE-02")):
        f = tmp_path / f"{who}-evidence.txt"
        f.write_text(f"{who}'s evidence for {ref}\n", encoding="utf-8")
        as_(who, "attach", replica, ref, str(f), "--description", f"{who}'s inspection")
        r = as_(who, "sign", replica, ref, "--role", "preparer", ok=False)
        if r.exit_code:  # blocking flags are named in the refusal: sign over them, as the message says
            flags = r.output.split("--confirm-flags ", 1)[1].split()[0]
            as_(who, "sign", replica, ref, "--role", "preparer", "--confirm-flags", flags)
    blocked = as_("priya", "attach", replica, "CE-01", str(tmp_path / "priya-evidence.txt"), ok=False)
    assert blocked.exit_code == 1 and "read-only copy in this replica" in blocked.output

    # the manager's review note reaches the preparer by sync; she answers it offline
    added = as_("sam", "notes", "add", eng, "CE-01", "Which period does this evidence cover?").output
    note = added.split("#", 1)[1].split()[0]
    assert "1 review notes" in as_("elena", "sync", replica).output
    assert "Which period does this evidence cover?" in as_("elena", "notes", "list", replica).output
    as_("elena", "notes", "answer", replica, note, "July to September 2026.")

    assert "the controls are released" in as_("elena", "checkin", replica).output
    as_("priya", "checkin", replica)
    assert "no control is checked out" in as_("sam", "holds", eng).output
    assert "July to September 2026." in as_("sam", "notes", "list", eng).output
    as_("sam", "notes", "clear", eng, note)

    for who in ("sam", "elena"):  # each machine's record of what it signed holds on the server
        as_(who, "check", eng)
    bundle = tmp_path / "acme.zip"
    as_("sam", "export", eng, "-o", str(bundle))
    as_("sam", "verify", str(bundle))


def test_bad_check_outs_say_what_is_wrong_and_change_nothing(demo_home: Path, db_name: str, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def run(*args: str):
        return CliRunner().invoke(app, ["--home", str(demo_home), *args])

    url = pg.database_url(db_name)
    assert run("publish", DEMO_SLUG, "--to", url).exit_code == 0
    r = run("checkout", url, "--controls", "CE-01,NOPE-9")
    assert r.exit_code == 1 and "control 'NOPE-9' not found" in r.output
    r = run("checkout", DEMO_SLUG, "--controls", "CE-01")
    assert r.exit_code == 1 and "needs a team engagement's address" in r.output
    r = run("checkout", url, "--controls", " , ")
    assert r.exit_code == 1 and "--controls: name at least one control" in r.output
    assert "no control is checked out" in run("holds", url).output
    assert not (demo_home / f"{db_name}-replica").exists()
    assert run("checkout", url, "--controls", "CE-01").exit_code == 0
    r = run("checkout", url, "--controls", "CE-02")  # the default folder is taken by the first replica
    assert r.exit_code == 1 and "already exists" in r.output and "-o DIR" in r.output
    assert "CE-02" not in run("holds", url).output
    assert run("checkin").exit_code == 0  # the only replica in the home
    r = run("checkin", f"{db_name}-replica")
    assert r.exit_code == 1 and "already checked in" in r.output
