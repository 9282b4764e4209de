"""What the benchmark does to the app (Pilot key presses, as a user would) and the few service
entry points it times, in one place so `bench.py` and the child probes share them.

An action or entry point whose feature is not on this branch yet raises `Unavailable`; the bench
reports the metric as "not available" instead of inventing a number.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path


class Unavailable(Exception):
    """The feature this measurement needs is not on this branch yet."""


def use(pilot) -> None:
    """Make `pilot`'s app the active one for what this task does next. Widgets find their app through
    a context variable; with two apps driven from one task (the side-by-side latency run), a screen
    built or painted from here would otherwise belong to whichever app started last."""
    from textual._context import active_app

    active_app.set(pilot.app)


async def settle(pilot) -> None:
    """Wait until the screen has handled every pending message, workers are done, and it has painted.
    Deterministic (no idle-time heuristics), so short actions are not rounded up to a sleep tick."""
    use(pilot)
    app = pilot.app
    for _ in range(3):
        await pilot._wait_for_screen()
        await app.workers.wait_for_complete()
        app.screen._on_timer_update()
    await pilot._wait_for_screen()


async def timed(pilot, *keys: str) -> float:
    """Seconds from pressing `keys` until the app has reacted and painted."""
    use(pilot)
    t0 = time.perf_counter()
    await pilot.press(*keys)
    await settle(pilot)
    return time.perf_counter() - t0


async def untimed(pilot, *keys: str) -> None:
    use(pilot)
    await pilot.press(*keys)
    await settle(pilot)


# -- key actions -------------------------------------------------------------------------------------
VIEWS = ["1", "2", "3", "4", "5"]


async def switch_views(pilot, n: int) -> list[float]:
    """Switch views in the cycle 1→2→3→4→5→1, timing every switch, so each view is in the metric. The
    cycle goes on across calls (batches), and each batch first goes, untimed, to the view before the
    one it starts with, so no press is a switch to the view already shown."""
    app = pilot.app
    i = getattr(app, "_bench_view", 1)
    await untimed(pilot, VIEWS[(i - 1) % len(VIEWS)])
    out = []
    for _ in range(n):
        out.append(await timed(pilot, VIEWS[i % len(VIEWS)]))
        i += 1
    app._bench_view = i
    return out


async def switch_rss(pilot, marks: list[int]) -> dict[int, float]:
    """RSS (MB, after a full garbage collection) after each number of view switches in `marks`."""
    import gc

    out: dict[int, float] = {}
    done = 0
    app = pilot.app
    i = getattr(app, "_bench_view", 1)
    await untimed(pilot, VIEWS[(i - 1) % len(VIEWS)])
    for mark in sorted(marks):
        while done < mark:
            await untimed(pilot, VIEWS[i % len(VIEWS)])
            i += 1
            done += 1
        gc.collect()
        out[mark] = rss_mb()
    app._bench_view = i
    return out


def rss_mb() -> float:
    """This process's resident set now (VmRSS), in MB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise Unavailable("no /proc/self/status on this system")


async def open_control(pilot, n: int) -> list[float]:
    """From the controls table, open a control (enter) and go back (escape, not timed)."""
    await untimed(pilot, "2")
    out = []
    for i in range(n):
        await untimed(pilot, *(["down"] * (i % 7 + 1)))
        out.append(await timed(pilot, "enter"))
        if type(pilot.app.screen).__name__ != "ControlDetailScreen":
            raise Unavailable("enter did not open the control detail")
        await untimed(pilot, "escape")
    return out


async def filter_controls(pilot, n: int) -> list[float]:
    """Type into the controls filter: every keystroke filters in SQL and repaints."""
    await untimed(pilot, "2")
    words = ["review", "access", "CC6", "backup", "zzz"]
    out: list[float] = []
    while len(out) < n:
        word = words[len(out) % len(words)]
        await untimed(pilot, "slash")
        for ch in word:
            out.append(await timed(pilot, ch))
        await untimed(pilot, "escape")
        screen = pilot.app.screen
        inp = screen.query_one("#filter")
        if inp.value:
            inp.value = ""
            await settle(pilot)
    return out[:n]


