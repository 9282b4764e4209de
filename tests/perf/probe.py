"""Child-process probes for the benchmark: each runs in a fresh interpreter, does one thing, and
prints one JSON line (`{"ready": true}` when the first screen is mounted and idle, or the seconds the
measured service call took). `bench.py` spawns them so start-up cost and peak memory are real.

    python tests/perf/probe.py startup-minimal
    python tests/perf/probe.py startup HOME SLUG
    python tests/perf/probe.py paint-minimal | paint HOME SLUG   (exit at the first paint: time the whole
                                        process from outside, e.g. /usr/bin/time or a pairing timer)
    python tests/perf/probe.py population HOME SLUG REF
    python tests/perf/probe.py attach HOME SLUG REF FILE
    python tests/perf/probe.py export HOME SLUG OUT.zip
    python tests/perf/probe.py verify BUNDLE.zip
    python tests/perf/probe.py idle HOME SLUG           (imports and opens, measures nothing: RSS floor)
    python tests/perf/probe.py serve HOME SLUG [REF]    (one app, driven by JSON commands on stdin)

`serve` keeps one app open on the engagement (REF: the control whose population is scrolled) and
answers one JSON line per command line: `{"action": NAME, "n": N}` → `{"samples": [...]}` (seconds),
`{"rss": [1, 10, 100]}` → `{"rss": {"1": MB, ...}}` after that many view switches, `{"quit": true}`.
The benchmark runs one such process per side (large and demo engagement) and alternates batches
between them, so each side has its own heap and garbage collector, and load from elsewhere on the
machine still falls on both alike.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

from actions import Unavailable, settle  # tests/perf/actions.py (same folder)

SIZE = (130, 40)


def peak_rss_mb() -> float | None:
    """This process's own peak resident set (VmHWM). Unlike ru_maxrss, which a child inherits from the
    parent it was forked from, VmHWM starts afresh with the new program."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def emit(**data) -> None:
    data.setdefault("peak_rss_mb", peak_rss_mb())
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


def minimal_app():
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Static

    class Minimal(App):
        BINDINGS = [("ctrl+q", "quit", "Quit")]

        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("Hello from a minimal Textual app.")
            yield Footer()

    return Minimal()


def _watch_first_paint(app, marks: dict) -> None:
    """Note (wall clock) when the first screen is first painted with its figures: the minimal app's
    first paint; the dashboard's once its controls panel has content (cached or live figures)."""
    cls = type(app)
    original = cls._display

    def display(self, screen, renderable) -> None:
        original(self, screen, renderable)
        if "first_paint" in marks or renderable is None:
            return
        if type(screen).__name__ == "DashboardScreen":
            panels = screen.query("#controls-panel")
            if not panels or not panels.first().content:
                return
        marks["first_paint"] = time.time()
        marks["sqlalchemy"] = "sqlalchemy" in sys.modules
        if marks.get("exit_at_paint"):  # `paint` probes: the whole process is start to first paint
            emit(ready=True, screen=type(screen).__name__, sqlalchemy_at_first_paint=marks["sqlalchemy"])
            os._exit(0)

    cls._display = display


async def _startup(make_app, after=None, exit_at_paint: bool = False) -> None:
    marks: dict = {"exit_at_paint": exit_at_paint}
    app = make_app()
    _watch_first_paint(app, marks)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        if after is not None:
            await after(pilot)
            await settle(pilot)
        emit(ready=True, screen=type(app.screen).__name__, first_paint_wall=marks.get("first_paint"),
             sqlalchemy_at_first_paint=marks.get("sqlalchemy"))
        app.exit()


def _fieldwork_app(home: str, slug: str):
    from fieldwork_tui.tui.app import create_app

    return create_app(home, slug)


async def _serve(home: str, slug: str, ref: str | None, reply) -> None:
    from actions import ACTIONS, scroll_population, switch_rss

    app = _fieldwork_app(home, slug)
    loop = asyncio.get_running_loop()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        reply({"ready": True})
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            cmd = json.loads(line)
            try:
                if cmd.get("quit"):
                    break
                if "rss" in cmd:
                    reply({"rss": {str(k): v for k, v in (await switch_rss(pilot, cmd["rss"])).items()}})
                elif cmd["action"] == "scroll_population":
                    if ref is None:
                        raise Unavailable("no population in this engagement yet")
                    reply({"samples": await scroll_population(pilot, ref, cmd["n"])})
                else:
                    reply({"samples": await ACTIONS[cmd["action"]](pilot, cmd["n"])})
            except Unavailable as exc:
                reply({"unavailable": str(exc)})
        app.exit()


def main(argv: list[str]) -> int:
    try:
        return _run(argv[0], argv[1:])
    except Unavailable as exc:
        emit(unavailable=str(exc))
        return 3


def _run(cmd: str, args: list[str]) -> int:
    if cmd == "startup-minimal":
        asyncio.run(_startup(minimal_app))
    elif cmd == "startup":
        home, slug = args
        asyncio.run(_startup(lambda: _fieldwork_app(home, slug)))
    elif cmd == "paint-minimal":  # exits at the first paint: time the whole process from outside
        asyncio.run(_startup(minimal_app, exit_at_paint=True))
    elif cmd == "paint":
        home, slug = args
        asyncio.run(_startup(lambda: _fieldwork_app(home, slug), exit_at_paint=True))
    elif cmd == "population":
        home, slug, ref = args
        from actions import open_population

        asyncio.run(_startup(lambda: _fieldwork_app(home, slug), lambda pilot: open_population(pilot, ref)))
    elif cmd == "serve":
        home, slug, *rest = args
        out = os.fdopen(os.dup(1), "w", encoding="utf-8")
        sys.stdout = sys.stderr  # only the replies go to the benchmark

        def reply(data: dict) -> None:
            out.write(json.dumps(data) + "\n")
            out.flush()

        asyncio.run(_serve(home, slug, rest[0] if rest else None, reply))
    elif cmd == "attach":
        home, slug, ref, path = args
        from fieldwork_tui.services.engagements import open_engagement
        from fieldwork_tui.services.evidence import attach

        handle = open_engagement(home, slug)
        t0 = time.perf_counter()
        attach(handle, ref, [path])
        emit(seconds=time.perf_counter() - t0)
        handle.close()
    elif cmd == "export":
        home, slug, out = args
        from actions import export_bundle

        from fieldwork_tui.services.engagements import open_engagement

        handle = open_engagement(home, slug)
        t0 = time.perf_counter()
        export_bundle(handle, out)
        emit(seconds=time.perf_counter() - t0)
        handle.close()
    elif cmd == "verify":
        (bundle,) = args
        from actions import verify_bundle

        t0 = time.perf_counter()
        ok = verify_bundle(bundle)
        emit(seconds=time.perf_counter() - t0, ok=ok)
    elif cmd == "idle":
        home, slug = args
        from fieldwork_tui.services import evidence  # noqa: F401 - same imports as attach
        from fieldwork_tui.services.engagements import open_engagement

        open_engagement(home, slug).close()
        emit(seconds=0.0)
    else:
        raise SystemExit(f"unknown probe {cmd!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
