"""The bundle's reperform/sample.py — an independent, standard-library re-statement of the method —
agrees with domain.selection on every method, and runs with no fieldwork_tui importable."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import fieldwork_tui
from fieldwork_tui.domain import sample_records as records
from fieldwork_tui.domain import selection as sel
from fieldwork_tui.domain.sampling import PopulationHasher, canonical_header, canonical_row

SCRIPT = Path(fieldwork_tui.__file__).parent / "services" / "bundle" / "reperform" / "sample.py"
D = dt.date
YEAR = (D(2026, 1, 1), D(2026, 12, 31))


def _script():
    spec = importlib.util.spec_from_file_location("reperform_sample", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _script()
rows_strategy = st.lists(st.tuples(st.text(min_size=1, max_size=6), st.dates(D(2025, 10, 1), D(2027, 3, 1))),
                         max_size=150, unique_by=lambda kd: kd[0])


@settings(max_examples=120, deadline=None)
@given(rows_strategy, st.integers(0, 40), st.text(max_size=10), st.dates(D(2026, 1, 1), D(2026, 12, 31)),
       st.sampled_from(sel.METHODS), st.sets(st.text(min_size=1, max_size=6), max_size=5))
def test_the_script_draws_what_the_domain_draws(rows, size, seed, selected_on, method, exclude):
    if method == sel.METHOD:
        rows = [(k, None) for k, _d in rows]
        period = None
    elif method == sel.METHOD_STRATIFIED_V1:
        period = (min(d for _k, d in rows), max(d for _k, d in rows)) if rows else None
    else:
        period = YEAR
    ours = sel.select(method, rows, size, seed, strata_period=period, selected_on=selected_on,
                      exclude=frozenset(exclude))
    keys, passed = script.draw(method, rows, size, seed, period, selected_on, set(exclude))
    assert keys == list(ours.keys)
    assert passed == [(s.key, s.stratum, s.code, s.replaced_by) for s in ours.skipped]


@settings(max_examples=80, deadline=None)
@given(rows_strategy, st.integers(1, 30), st.sampled_from(sel.METHODS), st.dates(D(2026, 1, 1), D(2027, 3, 1)),
       st.data())
def test_the_script_replaces_what_the_domain_replaces(rows, size, method, today, data):
    if not rows:
        return
    period = YEAR if method == sel.METHOD_STRATIFIED_V2 else (min(d for _k, d in rows), max(d for _k, d in rows))
    removed = data.draw(st.sampled_from(rows))
    exclude = {removed[0]}
    ours = sel.replacement(method, rows, "seed", size=size, strata_period=period, removed_day=removed[1],
                           period=YEAR, today=today, exclude=frozenset(exclude))
    part = {"method": method, "size": size, "strata_period": period}
    assert script.replacement(part, rows, "seed", removed[1], YEAR, today, exclude) == ours


@given(st.lists(st.integers(0, 300), min_size=1, max_size=12), st.integers(0, 400))
def test_the_script_allocates_like_the_domain(counts, n):
    assert script.allocate_v1(counts, n) == sel.allocate(counts, n)
    assert script.allocate_v2(counts, n) == sel.allocate_exact(counts, n)


@given(st.dates(D(2000, 1, 1), D(2090, 1, 1)), st.integers(0, 500), st.integers(1, 60))
def test_the_script_cuts_the_same_strata(start, days, size):
    end = start + dt.timedelta(days=days)
    assert script.strata_v2(start, end, size) == sel.strata_v2(start, end, size)


# -- the script on a folder laid out like a bundle ----------------------------------------------------
def write_bundle(root: Path, *, tamper: bool = False) -> dict:
    """A minimal bundle: one dated population (JSON lines, exactly the canonical form) sampled with v2
    and expanded, one undated population, and samples.json, built with the domain's functions."""
    uid = "eng-1f3a"
    (root / "reperform" / "populations").mkdir(parents=True)
    (root / "evidence").mkdir()
    samples = []
    for ref, dated, n in (("CM-01", True, 412), ("HR-02", False, 60)):
        columns = ["Change ID", "Deployed", "Author"] if dated else ["Employee", "Department"]
        date_col = "Deployed" if dated else ""
        rows = [(f"K{i:04d}", YEAR[0] + dt.timedelta(days=i * 380 // n) if dated else None) for i in range(n)]
        hasher = PopulationHasher(columns, columns[0], date_col)
        lines = [canonical_header(columns, columns[0], date_col)]
        for k, d in rows:
            cells = [k, d.isoformat(), "Ana Lima"] if dated else [k, "Finance"]
            hasher.add(k, d, cells)
            lines.append(canonical_row(k, d, cells))
        member = f"reperform/populations/{ref}-population-1.jsonl"
        (root / member).write_bytes(b"".join(lines))
        source = root / "evidence" / f"{ref}.csv"
        source.write_text("client file\n")
        pop_sha = hasher.hexdigest()
        seed = sel.derive_seed(uid, ref, pop_sha)
        method = sel.method_for(dated)
        period = YEAR if dated else None
        selected_on = D(2026, 12, 20) if dated else None
        first = sel.select(method, rows, 25, seed, strata_period=period, selected_on=selected_on)
        parts = [(first, 25, "initial", 1)]
        if dated:
            more = sel.select(method, rows, 15, seed, strata_period=period, selected_on=selected_on,
                              exclude=frozenset(first.keys) | {s.key for s in first.skipped})
            parts.append((more, 15, "expansion", 2))
        recorded = [(kind, pid, sel.Part(f"{kind} sample #{pid}", method, size, period, selected_on, x.keys, x.skipped))
                    for x, size, kind, pid in parts]
        if tamper and dated:
            part = recorded[1][2]
            keys = list(part.keys)
            keys[3] = "K0000"
            recorded[1] = (recorded[1][0], recorded[1][1], sel.Part(part.label, part.method, part.size,
                                                                     part.strata_period, part.selected_on, tuple(keys),
                                                                     part.skipped))
        samples.append(records.sample_entry(
            control=ref, seed=seed, population_file=member, population_sha256=pop_sha, rows=n, key_column=columns[0],
            date_column=date_col, source_file=f"evidence/{ref}.csv",
            source_sha256=hashlib.sha256(b"client file\n").hexdigest(), parts=recorded))
    doc = records.samples_document(uid, YEAR, samples)
    (root / "reperform" / "samples.json").write_text(json.dumps(doc, indent=2))
    (root / "reperform" / "sample.py").write_bytes(SCRIPT.read_bytes())
    return doc


def run_isolated(root: Path) -> subprocess.CompletedProcess:
    """python -I -S: no site-packages, no PYTHONPATH, no script folder on the path — fieldwork_tui cannot
    be imported, so the script stands on the standard library alone."""
    return subprocess.run([sys.executable, "-I", "-S", "reperform/sample.py"], cwd=root, capture_output=True,
                          text=True, timeout=120)


def test_isolated_python_cannot_import_the_app(tmp_path):
    probe = subprocess.run([sys.executable, "-I", "-S", "-c", "import fieldwork_tui"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert probe.returncode != 0 and "No module named 'fieldwork_tui'" in probe.stderr


def test_the_script_reproduces_every_sample_outside_the_package(tmp_path):
    doc = write_bundle(tmp_path)
    assert doc["samples"][0]["parts"][0]["passed_over"], "the scenario has rows dated after the selection day"
    done = run_isolated(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "MISMATCH" not in done.stdout
    assert "CM-01: match: expansion sample #2 (sha256-rank-stratified-v2, 15 items): same items, same order" in done.stdout
    assert "HR-02: match: initial sample #1 (sha256-rank-v1, 25 items)" in done.stdout
    assert done.stdout.strip().endswith("2 samples re-derived: every one matches")


def test_the_script_reports_a_changed_item_and_exits_1(tmp_path):
    write_bundle(tmp_path, tamper=True)
    done = run_isolated(tmp_path)
    assert done.returncode == 1
    assert "CM-01: MISMATCH: expansion sample #2" in done.stdout and "K0000" in done.stdout
    assert done.stdout.strip().endswith("1 with a mismatch")


def test_the_script_reports_an_altered_population_file(tmp_path):
    write_bundle(tmp_path)
    path = tmp_path / "reperform" / "populations" / "HR-02-population-1.jsonl"
    path.write_text(path.read_text().replace("Finance", "Finanse", 1))
    done = run_isolated(tmp_path)
    assert done.returncode == 1
    assert "HR-02: MISMATCH: population reperform/populations/HR-02-population-1.jsonl has SHA-256" in done.stdout


def test_records_round_trip():
    st_ = sel.Stratum(3, D(2026, 3, 1), D(2026, 3, 31), 40, 38, 2)
    sk = sel.Skipped("K1", D(2026, 3, 30), 3, sel.AFTER_SELECTION, "dated …", "K2")
    rp = sel.Replaced("K3", D(2027, 1, 2), sel.OUTSIDE_PERIOD, "dated …", None, D(2027, 2, 1))
    assert records.stratum_from(json.loads(json.dumps(records.stratum_json(st_)))) == st_
    assert records.skipped_from(json.loads(json.dumps(records.skipped_json(sk)))) == sk
    assert records.replaced_from(json.loads(json.dumps(records.replaced_json(rp)))) == rp


def _add_v1_with_replacement(root: Path, doc: dict, *, wrong: bool = False) -> None:
    """A legacy v1 sample whose last-stratum item fell outside the period and was replaced later."""
    ref, n = "AC-09", 100
    columns = ["Ticket", "Closed"]
    rows = [(f"T{i:03d}", YEAR[0] + dt.timedelta(days=i * 400 // n)) for i in range(n)]
    hasher = PopulationHasher(columns, "Ticket", "Closed")
    lines = [canonical_header(columns, "Ticket", "Closed")]
    for k, d in rows:
        hasher.add(k, d, [k, d.isoformat()])
        lines.append(canonical_row(k, d, [k, d.isoformat()]))
    member = f"reperform/populations/{ref}-population-9.jsonl"
    (root / member).write_bytes(b"".join(lines))
    pop_sha = hasher.hexdigest()
    seed = sel.derive_seed(doc["engagement"]["uid"], ref, pop_sha)
    bounds = (rows[0][1], rows[-1][1])
    first = sel.select(sel.METHOD_STRATIFIED_V1, rows, 12, seed, strata_period=bounds)
    days = dict(rows)
    gone = next(k for k in first.keys if days[k] > YEAR[1])
    on = D(2027, 3, 1)
    instead = sel.replacement(sel.METHOD_STRATIFIED_V1, rows, seed, size=12, strata_period=bounds,
                              removed_day=days[gone], period=YEAR, today=on, exclude=frozenset(first.keys))
    assert instead is not None
    if wrong:
        instead = next(k for k, d in rows if k not in first.keys and d <= YEAR[1] and k != instead)
    why = sel.untestable(days[gone], YEAR, today=on)
    keys = tuple(instead if k == gone else k for k in first.keys)
    part = sel.Part("initial sample #9", sel.METHOD_STRATIFIED_V1, 12, bounds, None, keys,
                    replaced=(sel.Replaced(gone, days[gone], why.code, why.text, instead, on),))
    doc["samples"].append(records.sample_entry(control=ref, seed=seed, population_file=member,
                                               population_sha256=pop_sha, rows=n, key_column="Ticket",
                                               date_column="Closed", source_file=None, source_sha256="",
                                               parts=[("initial", 9, part)]))
    (root / "reperform" / "samples.json").write_text(json.dumps(doc, indent=2))


def test_the_script_replays_a_v1_replacement(tmp_path):
    doc = write_bundle(tmp_path)
    _add_v1_with_replacement(tmp_path, doc)
    done = run_isolated(tmp_path)
    assert done.returncode == 0, done.stdout
    assert "AC-09: match: initial sample #9 (sha256-rank-stratified-v1, 12 items): same items, same order" in done.stdout


def test_the_script_finds_a_wrong_replacement(tmp_path):
    doc = write_bundle(tmp_path)
    _add_v1_with_replacement(tmp_path, doc, wrong=True)
    done = run_isolated(tmp_path)
    assert done.returncode == 1 and "AC-09: MISMATCH" in done.stdout and "should be replaced by" in done.stdout
