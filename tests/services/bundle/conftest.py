"""Fixtures of the bundle tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

#: The unmodified demo's bundle, per engine, exported once per worker (tests only read it).
_DEMO_EXPORTS: dict[str, Path] = {}


@pytest.fixture
def demo_export(demo, engagement_engine: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the bundle of the unmodified demo (the `demo` of this test, on its engine).
    An export takes seconds; the demo every test gets is the same, so its bundle is made once per
    worker and engine. For tests that read the bundle; a test that changes the demo first exports
    it itself."""
    if engagement_engine not in _DEMO_EXPORTS:
        from fieldwork_tui.services.bundle.export import export_bundle

        out = tmp_path_factory.mktemp(f"demo-export-{engagement_engine}") / "bundle.zip"
        export_bundle(demo, out)
        _DEMO_EXPORTS[engagement_engine] = out
    copy = tmp_path / "demo-bundle.zip"
    shutil.copyfile(_DEMO_EXPORTS[engagement_engine], copy)
    return copy
