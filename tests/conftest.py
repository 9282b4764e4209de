"""Shared fixtures. Every test runs on a temporary fieldwork home with a frozen clock and user,
and with cursor blink frozen so snapshots are deterministic."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.support import DEMO_CONFIG as CONFIG
from tests.support import DEMO_TODAY, built_once, frozen_identity

# pytest caches each test module's assertion-rewritten code in __pycache__ (gitignored) unless writing
# bytecode is off, as this environment may have it (PYTHONDONTWRITEBYTECODE): then every worker parses
# and rewrites every test module again on every run (~5 s of CPU per worker). The package itself is
# byte-compiled once per run below; the CLI subprocesses keep the environment's setting (cli_env).
sys.dont_write_bytecode = False


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker per core, plus one. A good share of the suite waits rather than computes
    (the CLI and kill tests' subprocesses, fsync, the app's worker threads): on the 2-core machine
    three workers took the default run from 14 min 1 s to 12 min 6 s, measured back to back."""
    import os

    return (os.cpu_count() or 1) + 1


def pytest_sessionstart(session: pytest.Session) -> None:
    """Byte-compile the package once, in the controller: the many CLI subprocesses of the suite then load
    it instead of compiling it each time (this environment may set PYTHONDONTWRITEBYTECODE)."""
    if hasattr(session.config, "workerinput"):
        return
    import compileall

    import fieldwork_tui

    compileall.compile_dir(Path(fieldwork_tui.__file__).parent, quiet=2)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("FIELDWORK_HOME", str(home))
    monkeypatch.setenv("FIELDWORK_CONFIG", str(tmp_path / "config"))
    monkeypatch.setenv("FIELDWORK_TODAY", DEMO_TODAY)
    monkeypatch.setenv("FIELDWORK_USER", "elena")
    monkeypatch.delenv("FIELDWORK_DEBUG", raising=False)


@pytest.fixture(autouse=True)
def _firm_flag_policy():
    """A test that loads a firm's interview plan with `missing_role_blocking` must not leave the
    missing-role flag blocking for the next test in the process."""
    yield
    from fieldwork_tui.domain import flags

    flags.set_firm_blocking([])


@pytest.fixture(autouse=True)
def _no_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(Input, "cursor_blink", False)
    monkeypatch.setattr(TextArea, "cursor_blink", False)


