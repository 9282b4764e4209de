"""The bundle's OSCAL file against the NIST OSCAL 1.1 assessment-results model.

The validator below encodes, for every object the document uses, the field names the model
allows and the ones it requires (JSON names, as in the NIST model reference), plus the value rules
that matter here: UUID v4/v5, tokens, timezone-qualified date-times, allowed enumerations.
Unknown keys fail, so a misspelt field ("observation" instead of "observations") is caught.
"""

from __future__ import annotations

import json
import re
import zipfile

from fieldwork_tui.services.bundle.export import export_bundle

from ..support import fill_control

UUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[45][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$")
TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9.\-_]*$")  # the model's token, ASCII letters and digits
DATETIME_TZ = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

# object name -> (required fields, allowed fields, {field: child object or value rule})
MODEL: dict[str, tuple[set[str], set[str], dict[str, str]]] = {
    "root": ({"assessment-results"}, {"assessment-results"}, {"assessment-results": "assessment-results"}),
    "assessment-results": (
        {"uuid", "metadata", "import-ap", "results"},
        {"uuid", "metadata", "import-ap", "local-definitions", "results", "back-matter"},
        {"uuid": "@uuid", "metadata": "metadata", "import-ap": "import-ap", "results": "[result",
         "back-matter": "back-matter"}),
    "metadata": (
        {"title", "last-modified", "version", "oscal-version"},
        {"title", "published", "last-modified", "version", "oscal-version", "revisions", "document-ids", "props",
         "links", "roles", "locations", "parties", "responsible-parties", "actions", "remarks"},
        {"last-modified": "@datetime", "props": "[property", "parties": "[party", "title": "@string",
         "version": "@string", "oscal-version": "@string"}),
    "property": ({"name", "value"}, {"name", "uuid", "ns", "value", "class", "group", "remarks"},
                 {"name": "@token", "value": "@string", "ns": "@uri"}),
    "party": ({"uuid", "type"}, {"uuid", "type", "name", "short-name", "external-ids", "props", "links",
                                 "email-addresses", "telephone-numbers", "addresses", "location-uuids",
                                 "member-of-organizations", "remarks"},
              {"uuid": "@uuid", "type": "@party-type"}),
    "import-ap": ({"href"}, {"href", "remarks"}, {"href": "@string"}),
    "result": (
        {"uuid", "title", "description", "start", "reviewed-controls"},
        {"uuid", "title", "description", "start", "end", "props", "links", "local-definitions",
         "reviewed-controls", "attestations", "assessment-log", "observations", "risks", "findings", "remarks"},
        {"uuid": "@uuid", "start": "@datetime", "end": "@datetime", "reviewed-controls": "reviewed-controls",
         "observations": "[observation", "risks": "[risk", "findings": "[finding", "props": "[property"}),
    "reviewed-controls": ({"control-selections"}, {"description", "props", "links", "control-selections",
                                                   "control-objective-selections", "remarks"},
                          {"control-selections": "[control-selection"}),
    "control-selection": (set(), {"description", "props", "links", "include-all", "include-controls",
                                  "exclude-controls", "remarks"},
                          {"include-controls": "[select-control"}),
    "select-control": ({"control-id"}, {"control-id", "statement-ids"}, {"control-id": "@token"}),
    "observation": (
        {"uuid", "description", "methods", "collected"},
        {"uuid", "title", "description", "props", "links", "methods", "types", "origins", "subjects",
         "relevant-evidence", "collected", "expires", "remarks"},
        {"uuid": "@uuid", "methods": "@methods", "types": "@observation-types", "collected": "@datetime",
         "subjects": "[subject", "relevant-evidence": "[relevant-evidence", "props": "[property",
         "description": "@string"}),
    "subject": ({"subject-uuid", "type"}, {"subject-uuid", "type", "title", "props", "links", "remarks"},
                {"subject-uuid": "@uuid", "type": "@subject-type"}),
    "relevant-evidence": ({"description"}, {"href", "description", "props", "links", "remarks"},
                          {"href": "@string", "description": "@string"}),
    "risk": (
        {"uuid", "title", "description", "statement", "status"},
        {"uuid", "title", "description", "statement", "props", "links", "status", "origins", "threat-ids",
         "characterizations", "mitigating-factors", "deadline", "remediations", "risk-log", "related-observations"},
        {"uuid": "@uuid", "status": "@risk-status", "remediations": "[response",
         "mitigating-factors": "[mitigating-factor", "related-observations": "[related-observation",
         "props": "[property", "statement": "@string"}),
    "mitigating-factor": ({"uuid", "description"}, {"uuid", "implementation-uuid", "description", "props",
                                                    "links", "subjects"}, {"uuid": "@uuid"}),
    "response": ({"uuid", "lifecycle", "title", "description"},
                 {"uuid", "lifecycle", "title", "description", "props", "links", "origins", "required-assets",
                  "tasks", "remarks"},
                 {"uuid": "@uuid", "lifecycle": "@lifecycle", "props": "[property"}),
    "related-observation": ({"observation-uuid"}, {"observation-uuid"}, {"observation-uuid": "@uuid"}),
    "related-risk": ({"risk-uuid"}, {"risk-uuid"}, {"risk-uuid": "@uuid"}),
    "finding": (
        {"uuid", "title", "description", "target"},
        {"uuid", "title", "description", "props", "links", "origins", "target", "implementation-statement-uuid",
         "related-observations", "related-risks", "remarks"},
        {"uuid": "@uuid", "target": "finding-target", "related-observations": "[related-observation",
         "related-risks": "[related-risk", "props": "[property"}),
    "finding-target": ({"type", "target-id", "status"},
                       {"type", "target-id", "title", "description", "props", "links", "status",
                        "implementation-status", "remarks"},
                       {"type": "@target-type", "target-id": "@token", "status": "objective-status"}),
    "objective-status": ({"state"}, {"state", "reason", "remarks"}, {"state": "@state", "reason": "@reason"}),
    "back-matter": (set(), {"resources"}, {"resources": "[resource"}),
    "resource": ({"uuid"}, {"uuid", "title", "description", "props", "document-ids", "citation", "rlinks",
                            "base64", "remarks"},
                 {"uuid": "@uuid", "rlinks": "[rlink", "props": "[property"}),
    "rlink": ({"href"}, {"href", "media-type", "hashes"}, {"hashes": "[hash"}),
    "hash": ({"algorithm", "value"}, {"algorithm", "value"}, {"algorithm": "@hash-algorithm"}),
}

