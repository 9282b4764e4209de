"""Keep the performance harness (tests/perf, not collected) from rotting: build the large engagement at
a tiny scale through the services, and drive every benchmark action once with Pilot. No timings are
asserted — only that the generator and the actions still fit the app."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

PERF = Path(__file__).parent


def _load(name: str):
    if str(PERF) not in sys.path:
        sys.path.insert(0, str(PERF))
    spec = importlib.util.spec_from_file_location(name, PERF / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict:
    generate = _load("generate")
    cache = tmp_path_factory.mktemp("perf-cache")
    manifest = generate.ensure_large("tiny", cache)
    return {"generate": generate, "cache": cache, "manifest": manifest}


def test_tiny_engagement_is_built_through_the_services(tiny) -> None:
    from fieldwork_tui.services.controls.status import control_rows
    from fieldwork_tui.services.engagements import open_engagement

    manifest = tiny["manifest"]
    assert manifest["stages"]["controls"] == {"done": True, "seconds": manifest["stages"]["controls"]["seconds"],
                                              "controls": 12}
    for name, stage in manifest["stages"].items():
        assert stage.get("done") or stage.get("missing"), name
    handle = open_engagement(manifest["home"], manifest["slug"])
    try:
        assert len(control_rows(handle)) == 12
    finally:
        handle.close()
    saved = json.loads((Path(tiny["cache"]) / "tiny" / "manifest.json").read_text())
    assert saved["stages"].keys() == manifest["stages"].keys()


def test_cached_engagement_is_reused(tiny) -> None:
    again = tiny["generate"].ensure_large("tiny", tiny["cache"])
    assert again["stages"]["controls"] == tiny["manifest"]["stages"]["controls"]


def test_population_csv_has_the_requested_rows(tmp_path: Path) -> None:
    generate = _load("generate")
    path = generate.population_csv(tmp_path / "pop.csv", 25)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Ticket,Date") and len(lines) == 26


async def test_every_benchmark_action_still_drives_the_app(tiny) -> None:
    actions = _load("actions")
    from fieldwork_tui.services.engagements import open_engagement
    from fieldwork_tui.tui.app import create_app

    manifest = tiny["manifest"]
    handle = open_engagement(manifest["home"], manifest["slug"])
    pop_ref = actions.population_control(handle)
    handle.close()
    app = create_app(manifest["home"], manifest["slug"])
    async with app.run_test(size=(130, 40)) as pilot:
        await actions.settle(pilot)
        for name, fn in actions.ACTIONS.items():
            try:
                samples = await fn(pilot, 1)
            except actions.Unavailable:
                continue
            assert len(samples) == 1 and all(s >= 0 for s in samples), name
        if pop_ref is not None:
            try:
                assert len(await actions.scroll_population(pilot, pop_ref, 1)) == 1
            except actions.Unavailable:
                pass


def test_switch_views_times_every_view_across_batches(tiny) -> None:
    """Batches of 3 used to restart the key list, so views 1 and 5 were never timed."""
    actions = _load("actions")
    pressed: list[str] = []
    real = actions.timed

    async def spy(pilot, *keys):
        pressed.extend(keys)
        return await real(pilot, *keys)

    from fieldwork_tui.tui.app import create_app

    manifest = tiny["manifest"]
    app = create_app(manifest["home"], manifest["slug"])

    async def run() -> None:
        async with app.run_test(size=(130, 40)) as pilot:
            await actions.settle(pilot)
            actions.timed = spy
            try:
                for _ in range(4):
                    await actions.switch_views(pilot, 3)
            finally:
                actions.timed = real

    import asyncio

    asyncio.run(run())
    assert pressed == ["2", "3", "4", "5", "1", "2", "3", "4", "5", "1", "2", "3"]


def test_each_side_runs_in_its_own_process_and_reports_rss(tiny, tmp_path) -> None:
    bench = _load("bench")
    manifest = tiny["manifest"]
    served = bench.Served(manifest["home"], manifest["slug"], None, tmp_path / "served.log")
    try:
        assert len(served.ask(action="switch_views", n=5)["samples"]) == 5
        rss = served.ask(rss=[1, 3])["rss"]
        assert set(rss) == {"1", "3"} and all(v > 20 for v in rss.values())
        assert served.proc.pid != __import__("os").getpid()
    finally:
        served.close()
    assert served.proc.returncode == 0


def test_report_marks_goals_and_missing_features() -> None:
    bench = _load("bench")
    ok = bench.metric("startup", 1.2, 1.0)
    assert ok["ratio"] == 1.2 and ok["status"] == "met"
    assert bench.metric("latency.switch_views", 1.4, 1.0, median_ratio=1.1)["status"] == "met"
    assert bench.metric("latency.switch_views", 1.4, 1.0, median_ratio=1.3)["status"] == "missed"
    assert bench.metric("attach.vs_sha256sum_cp", 1.0, 3.0)["status"] == "info"
    assert bench.metric("rss_growth", 6.0, 90.0, unit="MB")["status"] == "missed"
    assert "| `startup` |" in bench.markdown({"startup": ok})
    assert bench.metric("attach_peak_rss", 180.0, 60.0, unit="MB")["status"] == "missed"
    missing = bench.metric("export", None, None, note="bundle export not available")
    assert missing["status"] == "not available" and missing["value"] is None
    assert "not available: bundle export" in bench.table({"export": missing})
    assert bench.p95([float(i) for i in range(1, 21)]) == 19.0


def test_the_testing_grid_metric_drives_every_key_on_the_sampling_tab(tmp_path: Path) -> None:
    grid = _load("grid")
    result = grid.run(len(grid.KEYS), root=tmp_path)  # each key once; raises if the grid is not there or blocks
    assert result["samples"] == len(grid.KEYS) and result["p95"] > 0 and result["goal"] == grid.GOAL_P95