async def open_triage(pilot, n: int) -> list[float]:
    """Go to the requests triage view (3) from the controls view (2)."""
    out = []
    for _ in range(n):
        await untimed(pilot, "2")
        out.append(await timed(pilot, "3"))
    await untimed(pilot, "1")
    return out


def _population_table(pilot):
    from fieldwork_tui.tui.widgets.virtual_table import VirtualTable

    for table in pilot.app.screen.query(VirtualTable):
        if "population" in (table.id or ""):
            return table
    return None


async def open_population(pilot, ref: str) -> None:
    """Open control `ref` and show its population (the Sampling tab's population browser)."""
    app = pilot.app
    await untimed(pilot, "2")
    from fieldwork_tui.tui.screens.control_detail import ControlDetailScreen

    use(pilot)
    try:
        app.push_screen(ControlDetailScreen(ref, tab="sampling"))
    except Exception as exc:  # noqa: BLE001 - reported, not hidden
        raise Unavailable(f"control detail cannot open on the sampling tab ({exc})") from None
    await settle(pilot)
    if _population_table(pilot) is None:
        tabs = app.screen.query("#tab-sampling")
        opener = getattr(tabs.first(), "action_browse", None) if tabs else None
        if opener is None:
            raise Unavailable("no population browser on the Sampling tab yet")
        use(pilot)
        opener()  # the tab's `b` key
        await settle(pilot)
    if _population_table(pilot) is None:
        raise Unavailable("no population table shown")


async def scroll_population(pilot, ref: str, n: int) -> list[float]:
    """Page down through the population (and jump to the end once): rows are fetched per window."""
    await open_population(pilot, ref)
    table = _population_table(pilot)
    use(pilot)
    table.focus()
    await settle(pilot)
    out = []
    for i in range(n):
        out.append(await timed(pilot, "end" if i == n // 2 else "pagedown"))
    for _ in range(3):
        await untimed(pilot, "escape")
        if type(pilot.app.screen).__name__ != "ControlDetailScreen":
            break
    await untimed(pilot, "1")
    return out


ACTIONS: dict[str, Callable[..., Awaitable[list[float]]]] = {
    "open_control": open_control,
    "filter_controls": filter_controls,
    "switch_views": switch_views,
    "open_triage": open_triage,
}


# -- service entry points ------------------------------------------------------------------------------
def population_control(handle, *, largest: bool = True) -> str | None:
    """The ref of the control with the largest population (None when populations are not available)."""
    try:
        from sqlmodel import select

        from fieldwork_tui.store.models import Control, Population
    except ImportError:
        return None
    with handle.read() as s:
        row = s.exec(select(Control.ref, Population.row_count).join(Population, Population.control_id == Control.id)
                     .order_by(Population.row_count.desc() if largest else Population.row_count)).first()
    return row[0] if row else None


def export_bundle(handle, out: Path | str) -> None:
    try:
        from fieldwork_tui.services import bundle
    except ImportError as exc:
        raise Unavailable(f"bundle export not available ({exc})") from None
    fn = getattr(bundle, "export_bundle", None) or getattr(bundle, "export", None)
    if fn is None:
        raise Unavailable("fieldwork_tui.services.bundle has no export function")
    fn(handle, Path(out))


def verify_bundle(path: Path | str) -> bool:
    try:
        from fieldwork_tui.services import bundle as verify
    except ImportError as exc:
        raise Unavailable(f"bundle verify not available ({exc})") from None
    fn = getattr(verify, "verify_bundle", None) or getattr(verify, "verify", None)
    if fn is None:
        raise Unavailable("fieldwork_tui.services.bundle has no verify function")
    report = fn(Path(path))
    ok = getattr(report, "ok", report)
    return bool(ok() if callable(ok) else ok)


def import_population(handle, ref: str, path: Path | str) -> int:
    """Import as the app does (with a progress callback, which costs what a progress bar costs)."""
    try:
        from fieldwork_tui.services.sampling import import_population as imp
    except ImportError as exc:
        raise Unavailable(f"population import not available ({exc})") from None
    return imp(handle, ref, path, key="Ticket", date="Date", progress=lambda _done, _total: None).rows


def attach_available() -> None:
    try:
        from fieldwork_tui.services.evidence import attach  # noqa: F401
    except ImportError as exc:
        raise Unavailable(f"evidence attach not available ({exc})") from None