ENUMS = {
    "methods": {"EXAMINE", "INTERVIEW", "TEST", "UNKNOWN"},
    "observation-types": {"ssp-statement-issue", "control-objective", "mitigation", "finding", "historic"},
    "party-type": {"person", "organization"},
    "subject-type": {"component", "inventory-item", "location", "party", "user", "resource"},
    "risk-status": {"open", "investigating", "remediating", "deviation-requested", "deviation-approved", "closed"},
    "lifecycle": {"recommendation", "planned", "completed"},
    "target-type": {"statement-id", "objective-id"},
    "state": {"satisfied", "not-satisfied"},
    "reason": {"pass", "fail", "other"},
    "hash-algorithm": {"SHA-224", "SHA-256", "SHA-384", "SHA-512", "SHA3-224", "SHA3-256", "SHA3-384", "SHA3-512"},
}


def validate(value, kind: str = "root", path: str = "$") -> list[str]:
    """Problems with `value` as an OSCAL object of `kind` (empty when it conforms)."""
    errors: list[str] = []
    if kind.startswith("["):
        if not isinstance(value, list) or not value:
            return [f"{path}: expected a non-empty array"]
        for i, item in enumerate(value):
            errors += validate(item, kind[1:], f"{path}[{i}]")
        return errors
    if kind.startswith("@"):
        return _check_value(value, kind[1:], path)
    if not isinstance(value, dict):
        return [f"{path}: expected an object ({kind})"]
    required, allowed, children = MODEL[kind]
    errors += [f"{path}: missing required field {f!r}" for f in sorted(required - set(value))]
    errors += [f"{path}: field {f!r} is not in the {kind} model" for f in sorted(set(value) - allowed)]
    for key, child in children.items():
        if key in value:
            errors += validate(value[key], child, f"{path}.{key}")
    for key in ("title", "description", "remarks"):
        if key in value and key not in children and not (isinstance(value[key], str) and value[key].strip()):
            errors.append(f"{path}.{key}: expected non-empty text")
    return errors


def _check_value(value, rule: str, path: str) -> list[str]:
    if rule == "methods":
        if not isinstance(value, list) or not value or not set(value) <= ENUMS["methods"]:
            return [f"{path}: methods must be a non-empty subset of {sorted(ENUMS['methods'])}"]
        return []
    if rule == "observation-types":
        return [] if isinstance(value, list) and set(value) <= ENUMS[rule] else [f"{path}: bad observation type"]
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        return [f"{path}: expected a non-empty string without surrounding spaces"]
    if rule == "uuid" and not UUID.match(value):
        return [f"{path}: not a v4/v5 UUID: {value}"]
    if rule == "token" and not TOKEN.match(value):
        return [f"{path}: not a token: {value}"]
    if rule == "datetime" and not DATETIME_TZ.match(value):
        return [f"{path}: not a date-time with timezone: {value}"]
    if rule == "uri" and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value):
        return [f"{path}: not an absolute URI: {value}"]
    if rule in ENUMS and value not in ENUMS[rule]:
        return [f"{path}: {value!r} not one of {sorted(ENUMS[rule])}"]
    return []


