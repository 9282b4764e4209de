"""The import rules of docs/DESIGN.md, as import-linter contracts (`[tool.importlinter]` in
pyproject.toml): the layers; the CLI and the TUI use only the services' public API (an area's package or
its `views`, `services.engagements`, `services.errors`, `services.settings`, `services.demo`); the domain
is pure; the services and the store never load a UI toolkit. `lint-imports` runs the same check."""

from __future__ import annotations

from pathlib import Path

import pytest

PYPROJECT = str(Path(__file__).resolve().parents[2] / "pyproject.toml")


class _GraphWith:
    """Builds the real import graph, plus one extra import (to prove a contract would catch it)."""

    def __init__(self, real, extra: tuple[str, str] | None) -> None:
        self.real, self.extra = real, extra

    def build(self, *args, **kwargs):
        graph = self.real.build(*args, **kwargs)
        if self.extra:
            graph.add_import(importer=self.extra[0], imported=self.extra[1], line_number=1,
                             line_contents=f"import {self.extra[1]}")
        return graph


def _report(extra: tuple[str, str] | None = None):
    from importlinter import configuration
    from importlinter.application import use_cases
    from importlinter.application.app_config import settings

    configuration.configure()
    real = settings.GRAPH_BUILDER
    settings.configure(GRAPH_BUILDER=_GraphWith(real, extra))
    try:
        options = use_cases.read_user_options(config_filename=PYPROJECT)
        use_cases._register_built_in_contract_types()
        return use_cases.create_report(options, cache_dir=None)
    finally:
        settings.configure(GRAPH_BUILDER=real)


def _broken(report) -> list[str]:
    return [c.name for c, check in report.get_contracts_and_checks() if not check.kept]


def test_import_contracts_are_kept():
    report = _report()
    assert report.kept_count + report.broken_count >= 4 and not report.could_not_run
    assert not report.contains_failures, _broken(report)


@pytest.mark.parametrize("importer, imported, contract", [
    ("fieldwork_tui.tui.screens.controls", "fieldwork_tui.services.controls.catalog", "public API"),
    ("fieldwork_tui.cli.bundle", "fieldwork_tui.store.models", "public API"),
    ("fieldwork_tui.tui.app", "sqlmodel", "public API"),
    ("fieldwork_tui.store.journal", "fieldwork_tui.services.findings", "Layers"),
    ("fieldwork_tui.domain.vocab", "fieldwork_tui.store.db", "Layers"),
    ("fieldwork_tui.domain.vocab", "openpyxl", "pure"),
    ("fieldwork_tui.services.controls.catalog", "textual", "UI toolkits"),
])
def test_contracts_would_catch_a_wrong_import(importer, imported, contract):
    """Not vacuous: each of these imports, added to the real graph, breaks the contract named."""
    broken = _broken(_report((importer, imported)))
    assert any(contract in name for name in broken), (importer, imported, broken)
