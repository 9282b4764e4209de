"""The bundle's OSCAL documents against NIST's published OSCAL 1.1.2 JSON schema (vendored in
tests/data with its SHA-256), and what they may state: no untested or flagged control is a finding,
findings follow the concluded effectiveness, identifiers are stable, times lie in the window."""

from __future__ import annotations

import copy
import hashlib
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest
import regex

from fieldwork_tui.services.bundle.export import export_bundle
from fieldwork_tui.services.bundle.oscal import NS

SCHEMA = Path(__file__).parents[2] / "data" / "oscal_assessment-results_schema-1.1.2.json"
SCHEMA_SHA256 = "d033da70154cf6625ae46a746199e88e58f2928b1387dfac051d381b92f41b0d"
D = "oscal-ar-oscal-"


def _validator(schema: dict) -> jsonschema.protocols.Validator:
    """Draft-07 with `pattern` routed through `regex` (OSCAL's patterns use \\p{L}, \\p{N})."""

    def pattern(validator, patrn, instance, schema):
        if validator.is_type(instance, "string") and not regex.search(patrn, instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {patrn!r}")

    cls = jsonschema.validators.extend(jsonschema.Draft7Validator, {"pattern": pattern})
    return cls(schema, format_checker=None)


def _schema() -> dict:
    data = SCHEMA.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SCHEMA_SHA256, "the vendored schema changed"
    return json.loads(data)


def _plan_schema() -> dict:
    """No plan schema is vendored: a root from the AR schema's shared definitions (metadata,
    import-ssp, local objectives, reviewed controls, assessment subjects, back matter)."""
    ar = _schema()
    ref = lambda name: {"$ref": f"#/definitions/{D}{name}"}  # noqa: E731
    part = {"$ref": "#/definitions/oscal-ar-oscal-assessment-common:assessment-part"}
    return {
        "$schema": ar["$schema"], "definitions": ar["definitions"], "type": "object",
        "required": ["assessment-plan"], "additionalProperties": False,
        "properties": {"assessment-plan": {
            "type": "object", "additionalProperties": False,
            "required": ["uuid", "metadata", "import-ssp", "reviewed-controls"],
            "properties": {
                "uuid": ar["definitions"][f"{D}ar:assessment-results"]["properties"]["uuid"],
                "metadata": ref("metadata:metadata"),
                "import-ssp": ref("assessment-common:import-ssp"),
                "local-definitions": {"type": "object", "additionalProperties": False, "properties": {
                    "objectives-and-methods": {"type": "array", "minItems": 1,
                                               "items": ref("assessment-common:local-objective")}}},
                "terms-and-conditions": {"type": "object", "additionalProperties": False, "properties": {
                    "parts": {"type": "array", "minItems": 1, "items": part}}},
                "reviewed-controls": ref("assessment-common:reviewed-controls"),
                "assessment-subjects": {"type": "array", "minItems": 1,
                                        "items": ref("assessment-common:assessment-subject")},
                "back-matter": ref("metadata:back-matter"),
            }}},
    }


def _bundle(handle, tmp_path: Path, name: str = "b.zip") -> tuple[dict, dict]:
    out = tmp_path / name
    export_bundle(handle, out)
    with zipfile.ZipFile(out) as zf:
        return json.loads(zf.read("oscal/assessment-results.json")), json.loads(zf.read("oscal/assessment-plan.json"))


def _errors(schema: dict, doc: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
            for e in _validator(schema).iter_errors(doc)]


@pytest.fixture(scope="module")
def demo_docs(tmp_path_factory, _demo_template):
    import shutil

    from fieldwork_tui.services.demo import DEMO_SLUG
    from fieldwork_tui.services.engagements import open_engagement

    home = tmp_path_factory.mktemp("oscal-demo")
    shutil.copytree(_demo_template, home, dirs_exist_ok=True)
    handle = open_engagement(home, DEMO_SLUG)
    try:
        first = _bundle(handle, home, "one.zip")
        second = _bundle(handle, home, "two.zip")
        from fieldwork_tui.services.controls.status import status_json

        status = status_json(handle)
    finally:
        handle.close()
    return first, second, status


def test_the_validator_is_real() -> None:
    """A broken document fails: the schema is applied, patterns included (\\p{L} through regex)."""
    doc = {"assessment-results": {"uuid": "not-a-uuid", "metadata": {"title": "t"}, "import-ap": {"href": "x"},
                                  "results": []}}
    errors = "\n".join(_errors(_schema(), doc))
    assert "not-a-uuid" in errors and "last-modified" in errors
    bad_token = {"name": "bad name", "value": "v"}
    assert _errors({"definitions": _schema()["definitions"],
                    "$ref": f"#/definitions/{D}metadata:property"}, bad_token)


def test_demo_results_and_plan_validate(demo_docs) -> None:
    (results, plan), _, _ = demo_docs
    assert _errors(_schema(), results) == []
    assert _errors(_plan_schema(), plan) == []


def test_no_untested_or_flagged_control_is_a_finding(demo_docs) -> None:
    (results, _plan), _, status = demo_docs
    result = results["assessment-results"]["results"][0]
    findings = {p["value"]: f for f in result.get("findings", []) for p in f["props"] if p["name"] == "control-ref"}
    by_ref = {c["ref"]: c for c in status["controls"]}
    for ref, f in findings.items():
        c = by_ref[ref]
        assert c["defensible"] and "unsigned" not in c["flags"] and "signoff_stale" not in c["flags"], ref
        state = f["target"]["status"]["state"]
        expected = "not-satisfied" if c["conclusion"] == "not_effective" else "satisfied"
        assert state == expected, ref
    [attestation] = result["attestations"]
    open_refs = {p["value"] for part in attestation["parts"][0]["parts"] for p in part["props"]
                 if p["name"] == "control-ref"}
    assert open_refs | set(findings) == set(by_ref)  # every control is either a finding or listed as open
    assert not open_refs & set(findings)
    assert "AC-01" in open_refs and "AC-02" in open_refs  # unresolved differences; uncorroborated inquiry
    assert all(f["target"]["status"]["state"] != "not-satisfied" or by_ref[r]["conclusion"] == "not_effective"
               for r, f in findings.items())


def test_identifiers_stable_and_plan_resolves(demo_docs) -> None:
    (r1, p1), (r2, p2), _ = demo_docs
    a1, a2 = r1["assessment-results"], r2["assessment-results"]
    assert a1["uuid"] == a2["uuid"] and p1["assessment-plan"]["uuid"] == p2["assessment-plan"]["uuid"]
    strip = lambda d: {k: v for k, v in d.items() if k != "metadata"}  # noqa: E731
    assert strip(a1) == strip(a2) or a1["results"][0]["end"] != a2["results"][0]["end"]
    assert a1["import-ap"]["href"] == "assessment-plan.json"  # beside it in oscal/
    objectives = {part["id"] for o in p1["assessment-plan"]["local-definitions"]["objectives-and-methods"]
                  for part in o["parts"] if "id" in part}
    for f in a1["results"][0].get("findings", []):
        assert f["target"]["target-id"] in objectives


def test_times_inside_the_window_and_namespace(demo_docs) -> None:
    import datetime as dt

    (results, plan), _, _ = demo_docs
    result = results["assessment-results"]["results"][0]
    start, end = (dt.datetime.fromisoformat(result[k]) for k in ("start", "end"))
    for o in result["observations"]:
        assert start <= dt.datetime.fromisoformat(o["collected"]) <= end, o["title"]
    props = {p["name"]: p["value"] for p in result["props"]}
    assert props["audit-period-start"] == "2025-10-01" and props["audit-period-end"] == "2026-09-30"
    text = json.dumps([results, plan])
    namespaces = {n for n in regex.findall(r'"ns": "([^"]+)"', text)}
    assert namespaces == {NS} and NS.startswith("https://")


def test_a_defensible_effective_control_is_satisfied_with_its_exceptions(engagement, tmp_path) -> None:
    """Effective with exceptions, defensible and signed → satisfied, the exception as observation and risk;
    the same control concluded not effective → not-satisfied."""
    from fieldwork_tui.domain.vocab import Conclusion, SignOffRole
    from fieldwork_tui.services.controls.catalog import set_conclusion, set_required_types
    from fieldwork_tui.services.findings.signoffs import sign

    from ..support import fill_control

    fill_control(engagement, "AC-1", "Access review")
    with engagement.session() as s:
        from sqlmodel import select

        from fieldwork_tui.domain.vocab import DeviationConclusion
        from fieldwork_tui.store.models import ReperformanceDifference, Sample, SampleItem

        for d in s.exec(select(ReperformanceDifference)):
            d.disposition = "explained"
            d.disposition_reason = "ok"
            s.add(d)
        for item in s.exec(select(SampleItem).where(SampleItem.result == "untested")):
            item.result = "passed"
            s.add(item)
        for sample in s.exec(select(Sample)):
            sample.conclusion = DeviationConclusion.isolated  # the one deviation concluded isolated
            s.add(sample)
    set_required_types(engagement, "AC-1", ["inspection"])
    doc, _ = _bundle(engagement, tmp_path, "a.zip")
    result = doc["assessment-results"]["results"][0]
    assert not result.get("findings"), "unsigned: no determination yet"
    sign(engagement, "AC-1", SignOffRole.preparer)
    doc, _ = _bundle(engagement, tmp_path, "b.zip")
    result = doc["assessment-results"]["results"][0]
    flagged = [p["value"] for p in result.get("attestations", [{}])[0].get("parts", [{}])[0].get("parts", [{}])[0]
               .get("props", []) if p["name"] == "flag"] if result.get("attestations") else []
    assert result.get("findings"), f"still open: {flagged}"
    [finding] = result["findings"]
    assert finding["target"]["status"]["state"] == "satisfied"
    assert finding["related-risks"] and any("finding" in o["types"] for o in result["observations"])
    assert _errors(_schema(), doc) == []
    set_conclusion(engagement, "AC-1", Conclusion.not_effective, "systematic")
    sign(engagement, "AC-1", SignOffRole.preparer)
    doc, _ = _bundle(engagement, tmp_path, "c.zip")
    [finding] = doc["assessment-results"]["results"][0]["findings"]
    assert finding["target"]["status"]["state"] == "not-satisfied"
    assert copy.deepcopy(finding)["target"]["status"]["reason"] == "fail"