@pytest.fixture(autouse=True)
def _pilot_waits_on_events(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pilot's key presses and pauses wait on the app's events, not on sleeps, and the app paints once
    per settle rather than at every refresh tick (tests/tui/support.py)."""
    import textual.app
    import textual.pilot
    import textual.screen

    from tests.tui.support import _deferred_compositor_refresh, idle_on_events, key_handled

    monkeypatch.setattr(textual.pilot, "wait_for_idle", idle_on_events)  # pause, exit
    monkeypatch.setattr(textual.app, "wait_for_idle", key_handled)  # after each key pressed
    monkeypatch.setattr(textual.screen.Screen, "_compositor_refresh", _deferred_compositor_refresh)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture(scope="session")
def _engagement_template(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """Create the empty engagement (and run its migrations) once per run; tests get a private copy."""
    from fieldwork_tui.services.engagements import create_engagement

    def build(template_home: Path) -> None:
        with frozen_identity(config=template_home / ".config"):
            create_engagement(template_home, "Acme Cloud 2026", period="2026-01-01..2026-12-31",
                              categories="security,availability").close()

    return built_once(tmp_path_factory, worker_id, "engagement-template", build)


#: Test folders whose `engagement` tests run on both engines: SQLite in the default run, PostgreSQL
#: (marked `postgres`) where .ci/run has started a server (tests/pg.py).
BOTH_ENGINES = ("tests/services/", "tests/store/test_journal.py", "tests/team/test_versions.py")
#: ... except these, which test the local engagement folder itself (slugs, folder layout, permissions) or
#: tamper with its SQLite file behind the app's back (tests/team/ has the server's own tamper tests).
LOCAL_ONLY = ("tests/services/test_engagements.py", "tests/services/maintenance/")


#: Tests that stay on SQLite: one that drives the CLI names its engagement by a local slug, and one that
#: tampers with the local folder behind the app's back (its SQLite file, its vault files) tests the local
#: engagement itself. The CLI on a server address and the server's own tamper tests are in tests/team/.
_LOCAL_MARKERS = ("CliRunner", "_cli(", "invoke(", ' run("', "tamper(", "sqlite3", "vault_path", "db_rows(")
#: ... and tests of migrating an old local database (a team database is created at the head by publish).
LOCAL_ONLY_TESTS = {"test_existing_single_results_migrate_to_one_attribute_overall"}


def _local_only(function) -> bool:
    import inspect

    if function.__name__ in LOCAL_ONLY_TESTS:
        return True
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return False
    return any(marker in source for marker in _LOCAL_MARKERS)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    path = metafunc.definition.path.as_posix()
    if (("engagement" in metafunc.fixturenames or "demo" in metafunc.fixturenames)
            and any(f"/{p}" in path for p in BOTH_ENGINES)
            and not any(f"/{p}" in path for p in LOCAL_ONLY) and not _local_only(metafunc.function)):
        metafunc.parametrize("engagement_engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
                             indirect=True)


@pytest.fixture
def engagement_engine(request: pytest.FixtureRequest) -> str:
    """The engine of the `engagement` fixture: "sqlite" unless parametrised (pytest_generate_tests)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def _pg_engagement_template(_engagement_template: Path, tmp_path_factory: pytest.TempPathFactory):
    """The empty engagement published once per session to a template database on the test server."""
    from fieldwork_tui.services.engagements import open_path
    from fieldwork_tui.services.team import publish_engagement
    from tests import pg

    name = pg.new_name("fwtpl")
    pg.create_database(name)
    with frozen_identity(config=tmp_path_factory.mktemp("pg-template-config")):
        local = open_path(_engagement_template / "acme-cloud-2026")
        try:
            publish_engagement(local, pg.database_url(name))
        finally:
            local.close()
    yield name
    pg.drop_database(name)


@pytest.fixture
def engagement(home: Path, _engagement_template: Path, engagement_engine: str, request: pytest.FixtureRequest):
    """An empty Type II engagement (period 2026) with a handle; closed after the test. On PostgreSQL
    (`engagement_engine`), a fresh database made from the published template."""
    if engagement_engine == "postgres":
        from fieldwork_tui.services.team import open_any
        from tests import pg

        template = request.getfixturevalue("_pg_engagement_template")
        name = pg.new_name()
        handle = open_any(home, pg.create_database(name, template=template))
        yield handle
        handle.close()
        pg.drop_database(name)
        return
    from fieldwork_tui.services.engagements import open_path

    shutil.copytree(_engagement_template, home, dirs_exist_ok=True)
    handle = open_path(home / "acme-cloud-2026")
    yield handle
    handle.close()


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """Build the demo once per test run (not once per worker); tests get a private copy."""
    from fieldwork_tui.services.demo import build_demo

    def build(template_home: Path) -> None:
        # the demo's throwaway signers are trusted in this config; each test copies its trust list
        with frozen_identity(config=template_home / CONFIG):
            build_demo(template_home).close()

    return built_once(tmp_path_factory, worker_id, "demo-template", build)


@pytest.fixture
def demo_home(home: Path, _demo_template: Path, tmp_path: Path) -> Path:
    shutil.copytree(_demo_template, home, dirs_exist_ok=True, ignore=shutil.ignore_patterns(CONFIG))
    shutil.copytree(_demo_template / CONFIG, tmp_path / "config", dirs_exist_ok=True)
    return home


@pytest.fixture(scope="session")
def _pg_demo_template(_demo_template: Path, tmp_path_factory: pytest.TempPathFactory):
    """The demo published once per session to a template database on the test server."""
    from fieldwork_tui.services.demo import DEMO_SLUG
    from fieldwork_tui.services.engagements import open_path
    from fieldwork_tui.services.team import publish_engagement
    from tests import pg

    name = pg.new_name("fwdemo")
    pg.create_database(name)
    with frozen_identity(config=tmp_path_factory.mktemp("pg-demo-config")):
        local = open_path(_demo_template / DEMO_SLUG)
        try:
            publish_engagement(local, pg.database_url(name))
        finally:
            local.close()
    yield name
    pg.drop_database(name)


@pytest.fixture
def demo(demo_home: Path, engagement_engine: str, request: pytest.FixtureRequest):
    """A handle on a private copy of the demo engagement (on PostgreSQL: a fresh database made from the
    published demo, its evidence files on the server)."""
    if engagement_engine == "postgres":
        from fieldwork_tui.services.team import open_any
        from tests import pg

        template = request.getfixturevalue("_pg_demo_template")
        name = pg.new_name()
        handle = open_any(demo_home, pg.create_database(name, template=template))
        yield handle
        handle.close()
        pg.drop_database(name)
        return
    from fieldwork_tui.services.demo import DEMO_SLUG
    from fieldwork_tui.services.engagements import open_engagement

    handle = open_engagement(demo_home, DEMO_SLUG)
    yield handle
    handle.close()


@pytest.fixture
def demo_app(demo_home: Path):
    """The app on the demo engagement, built with the same factory as the CLI."""
    from fieldwork_tui.services.demo import DEMO_SLUG
    from fieldwork_tui.tui.app import create_app

    return create_app(demo_home, DEMO_SLUG)


@pytest.fixture
def become(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Switch to another person: their own config dir and signing key, named `name` (identity is the
    key, not the user name, so changing FIELDWORK_USER alone never makes someone else sign)."""

    def switch(name: str) -> str:
        monkeypatch.setenv("FIELDWORK_CONFIG", str(tmp_path / f"config-{name}"))
        monkeypatch.setenv("FIELDWORK_USER", name)
        from fieldwork_tui.services.signing.keys import ensure_key

        return ensure_key(name).fingerprint

    return switch
