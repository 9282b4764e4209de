"""Issue 13: a bundle with replaced evidence and a rewritten manifest, a stripped signature, another
key's signature — each fails `fieldwork verify`; the manager's two commands pass on the real thing."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from fieldwork_tui.cli import app
from fieldwork_tui.domain import signatures as sig
from fieldwork_tui.store import keys

runner = CliRunner()


@pytest.fixture
def bundle(demo_home, tmp_path) -> Path:
    out = tmp_path / "bundle.zip"
    r = runner.invoke(app, ["export", "demo", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "manifest SHA-256 " in r.output and keys.load_info().fingerprint in r.output
    digest = hashlib.sha256(zipfile.ZipFile(out).read("manifest.json")).hexdigest()
    assert digest in r.output
    return out


def _rewrite(src: Path, dst: Path, change) -> None:
    with zipfile.ZipFile(src) as zin:
        members = {i.filename: zin.read(i) for i in zin.infolist()}
    change(members)
    with zipfile.ZipFile(dst, "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)


def _replace_evidence(members: dict[str, bytes]) -> str:
    name = next(n for n in members if n.startswith("evidence/"))
    members[name] = b"a forged access review, all fine"
    manifest = json.loads(members["manifest.json"])
    for entry in manifest["files"]:
        if entry["path"] == name:
            entry["sha256"] = hashlib.sha256(members[name]).hexdigest()
            entry["size"] = len(members[name])
    members["manifest.json"] = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    return name


def _verify(path: Path, *extra: str):
    return runner.invoke(app, ["verify", str(path), *extra])


def test_the_exported_bundle_verifies_and_names_its_signer(bundle):
    r = _verify(bundle)
    assert r.exit_code == 0 and f"signed by elena ({keys.load_info().fingerprint})" in r.output


def test_replaced_evidence_with_a_rewritten_manifest_fails_everywhere_it_is_named(bundle, tmp_path):
    forged = tmp_path / "forged.zip"
    names = []
    _rewrite(bundle, forged, lambda m: names.append(_replace_evidence(m)))
    r = _verify(forged)
    assert r.exit_code == 1 and "signature does NOT verify" in r.output
    assert f"{names[0]}: its name carries the hash" in r.output
    assert "the journal records no evidence file with its SHA-256" in r.output
    assert "cites " + names[0] in r.output


def test_resigned_by_another_key_is_an_unknown_signer(bundle, tmp_path):
    forged = tmp_path / "resigned.zip"
    other = Ed25519PrivateKey.generate()

    def change(m):
        _replace_evidence(m)
        m["manifest.sig"] = sig.sign(other, sig.NS_BUNDLE, m["manifest.json"]).encode()

    _rewrite(bundle, forged, change)
    r = _verify(forged)
    assert r.exit_code == 1 and "signed by an unknown key" in r.output and "its name carries" in r.output
    pinned = _verify(forged, "--key", keys.load_info().fingerprint)
    assert pinned.exit_code == 1 and "NOT by the key you pinned" in pinned.output


def test_a_stripped_signature_is_said_plainly(bundle, tmp_path):
    stripped = tmp_path / "stripped.zip"
    _rewrite(bundle, stripped, lambda m: m.pop("manifest.sig"))
    r = _verify(stripped)
    assert r.exit_code == 1 and "NOT signed: the bundle has no manifest.sig" in r.output


def test_the_managers_two_commands(bundle, tmp_path, monkeypatch):
    pub = tmp_path / "elena.pub"
    pub.write_text(keys.pub_file().read_text())
    fp = keys.load_info().fingerprint
    monkeypatch.setenv("FIELDWORK_CONFIG", str(tmp_path / "manager-config"))  # the manager's own machine
    assert "signed by an unknown key" in _verify(bundle).output
    trusted = runner.invoke(app, ["keys", "trust", str(pub)])
    assert trusted.exit_code == 0 and fp in trusted.output
    r = _verify(bundle)
    assert r.exit_code == 0 and fp in r.output
    assert _verify(bundle, "--key", str(pub)).exit_code == 0


def test_the_export_is_journaled_and_anchored(bundle, demo_home):
    from fieldwork_tui.services.engagements import open_engagement
    from fieldwork_tui.store import anchors
    from fieldwork_tui.store.journal import iter_entries

    h = open_engagement(demo_home, "demo")
    with h.read() as s:
        exports = [e for e in iter_entries(s) if e["action"] == "export"]
    uid = h.engagement().uid
    h.close()
    assert len(exports) == 1 and exports[0]["details"]["fingerprint"] == keys.load_info().fingerprint
    lines = anchors.read_lines(demo_home, uid)
    assert json.loads(lines[-1])["kind"] == "export"
    with zipfile.ZipFile(bundle) as z:
        assert z.read("anchors.jsonl").decode().splitlines() == lines[:-1]
        index = z.read("index.html").decode()
    assert keys.load_info().fingerprint in index and "fieldwork verify BUNDLE.zip" in index
