"""Regenerate screenshots/*.svg from the real app on the demo engagement.

    .venv/bin/python scripts/screenshots.py

Each shot is (file name, keys pressed after the app opens on the demo dashboard). The clock is
frozen at the demo's "today" so request ages and overdue counts are stable.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

SIZE = (130, 40)
SHOTS: list[tuple[str, list[str]]] = [
    ("dashboard", []),
    ("controls", ["2"]),
    ("controls-flagged", ["2", "f"]),
    ("control-detail", ["2", "enter"]),
    ("requests", ["3"]),
    ("interviews", ["4"]),
    ("exceptions", ["5"]),
]


async def shoot(home: Path, out: Path, name: str, keys: list[str]) -> None:
    from fieldwork_tui.services.demo import DEMO_SLUG
    from fieldwork_tui.tui.app import create_app

    app = create_app(home, DEMO_SLUG)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(3):  # the engagement opens after the first paint, then the dashboard loads
            await app.workers.wait_for_complete()
            await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await pilot.pause(0.3)
        app.save_screenshot(filename=f"{name}.svg", path=str(out))


def main() -> int:
    from fieldwork_tui.services.demo import DEMO_TODAY, build_demo

    os.environ["FIELDWORK_TODAY"] = DEMO_TODAY.isoformat()
    os.environ.setdefault("FIELDWORK_USER", "elena")
    out = Path(__file__).resolve().parent.parent / "screenshots"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        build_demo(home).close()
        for name, keys in SHOTS:
            asyncio.run(shoot(home, out, name, keys))
            print(f"screenshots/{name}.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
