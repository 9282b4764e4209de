#!/usr/bin/env python3
"""Re-derive every sample in this workpaper bundle from its population file, without fieldwork-tui.

Usage, from the folder the bundle was extracted into:  python3 reperform/sample.py [BUNDLE_FOLDER]

Written from docs/sampling-method.md alone and using only Python's standard library (3.8 or later),
so a reviewer can read it whole. For each sample it checks that the population file hashes to the
recorded population SHA-256 (and the client's file to its recorded SHA-256), that the seed follows
from the engagement uid, the control ref and that hash, and that drawing again gives the same items
in the same order, the same rows passed over, and the same replacements. Prints one line per check;
exits 1 if anything does not match.
"""
# ruff: noqa: B905, UP012 - runs on any Python 3.8+ (zip has no strict= before 3.10)

import bisect
import calendar
import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

MAX_STRATA = 12


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def rank(seed, key):
    return int(hashlib.sha256(f"{seed}|{key}".encode("utf-8")).hexdigest(), 16)


def day(text):
    return dt.date.fromisoformat(text) if text else None


# -- strata and allocation ----------------------------------------------------------------------------
def add_months(d, n):
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return dt.date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def strata_v2(start, end, size):
    months, j = [], 0
    while add_months(start, j) <= end:
        months.append((add_months(start, j), min(add_months(start, j + 1) - dt.timedelta(days=1), end)))
        j += 1
    m = len(months)
    k = max(1, min(size, m, MAX_STRATA))
    return [(months[i * m // k][0], months[(i + 1) * m // k - 1][1]) for i in range(k)]


def stratum_v1(d, start, end, k):
    span = (end - start).days + 1
    return min(max((d - start).days, 0), span - 1) * k // span


def allocate_v1(counts, n):
    total = sum(counts)
    n = min(n, total)
    if total == 0:
        return [0] * len(counts)
    quotas = [n * c / total for c in counts]
    alloc = [min(c, int(q // 1)) for c, q in zip(counts, quotas)]
    order = sorted(range(len(counts)), key=lambda i: (-(quotas[i] - quotas[i] // 1), i))
    while n - sum(alloc) > 0:
        before = sum(alloc)
        for i in order:
            if n - sum(alloc) > 0 and alloc[i] < counts[i]:
                alloc[i] += 1
        if sum(alloc) == before:
            break
    return alloc


def allocate_v2(counts, n):
    total = sum(counts)
    n = min(n, total)
    if total == 0:
        return [0] * len(counts)
    alloc = [n * c // total for c in counts]
    for i in sorted(range(len(counts)), key=lambda i: (-(n * counts[i] % total), i))[: n - sum(alloc)]:
        alloc[i] += 1
    return alloc


# -- the methods --------------------------------------------------------------------------------------
def untestable(d, period, after):
    """The reason code why a row dated d cannot be tested, or None."""
    if d is None:
        return None
    if not period[0] <= d <= period[1]:
        return "outside_period"
    if after is not None and d > after[1]:
        return after[0]
    return None


def draw(method, rows, size, seed, strata_period, selected_on, exclude):
    """Returns (keys in order, [(key, stratum, reason code, replaced_by)])."""
    rows = [(k, d) for k, d in rows if k not in exclude]
    if size <= 0:
        return [], []
    if method in ("sha256-rank-v1", "sha256-rank-stratified-v1"):
        k = min(size, MAX_STRATA) if method != "sha256-rank-v1" and strata_period else 1
        groups = [[] for _ in range(k)]
        for key, d in rows:
            s = stratum_v1(d, strata_period[0], strata_period[1], k) if k > 1 and d else 0
            groups[s].append((rank(seed, key), key, d))
        alloc = allocate_v1([len(g) for g in groups], size)
        chosen = []
        for g, a in zip(groups, alloc):  # lowest ranks; v1 broke an equal rank (never seen) by the greater key
            chosen += sorted(sorted(g, key=lambda x: x[1], reverse=True), key=lambda x: x[0])[:a]
        chosen.sort(key=lambda x: (x[2] or dt.date.min, x[0], x[1]))
        return [key for _r, key, _d in chosen], []
    if method != "sha256-rank-stratified-v2":
        raise ValueError(f"unknown method {method}")
    bounds = strata_v2(strata_period[0], strata_period[1], size)
    groups = [[] for _ in bounds]
    for key, d in rows:
        if d is not None and strata_period[0] <= d <= strata_period[1]:
            groups[bisect.bisect_right([b[0] for b in bounds], d) - 1].append((rank(seed, key), key, d))
    alloc = allocate_v2([sum(1 for x in g if x[2] <= selected_on) for g in groups], size)
    chosen, passed = [], []
    for s, (g, a) in enumerate(zip(groups, alloc)):
        g.sort()
        testable = [x for x in g if x[2] <= selected_on][:a]
        drawn = g[:a]
        late = [x for x in drawn if x[2] > selected_on]
        instead = [x for x in testable if x not in drawn]
        passed += [(x[1], s + 1, "after_selection_date", y[1]) for x, y in zip(late, instead)]
        chosen += testable
    chosen.sort(key=lambda x: (x[2], x[0], x[1]))
    return [x[1] for x in chosen], passed


def replacement(part, rows, seed, removed_day, period, today, exclude):
    method, size, sp = part["method"], part["size"], part["strata_period"]
    if method == "sha256-rank-v1" or sp is None or removed_day is None:
        def same(d):
            return True
    elif method == "sha256-rank-stratified-v2":
        box = [b for b in strata_v2(sp[0], sp[1], size) if b[0] <= removed_day <= b[1]]

        def same(d):
            return bool(box) and d is not None and box[0][0] <= d <= box[0][1]
    else:
        k = min(size, MAX_STRATA)

        def same(d):
            return d is not None and stratum_v1(d, sp[0], sp[1], k) == stratum_v1(removed_day, sp[0], sp[1], k)
    options = [(rank(seed, k), k) for k, d in rows
               if k not in exclude and same(d) and untestable(d, period, ("after_today", today)) is None]
    return min(options)[1] if options else None


# -- one sample ---------------------------------------------------------------------------------------
def check_sample(root, uid, period, sample, say):
    ref, pop = sample["control"], sample["population"]
    ok = True

    def check(good, text_ok, text_bad):
        nonlocal ok
        ok = ok and good
        say(f"{ref}: {'match' if good else 'MISMATCH'}: {text_ok if good else text_bad}")

    path = root / pop["file"]
    digest = sha256_file(path)
    check(digest == pop["sha256"], f"population {pop['file']} has SHA-256 {digest}",
          f"population {pop['file']} has SHA-256 {digest}, {pop['sha256']} recorded")
    if pop.get("source"):
        src = root / pop["source"]["file"]
        got = sha256_file(src) if src.is_file() else "(file missing)"
        check(got == pop["source"]["sha256"], f"client's file {pop['source']['file']} has the SHA-256 recorded at import",
              f"client's file {pop['source']['file']}: SHA-256 {got}, {pop['source']['sha256']} recorded at import")
    with open(path, encoding="utf-8") as fh:
        header = json.loads(fh.readline())
        rows = [(r[0], day(r[1])) for r in map(json.loads, fh)]
    check(header["key"] == pop["key_column"] and header["date"] == pop["date_column"] and len(rows) == pop["rows"],
          f"{len(rows)} rows, key column {header['key']!r}, date column {header['date']!r}",
          f"population header or row count differs from the record ({len(rows)} rows)")
    seed = hashlib.sha256(f"{uid}|{ref}|{digest}".encode("utf-8")).hexdigest()
    check(seed == sample["seed"], f"seed {seed}", f"seed re-derived as {seed}, {sample['seed']} recorded")
    days = dict(rows)
    seen, parts, derived, problems = set(), sample["parts"], [], []
    for part in parts:
        part["strata_period"] = [day(x) for x in part["strata_period"]] if part["strata_period"] else None
        keys, passed = draw(part["method"], rows, part["size"], seed, part["strata_period"], day(part["selected_on"]),
                            seen)
        derived.append(keys)
        recorded = [(p["key"], p["stratum"], p["code"], p["replaced_by"]) for p in part["passed_over"]]
        problems.append([] if passed == recorded else ["rows passed over differ from those recorded"])
        seen.update(keys)
        seen.update(p[0] for p in passed)
        for rep in part["replaced"]:
            holder = next((i for i, ks in enumerate(derived) if rep["key"] in ks), None)
            if holder is None:
                problems[-1].append(f"replaced item {rep['key']} is not in the selection")
                continue
            on, removed = day(rep["on"]), days.get(rep["key"])
            if untestable(removed, period, ("after_today", on)) != rep["code"]:
                problems[holder].append(f"{rep['key']} is recorded as untestable ({rep['code']}) but is not")
            instead = replacement(parts[holder], rows, seed, removed, period, on, seen)
            if instead != rep["replaced_by"]:
                problems[holder].append(f"{rep['key']} should be replaced by {instead}, recorded {rep['replaced_by']}")
            at = derived[holder].index(rep["key"])
            if instead is None:
                del derived[holder][at]
            else:
                derived[holder][at] = instead
                seen.add(instead)
    for part, keys, probs in zip(parts, derived, problems):
        if keys != part["keys"]:
            probs.append(f"re-derived {len(keys)} items differ from the {len(part['keys'])} recorded: "
                         f"not recorded {[k for k in keys if k not in part['keys']][:10]}, "
                         f"not re-derived {[k for k in part['keys'] if k not in keys][:10]}")
        label = f"{part['kind']} sample #{part['id']} ({part['method']}, {len(part['keys'])} items)"
        check(not probs, f"{label}: same items, same order", f"{label}: {'; '.join(probs)}")
    return ok


def main(argv):
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    with open(root / "reperform" / "samples.json", encoding="utf-8") as fh:
        doc = json.load(fh)
    eng = doc["engagement"]
    period = (day(eng["period_start"]), day(eng["period_end"]))
    print(f"Engagement uid {eng['uid']}, audit period {eng['period_start']} to {eng['period_end']}")
    results = [check_sample(root, eng["uid"], period, s, print) for s in doc["samples"]]
    bad = results.count(False)
    print(f"{len(results)} samples re-derived: " + (f"{bad} with a mismatch" if bad else "every one matches"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
