"""Screenshots of the exported workpaper bundle, as the manager sees it in a browser.

Builds the demo engagement in a temporary home, exports it with the real bundle service, extracts
the zip, verifies it, and has headless Chromium capture `index.html` and one workpaper page into
`screenshots/`. Usage:

    python scripts/bundle_screenshots.py [--control REF] [--out screenshots]

Needs a Chromium binary (Debian: `apt-get install chromium`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("bundle_screenshots: no Chromium found (apt-get install chromium)")


def shoot(browser: str, page: Path, png: Path, width: int, height: int, profile: Path) -> None:
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={width},{height}",
         f"--screenshot={png}", page.as_uri()],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120,
    )
    print(f"wrote {png.relative_to(ROOT) if png.is_relative_to(ROOT) else png}")


def richest_control(data_dir: Path) -> str:
    """The control whose workpaper has the most to show (largest page), for the example screenshot."""
    pages = sorted((data_dir / "workpapers").glob("*.html"), key=lambda p: p.stat().st_size, reverse=True)
    return pages[0].stem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--control", help="control ref of the workpaper to capture (default: the richest one)")
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    args = parser.parse_args()

    from fieldwork_tui.services.demo import DEMO_TODAY, build_demo

    os.environ.setdefault("FIELDWORK_TODAY", DEMO_TODAY.isoformat())
    os.environ.setdefault("FIELDWORK_USER", "elena")
    from fieldwork_tui.services.bundle import export_bundle, verify_bundle

    browser = chromium()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fieldwork-shots-") as tmp:
        tmp_path = Path(tmp)
        handle = build_demo(tmp_path / "home")
        try:
            result = export_bundle(handle, tmp_path / "bundle.zip")
        finally:
            handle.close()
        report = verify_bundle(result.path)
        print(result.describe())
        print(report.describe())
        if not report.ok:
            sys.exit(1)
        extracted = tmp_path / "bundle"
        with zipfile.ZipFile(result.path) as zf:
            zf.extractall(extracted)
        ref = args.control or richest_control(extracted)
        page = extracted / "workpapers" / f"{ref}.html"
        if not page.is_file():
            sys.exit(f"bundle_screenshots: no workpaper for control {ref!r}")
        profile = tmp_path / "profile"
        shoot(browser, extracted / "index.html", args.out / "bundle-index.png", 1400, 2200, profile)
        shoot(browser, page, args.out / "bundle-workpaper.png", 1400, 3600, profile)


if __name__ == "__main__":
    main()