def _oscal(handle, tmp_path) -> dict:
    out = tmp_path / "b.zip"
    export_bundle(handle, out)
    with zipfile.ZipFile(out) as zf:
        return json.loads(zf.read("oscal/assessment-results.json"))


def test_validator_catches_misspelt_and_missing_fields():
    doc = {"assessment-results": {"uuid": "not-a-uuid", "metadata": {"title": "t"}, "import-ap": {"href": "#x"},
                                  "results": [{"uuid": "4f6f2ad0-1b0a-4c3e-9b7e-6a0f0a0a0a0a", "title": "r",
                                               "description": "d", "start": "2026-01-01",
                                               "reviewed-controls": {"control-selections": [{}]},
                                               "observation": []}]}}
    errors = "\n".join(validate(doc))
    assert "not a v4/v5 UUID" in errors
    assert "missing required field 'last-modified'" in errors
    assert "field 'observation' is not in the result model" in errors
    assert "not a date-time with timezone" in errors


def test_oscal_file_conforms_to_the_assessment_results_model(engagement, tmp_path):
    fill_control(engagement, "AC-1", "Access review")
    from fieldwork_tui.services.controls.catalog import add_control

    add_control(engagement, "AC-2", "Untested control", criteria=["CC6.2"])
    doc = _oscal(engagement, tmp_path)
    assert validate(doc) == []
    ar = doc["assessment-results"]
    assert ar["metadata"]["oscal-version"].startswith("1.1")
    result = ar["results"][0]
    methods = {m for o in result["observations"] for m in o["methods"]}
    assert methods == {"INTERVIEW", "EXAMINE", "TEST"}
    # neither control has a published determination (AC-1 has open work, AC-2 no tests): no finding, both
    # listed as open in the attestation — an untested control is never a failed finding
    assert "findings" not in result
    open_parts = result["attestations"][0]["parts"][0]["parts"]
    assert [p["title"].split(":")[0] for p in open_parts] == ["AC-1", "AC-2"]
    assert open_parts[1]["prose"].startswith("Tests not yet performed.")
    assert {c["control-id"] for c in result["reviewed-controls"]["control-selections"][0]["include-controls"]} == {
        "cc6.1", "cc6.2"}


def test_every_reference_resolves_and_evidence_carries_its_hash(engagement, tmp_path):
    fill_control(engagement, "AC-1", "Access review")
    ar = _oscal(engagement, tmp_path)["assessment-results"]
    result = ar["results"][0]
    resources = {r["uuid"]: r for r in ar["back-matter"]["resources"]}
    observations = {o["uuid"] for o in result["observations"]}
    risks = {r["uuid"]: r for r in result["risks"]}
    assert ar["import-ap"]["href"] == "assessment-plan.json"  # oscal/assessment-plan.json in the bundle
    for f in result.get("findings", []):
        assert {r["observation-uuid"] for r in f.get("related-observations", [])} <= observations
        assert {r["risk-uuid"] for r in f.get("related-risks", [])} <= set(risks)
    for o in result["observations"]:
        for ev in o.get("relevant-evidence", []):
            assert ev["href"].lstrip("#") in resources
    evidence = [r for r in resources.values() if "rlinks" in r]
    assert evidence and all(r["rlinks"][0]["hashes"][0]["algorithm"] == "SHA-256" for r in evidence)
    assert all(r["rlinks"][0]["href"].startswith("../evidence/") for r in evidence)
    (risk,) = risks.values()
    assert risk["status"] == "remediating"
    assert risk["remediations"][0]["description"] == "Access review corrective"
    assert "Access review root cause" in risk["remediations"][0]["remarks"]
    assert risk["mitigating-factors"][0]["description"] == "Access review compensating"
    all_uuids = [o["uuid"] for o in result["observations"]] + list(risks) + [f["uuid"] for f in result.get("findings", [])]
    assert len(all_uuids) == len(set(all_uuids))


def test_demo_oscal_validates(demo, tmp_path):
    assert validate(_oscal(demo, tmp_path)) == []
