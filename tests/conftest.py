"""Shared fixtures. Every test runs on a temporary fieldwork home with a frozen clock and user,
and with cursor blink frozen so snapshots are deterministic."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support import DEMO_CONFIG as CONFIG
from tests.support import DEMO_TODAY, frozen_identity


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
def _no_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(Input, "cursor_blink", False)
    monkeypatch.setattr(TextArea, "cursor_blink", False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture(scope="session")
def _engagement_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Create the empty engagement (and run its migrations) once per session; tests get a private copy."""
    from fieldwork_tui.services.engagements import create_engagement

    template_home = tmp_path_factory.mktemp("engagement-template")
    with frozen_identity(config=template_home / ".config"):
        create_engagement(template_home, "Acme Cloud 2026", period="2026-01-01..2026-12-31",
                          categories="security,availability").close()
    return template_home


@pytest.fixture
def engagement(home: Path, _engagement_template: Path):
    """An empty Type II engagement (period 2026) with a handle; closed after the test."""
    from fieldwork_tui.services.engagements import open_path

    shutil.copytree(_engagement_template, home, dirs_exist_ok=True)
    handle = open_path(home / "acme-cloud-2026")
    yield handle
    handle.close()


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the demo once per test session; tests get a private copy."""
    from fieldwork_tui.services.demo import build_demo

    template_home = tmp_path_factory.mktemp("demo-template")
    # the demo's throwaway signers are trusted in this config; each test copies its trust list
    with frozen_identity(config=template_home / CONFIG):
        build_demo(template_home).close()
    return template_home


@pytest.fixture
def demo_home(home: Path, _demo_template: Path, tmp_path: Path) -> Path:
    shutil.copytree(_demo_template, home, dirs_exist_ok=True, ignore=shutil.ignore_patterns(CONFIG))
    shutil.copytree(_demo_template / CONFIG, tmp_path / "config", dirs_exist_ok=True)
    return home


@pytest.fixture
def demo(demo_home: Path):
    """A handle on a private copy of the demo engagement."""
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
