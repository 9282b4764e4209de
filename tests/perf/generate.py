"""Build a large engagement — ten times a real one — THROUGH THE SERVICES, and cache it.

    python tests/perf/generate.py [--scale full|quick|tiny] [--evidence-gb N] [--cache DIR] [--fresh]

A real engagement has 100–200 controls, a few hundred requests and populations up to ~100k rows;
`full` has 300 controls, 5,000 requests, 20,000 sample items, 10,000 evidence records, interviews
and a 1,000,000-row population. Everything goes through the same service calls the CLI and the TUI
use (control and request imports, attach, interviews, population import, sampling), so the data is
shaped exactly like a user's and stays valid as the schema evolves.

The result is cached under `<cache>/<scale>/` with a `manifest.json` of the stages done. A stage whose
service is not available yet (its area has not landed) is recorded as missing and is built on a later
run once it is; `--fresh` starts over. `--evidence-gb N` also builds a separate engagement holding N GB
of evidence files (for the bundle export and verify benchmarks).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = HERE / ".cache"
GENERATOR_VERSION = 1
LARGE_SLUG = "perf-large"
EVIDENCE_SLUG = "perf-evidence"
BIG_POPULATION_REF = "CM-0001"  # the control whose population has the million rows
PERIOD = (dt.date(2025, 10, 1), dt.date(2026, 9, 30))
TODAY = "2026-11-20"


@dataclass(frozen=True)
class Scale:
    name: str
    controls: int
    requests: int
    sample_items: int
    evidence: int
    interviews: int
    statements_per_interview: int
    big_population: int
    marked_per_sample: int


SCALES = {
    "full": Scale("full", 300, 5_000, 20_000, 10_000, 120, 6, 1_000_000, 3),
    "quick": Scale("quick", 300, 5_000, 6_000, 3_000, 40, 6, 250_000, 2),
    "tiny": Scale("tiny", 12, 40, 60, 30, 3, 3, 600, 1),
}

FAMILIES = ["GV", "IC", "RA", "MO", "CA", "AC", "OP", "CM", "RM", "AV", "CF", "PI", "PR", "FN", "HR"]
FREQUENCY_WORDS = ["Annually", "Semi-annually", "Quarterly", "Monthly", "Weekly", "Daily",
                   "Multiple times per day", "As needed", "Continuous"]
STATUS_WORDS = ["Open", "In Progress", "Needs Clarification", "Submitted", "Returned", "Accepted", "N/A"]
SUBJECTS = ["user access", "change tickets", "backup logs", "vendor reports", "training records", "risk register",
            "incident tickets", "firewall rules", "onboarding forms", "termination list", "policy approvals",
            "vulnerability scans", "board minutes", "encryption settings", "capacity alerts"]


def log(msg: str) -> None:
    print(f"[generate] {msg}", file=sys.stderr, flush=True)


def _env() -> None:
    """The frozen clock and user the tests use, so runs are comparable."""
    os.environ.setdefault("FIELDWORK_TODAY", TODAY)
    os.environ.setdefault("FIELDWORK_USER", "perf")


def people(n: int = 40) -> list[str]:
    first = ["Ana", "Ben", "Chloé", "Dev", "Eli", "Fatima", "Goran", "Hiro", "Ines", "Jon", "Kemi", "Lars", "Mei",
             "Nia", "Omar", "Pia", "Quinn", "Rosa", "Sven", "Tara"]
    last = ["Adler", "Brandt", "Costa", "Dube", "Eriksen", "Fujita", "García", "Haddad", "Ivanova", "Jensen"]
    return [f"{first[i % len(first)]} {last[(i // len(first) + i) % len(last)]}" for i in range(n)]


def control_refs(scale: Scale) -> list[str]:
    return [f"{FAMILIES[i % len(FAMILIES)]}-{i // len(FAMILIES) + 1:04d}" for i in range(scale.controls)]


# -- stages --------------------------------------------------------------------------------------
class Unavailable(Exception):
    """The service a stage needs is not on this branch yet."""


def _need(module: str, *names: str):
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise Unavailable(f"{module} not available ({exc})") from None
    missing = [n for n in names if not hasattr(mod, n)]
    if missing:
        raise Unavailable(f"{module} has no {', '.join(missing)}")
    return mod


def stage_controls(handle, scale: Scale, work: Path, rng: random.Random) -> dict:
    from fieldwork_tui.domain.criteria import CRITERIA
    from fieldwork_tui.services.controls import import_controls

    crits = sorted(CRITERIA)
    owners = people()
    path = work / "controls.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Control ID", "Control Name", "Control Activity", "TSC", "Frequency", "Owner",
                    "Automated/Manual", "Key Control"])
        for i, ref in enumerate(control_refs(scale)):
            subject = SUBJECTS[i % len(SUBJECTS)]
            freq = FREQUENCY_WORDS[rng.randrange(len(FREQUENCY_WORDS))]
            if ref == BIG_POPULATION_REF:
                freq = "Multiple times per day"
            w.writerow([ref, f"Review of {subject} #{i + 1}",
                        f"Management reviews {subject} and follows up on anything unexpected ({ref}).",
                        " ".join(rng.sample(crits, rng.randint(1, 3))), freq, owners[i % len(owners)],
                        "Automated" if freq == "Continuous" else "Manual", "Yes" if i % 3 == 0 else "No"])
    res = import_controls(handle, path)
    return {"controls": res.total}


def stage_requests(handle, scale: Scale, work: Path, rng: random.Random) -> dict:
    mod = _need("fieldwork_tui.services.requests", "import_requests")
    refs = control_refs(scale)
    owners = people()
    path = work / "requests.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Request ID", "Description", "Control Ref", "Owner", "Requested", "Due Date", "Status"])
        for i in range(scale.requests):
            requested = dt.date(2026, 10, 1) + dt.timedelta(days=rng.randrange(40))
            due = requested + dt.timedelta(days=rng.choice([5, 10, 14, 21, 30]))
            w.writerow([f"R-{i + 1:05d}", f"Provide {SUBJECTS[i % len(SUBJECTS)]} for sample {i % 97 + 1}",
                        " ".join(rng.sample(refs, rng.randint(1, 2))), owners[rng.randrange(len(owners))],
                        requested.isoformat(), due.isoformat(), STATUS_WORDS[rng.randrange(len(STATUS_WORDS))]])
    res = mod.import_requests(handle, path)
    return {"requests": res.total}


def stage_interviews(handle, scale: Scale, work: Path, rng: random.Random) -> dict:
    mod = _need("fieldwork_tui.services.evidence", "create_interview", "add_statement")
    refs = control_refs(scale)
    owners = people()
    statements = 0
    for i in range(scale.interviews):
        held = PERIOD[1] + dt.timedelta(days=rng.randrange(1, 45))
        iv = mod.create_interview(handle, owners[i % len(owners)], held_on=held,
                                  topic=f"Walkthrough {i + 1}")
        iv_id = iv if isinstance(iv, int) else getattr(iv, "id", iv)
        for j in range(scale.statements_per_interview):
            mod.add_statement(handle, iv_id, f"The owner explained step {j + 1} of {SUBJECTS[j % len(SUBJECTS)]}.",
                              controls=rng.sample(refs, 2))
            statements += 1
    return {"interviews": scale.interviews, "statements": statements}


def _write_small_files(folder: Path, prefix: str, n: int, rng: random.Random) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for k in range(n):
        p = folder / f"{prefix}-{k + 1:03d}.txt"
        p.write_text(f"{prefix} evidence {k}\n" + "x" * rng.randint(50, 400) + f"\n{rng.random()}\n",
                     encoding="utf-8")
        out.append(p)
    return out


def stage_evidence(handle, scale: Scale, work: Path, rng: random.Random) -> dict:
    mod = _need("fieldwork_tui.services.evidence", "attach")
    refs = control_refs(scale)
    per, extra = divmod(scale.evidence, len(refs))
    total = 0
    for i, ref in enumerate(refs):
        n = per + (1 if i < extra else 0)
        if not n:
            continue
        folder = work / "evidence" / ref
        files = _write_small_files(folder, ref, n, rng)
        mod.attach(handle, ref, files, as_of=PERIOD[0] + dt.timedelta(days=rng.randrange(300)),
                   description=f"Client listing for {ref}")
        total += n
        shutil.rmtree(folder)
    return {"evidence": total}


def population_csv(path: Path, rows: int, seed: int = 1) -> Path:
    """A population listing as a client exports it: ticket key, date, and a few attributes."""
    if path.exists():
        return path
    rng = random.Random(seed)
    tmp = path.with_name(".tmp-" + path.name)
    start = PERIOD[0].toordinal()
    span = (PERIOD[1] - PERIOD[0]).days
    users = people(60)
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Ticket", "Date", "Requester", "Approver", "System", "Summary"])
        for i in range(rows):
            day = dt.date.fromordinal(start + (i * span) // max(rows, 1))
            w.writerow([f"CHG-{i + 1:07d}", day.isoformat(), users[rng.randrange(60)], users[rng.randrange(60)],
                        SUBJECTS[i % len(SUBJECTS)], f"change {i + 1} to {SUBJECTS[(i * 7) % len(SUBJECTS)]}"])
    os.replace(tmp, path)
    return path


def stage_sampling(handle, scale: Scale, work: Path, rng: random.Random) -> dict:
    pops = _need("fieldwork_tui.services.sampling", "import_population")
    sampling = _need("fieldwork_tui.services.sampling", "take_sample", "mark")
    refs = [r for r in control_refs(scale) if r != BIG_POPULATION_REF]
    per, extra = divmod(scale.sample_items, len(refs))
    items = marked = 0
    for i, ref in enumerate(refs):
        size = per + (1 if i < extra else 0)
        if size <= 0:
            continue
        csv_path = population_csv(work / f"pop-{size * 4}.csv", size * 4, seed=size)
        pops.import_population(handle, ref, csv_path, key="Ticket", date="Date")
        view = sampling.take_sample(handle, ref, size=size, reason="performance data set")
        items += size
        for item in list(getattr(view, "items", []))[: scale.marked_per_sample]:
            item_id = getattr(item, "id", None)
            if item_id is not None:
                sampling.mark(handle, item_id, "passed")
                marked += 1
    return {"sample_items": items, "marked": marked, "populations": len(refs)}


def stage_big_population(handle, scale: Scale, work: Path, rng: random.Random) -> dict:
    pops = _need("fieldwork_tui.services.sampling", "import_population")
    path = population_csv(work.parent / f"population-{scale.big_population}.csv", scale.big_population)
    res = pops.import_population(handle, BIG_POPULATION_REF, path, key="Ticket", date="Date")
    return {"population_rows": res.rows, "control": BIG_POPULATION_REF}


STAGES: list[tuple[str, Callable]] = [
    ("controls", stage_controls),
    ("requests", stage_requests),
    ("interviews", stage_interviews),
    ("evidence", stage_evidence),
    ("sampling", stage_sampling),
    ("big_population", stage_big_population),
]


# -- cache ---------------------------------------------------------------------------------------
def _read_manifest(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_manifest(path: Path, data: dict) -> None:
    tmp = path.with_name(".tmp-" + path.name)
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def ensure_large(scale: Scale | str = "full", cache: Path | str = DEFAULT_CACHE, *, fresh: bool = False) -> dict:
    """The large engagement for `scale`, built (or completed) and cached. Returns the manifest:
    {"home", "slug", "scale", "stages": {name: {...counts, seconds} | {"missing": reason}}}."""
    _env()
    from fieldwork_tui.services.engagements import create_engagement, open_engagement

    scale = SCALES[scale] if isinstance(scale, str) else scale
    root = Path(cache) / scale.name
    home = root / "home"
    manifest_path = root / "manifest.json"
    manifest = {} if fresh else _read_manifest(manifest_path)
    if manifest.get("version") != GENERATOR_VERSION or not (home / LARGE_SLUG).is_dir():
        manifest = {}
    if not manifest:
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        handle = create_engagement(home, "Perf Large SOC 2 Type II", type=2, period=PERIOD,
                                   categories="security,availability,confidentiality", slug=LARGE_SLUG,
                                   kickoff_on=dt.date(2026, 10, 5))
        manifest = {"version": GENERATOR_VERSION, "scale": scale.name, "home": str(home), "slug": LARGE_SLUG,
                    "stages": {}}
    else:
        handle = open_engagement(home, LARGE_SLUG)
    work = root / "work"
    work.mkdir(exist_ok=True)
    try:
        for name, fn in STAGES:
            if manifest["stages"].get(name, {}).get("done"):
                continue
            rng = random.Random(f"{name}-{scale.name}")
            t0 = time.perf_counter()
            try:
                counts = fn(handle, scale, work, rng)
            except Unavailable as exc:
                manifest["stages"][name] = {"missing": str(exc)}
                log(f"{name}: not available yet ({exc})")
                continue
            seconds = round(time.perf_counter() - t0, 2)
            manifest["stages"][name] = {"done": True, "seconds": seconds, **counts}
            log(f"{name}: {counts} in {seconds}s")
            _write_manifest(manifest_path, manifest)
    finally:
        handle.close()
        _write_manifest(manifest_path, manifest)
    return manifest


def random_file(path: Path, size: int) -> Path:
    """A file of incompressible bytes (cached): attach, export and verify must move real data."""
    if path.exists() and path.stat().st_size == size:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".tmp-" + path.name)
    chunk = 8 << 20
    with open(tmp, "wb") as fh:
        done = 0
        while done < size:
            n = min(chunk, size - done)
            fh.write(os.urandom(n))
            done += n
    os.replace(tmp, path)
    return path


def ensure_evidence_engagement(gb: float, cache: Path | str = DEFAULT_CACHE, *, file_mb: int = 128) -> dict:
    """A separate engagement holding `gb` GB of evidence (files of `file_mb` MB over 4 controls), cached."""
    _env()
    from fieldwork_tui.services.engagements import create_engagement

    evidence = _need("fieldwork_tui.services.evidence", "attach")
    total = int(gb * (1 << 30))
    root = Path(cache) / f"evidence-{total >> 20}M"
    home = root / "home"
    manifest_path = root / "manifest.json"
    manifest = _read_manifest(manifest_path)
    if manifest.get("done") and (home / EVIDENCE_SLUG).is_dir():
        return manifest
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    handle = create_engagement(home, "Perf Evidence", type=2, period=PERIOD, slug=EVIDENCE_SLUG)
    from fieldwork_tui.services.controls import add_control

    refs = [f"EV-{i + 1:02d}" for i in range(4)]
    for ref in refs:
        add_control(handle, ref, f"Evidence holder {ref}", criteria=["CC6.1"])
    size = file_mb << 20
    count = max(1, total // size)
    src = root / "src"
    t0 = time.perf_counter()
    try:
        for i in range(count):
            p = random_file(src / f"export-{i + 1:03d}.bin", size)
            # distinct content per file: stamp the index into the first bytes
            with open(p, "r+b") as fh:
                fh.write(f"file {i:06d} ".encode())
            evidence.attach(handle, refs[i % len(refs)], [p], description=f"bulk file {i + 1}")
            p.unlink()
    finally:
        handle.close()
    shutil.rmtree(src, ignore_errors=True)
    manifest = {"done": True, "home": str(home), "slug": EVIDENCE_SLUG, "files": count, "bytes": count * size,
                "seconds": round(time.perf_counter() - t0, 1)}
    _write_manifest(manifest_path, manifest)
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=sorted(SCALES), default="full")
    ap.add_argument("--evidence-gb", type=float, default=0.0, help="also build an engagement with N GB of evidence")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--fresh", action="store_true", help="rebuild instead of reusing the cache")
    args = ap.parse_args(argv)
    manifest = ensure_large(args.scale, args.cache, fresh=args.fresh)
    print(json.dumps(manifest, indent=2))
    if args.evidence_gb:
        print(json.dumps(ensure_evidence_engagement(args.evidence_gb, args.cache), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
