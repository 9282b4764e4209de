"""The CLI and the TUI receive plain data, never ORM rows (docs/DESIGN.md, "Layers"): every dataclass in
an area's `views.py` that carries stored records is frozen, no views module imports the store or sqlmodel, and what the screens
load from the demo engagement holds no SQLModel instance anywhere inside."""

from __future__ import annotations

import ast
import dataclasses
import importlib
from pathlib import Path

import pytest
from sqlmodel import SQLModel

import fieldwork_tui

PKG = Path(fieldwork_tui.__file__).parent
VIEWS = sorted(p for p in (PKG / "services").glob("*/views.py"))


def test_there_are_views_to_check():
    assert {p.parent.name for p in VIEWS} >= {"controls", "evidence", "sampling", "requests", "findings", "bundle",
                                                "maintenance"}


@pytest.mark.parametrize("path", VIEWS, ids=lambda p: p.parent.name)
def test_views_import_no_store_and_no_orm(path):
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
    bad = sorted(m for m in imported if m.startswith(("fieldwork_tui.store", "sqlmodel", "sqlalchemy")))
    assert bad == [], f"{path.relative_to(PKG)} imports {bad}: views hold plain copies (services/records.py)"


#: The views that carry stored records to the screens: frozen, so a screen cannot change what it was given.
FROZEN = {
    "controls": ["ControlRecords"],
    "evidence": ["AttachedFile", "InterviewSummary", "StatementRow", "InterviewDetail", "ControlStatement",
                 "PersonView", "ComparisonOutcome", "ReperformanceView"],
    "sampling": ["PopulationResult", "PopulationRowView", "SamplePlan", "SampleView"],
    "requests": ["RequestDetail"],
    "findings": ["ExceptionDetail"],
}


@pytest.mark.parametrize("area", sorted(FROZEN))
def test_views_carrying_records_are_frozen(area):
    module = importlib.import_module(f"fieldwork_tui.services.{area}.views")
    loose = [name for name in FROZEN[area] if not getattr(module, name).__dataclass_params__.frozen]
    assert loose == [], f"{module.__name__}: make these frozen: {loose}"


def _orm_inside(value, path="view", seen=None) -> list[str]:
    seen = set() if seen is None else seen
    if id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, SQLModel):
        return [f"{path}: {type(value).__name__}"]
    out: list[str] = []
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            out += _orm_inside(getattr(value, f.name), f"{path}.{f.name}", seen)
    elif isinstance(value, list | tuple | set | frozenset):
        for i, v in enumerate(value):
            out += _orm_inside(v, f"{path}[{i}]", seen)
    elif isinstance(value, dict):
        for k, v in value.items():
            out += _orm_inside(v, f"{path}[{k!r}]", seen)
    return out


def test_what_the_screens_load_holds_no_orm_rows(demo):
    from fieldwork_tui.services import controls, evidence, findings, requests, sampling

    loaded = {}
    refs = [row.ref for row in controls.overview(demo).controls]
    for ref in refs:
        loaded[f"control_records({ref})"] = controls.control_records(demo, ref)
        loaded[f"sample_view({ref})"] = sampling.sample_view(demo, ref)
    page = requests.request_page(demo, requests.RequestQuery(), 0, 50)
    for r in page:
        loaded[f"request_detail({r.ref})"] = requests.request_detail(demo, r.id)
    for iv in evidence.list_interviews(demo):
        loaded[f"interview_detail({iv.id})"] = evidence.interview_detail(demo, iv.id)
    for rec in loaded.copy().values():
        for rp in getattr(rec, "reperformances", []):
            loaded[f"reperformance({rp.id})"] = evidence.get_reperformance(demo, rp.id)
        for ex, _resp in getattr(rec, "exceptions", []):
            loaded[f"exception({ex.id})"] = findings.get_exception(demo, ex.id)
    kinds = {k.split("(")[0] for k in loaded}
    assert kinds >= {"control_records", "sample_view", "request_detail", "interview_detail", "reperformance",
                     "exception"}, kinds
    assert any(v.follow_ups for k, v in loaded.items() if k.startswith("request_detail")), "demo has follow-ups"
    found = [p for name, view in loaded.items() for p in _orm_inside(view, name)]
    assert found == [], found[:10]
