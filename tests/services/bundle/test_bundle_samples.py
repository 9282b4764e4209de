"""Every sample in an exported bundle re-derives outside the app: the bundle carries each population in
its canonical form, reperform/samples.json and reperform/sample.py; the script, run by an isolated
Python (no fieldwork_tui importable) in the extracted bundle, prints a match for every draw. Each
sampled workpaper lists the method's inputs and links the population files (issue 21)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile

import pytest
from sqlmodel import select

from fieldwork_tui.services.bundle.sampling import script_source
from fieldwork_tui.store.models import Engagement, Population, Sample


@pytest.fixture
def bundle(demo_export, tmp_path):
    out = demo_export
    root = tmp_path / "extracted"
    with zipfile.ZipFile(out) as zf:
        zf.extractall(root)
    return root


def run_isolated(root):
    return subprocess.run([sys.executable, "-I", "-S", "reperform/sample.py"], cwd=root, capture_output=True,
                          text=True, timeout=300)


def test_every_sample_of_the_demo_re_derives_outside_the_package(demo, bundle):
    assert (bundle / "reperform" / "sample.py").read_bytes() == script_source()
    doc = json.loads((bundle / "reperform" / "samples.json").read_text())
    with demo.read() as s:
        uid = s.exec(select(Engagement)).one().uid
        drawn = {x.id for x in s.exec(select(Sample))}
        pops = {p.sha256 for p in s.exec(select(Population))}
    assert doc["engagement"]["uid"] == uid
    assert {p["id"] for x in doc["samples"] for p in x["parts"]} == drawn
    for x in doc["samples"]:
        pop = x["population"]
        assert hashlib.sha256((bundle / pop["file"]).read_bytes()).hexdigest() == pop["sha256"] in pops
        assert pop["source"] and (bundle / pop["source"]["file"]).is_file()
    done = run_isolated(bundle)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "MISMATCH" not in done.stdout
    assert "CM-01: match: expansion sample #" in done.stdout
    assert done.stdout.strip().endswith(f"{len(doc['samples'])} samples re-derived: every one matches")


def test_a_tampered_population_file_is_reported(bundle):
    doc = json.loads((bundle / "reperform" / "samples.json").read_text())
    path = bundle / doc["samples"][0]["population"]["file"]
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))  # a row dropped
    done = run_isolated(bundle)
    assert done.returncode == 1
    assert f"{doc['samples'][0]['control']}: MISMATCH: population {doc['samples'][0]['population']['file']}" \
        in done.stdout


def test_the_sampled_workpaper_lists_the_inputs_and_links_the_files(demo, bundle):
    doc = json.loads((bundle / "reperform" / "samples.json").read_text())
    (cm,) = [x for x in doc["samples"] if x["control"] == "CM-01"]
    page = (bundle / "workpapers" / "CM-01.html").read_text()
    assert doc["engagement"]["uid"] in page and cm["seed"] in page and cm["population"]["sha256"] in page
    assert f'href="../{cm["population"]["file"]}"' in page
    assert f'href="../{cm["population"]["source"]["file"]}"' in page
    period = cm["parts"][0]["strata_period"]
    assert f"{period[0]} to {period[1]}" in page and "Deployed" in page
    assert "python3 reperform/sample.py" in page
    assert '<table class="strata">' in page
