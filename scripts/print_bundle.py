"""Print the workpaper bundle as a manager would — headless Chromium, Letter and A4 — and measure
every printed page; write print screenshots into `screenshots/`.

    python scripts/print_bundle.py [--out screenshots] [--control REF]

Builds the demo engagement in a temporary home, exports and extracts the bundle, prints `index.html`
and a workpaper on both paper sizes, and writes `print-<page>-<size>.png` (the first pages side by
side). The functions are also what the test suite uses to fail a page that is more than half empty
before the end of its document. Needs Chromium and poppler's `pdftoppm` (Debian:
`apt-get install chromium poppler-utils`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Paper sizes as CSS `@page { size }` values. The bundle's own stylesheet sets none, so the reader's
#: printer decides; printing here adds the size to emulate that choice.
SIZES = {"letter": "8.5in 11in", "a4": "210mm 297mm"}
#: The top and bottom bands of a page that hold the running header and footer (the @page margins).
BAND = 0.075
#: A pixel darker than this is ink (0 black … 255 white).
INK = 200


def tools() -> tuple[str, str] | None:
    """(chromium, pdftoppm) when both are installed."""
    browser = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)),
                   None)
    raster = shutil.which("pdftoppm")
    return (browser, raster) if browser and raster else None


def print_pdf(page: Path, pdf: Path, size: str, profile: Path) -> None:
    """Print `page` (a file inside an extracted bundle) to `pdf` on paper `size`."""
    browser, _ = tools() or sys.exit("print_bundle: needs chromium and pdftoppm")
    html = page.read_text(encoding="utf-8")
    probe = page.with_name(f".print-{size}-{page.name}")
    probe.write_text(html.replace("</head>", f"<style>@page {{ size: {SIZES[size]}; }}</style></head>", 1),
                     encoding="utf-8")
    try:
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
                        "--no-pdf-header-footer", f"--print-to-pdf={pdf}", probe.as_uri()],
                       check=True, capture_output=True, timeout=180)
    finally:
        probe.unlink(missing_ok=True)


@dataclass
class PageImage:
    width: int
    height: int
    channels: int  # 1 grey, 3 RGB
    pixels: bytes

    def row(self, y: int) -> bytes:
        n = self.width * self.channels
        return self.pixels[y * n:(y + 1) * n]


def rasterize(pdf: Path, out: Path, dpi: int = 40, colour: bool = False) -> list[PageImage]:
    """Every page of `pdf` as an image (PGM/PPM from pdftoppm, read here)."""
    _, raster = tools() or sys.exit("print_bundle: needs chromium and pdftoppm")
    prefix = out / pdf.stem
    subprocess.run([raster, "-r", str(dpi), *([] if colour else ["-gray"]), str(pdf), str(prefix)], check=True,
                   capture_output=True, timeout=180)
    files = sorted(out.glob(f"{pdf.stem}-*.p[gp]m"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    images = [read_pnm(f) for f in files]
    for f in files:
        f.unlink()
    return images


def read_pnm(path: Path) -> PageImage:
    data = path.read_bytes()
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    magic, width, height = fields[0], int(fields[1]), int(fields[2])
    channels = 1 if magic == b"P5" else 3
    pos += 1
    return PageImage(width, height, channels, data[pos:pos + width * height * channels])


def fill(image: PageImage, band: float = BAND) -> float:
    """How far down its body a page is used: the lowest row with ink between the header and footer
    bands, as a fraction of the body's height (0.0: an empty page)."""
    top, bottom = int(image.height * band), int(image.height * (1 - band))
    for y in range(bottom - 1, top - 1, -1):
        if min(image.row(y)) < INK:
            return (y - top + 1) / (bottom - top)
    return 0.0


def half_empty_pages(fills: list[float]) -> list[int]:
    """Page numbers (1-based) other than the last that are more than half empty."""
    return [i + 1 for i, f in enumerate(fills[:-1]) if f < 0.5]


def write_png(path: Path, images: list[PageImage], gap: int = 12) -> None:
    """The pages side by side on a grey background, as one RGB PNG (no imaging library needed)."""
    height = max(i.height for i in images) + 2 * gap
    width = sum(i.width for i in images) + gap * (len(images) + 1)
    grey = bytes((200, 200, 200))
    rows = []
    for y in range(height):
        line = bytearray(grey * gap)
        for img in images:
            yy = y - gap
            if 0 <= yy < img.height:
                r = img.row(yy)
                line += r if img.channels == 3 else bytes(b for v in r for b in (v, v, v))
            else:
                line += grey * img.width
            line += grey * gap
        rows.append(b"\x00" + bytes(line))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))
    path.write_bytes(png)


def export_demo(tmp: Path) -> Path:
    """The demo engagement exported and extracted under `tmp`; returns the extracted folder."""
    from fieldwork_tui.services.demo import build_demo
    from fieldwork_tui.services.demo.core import DEMO_TODAY

    os.environ.setdefault("FIELDWORK_TODAY", DEMO_TODAY.isoformat())
    os.environ.setdefault("FIELDWORK_USER", "elena")
    from fieldwork_tui.services.bundle import export_bundle

    handle = build_demo(tmp / "home")
    try:
        result = export_bundle(handle, tmp / "bundle.zip")
    finally:
        handle.close()
    folder = tmp / "bundle"
    with zipfile.ZipFile(result.path) as zf:
        zf.extractall(folder)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--control", default="CM-01", help="control ref of the workpaper to print")
    parser.add_argument("--pages", type=int, default=3, help="pages shown side by side per screenshot")
    args = parser.parse_args()
    if tools() is None:
        sys.exit("print_bundle: needs chromium and pdftoppm (apt-get install chromium poppler-utils)")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fieldwork-print-") as tmp:
        tmp_path = Path(tmp)
        folder = export_demo(tmp_path)
        failed = False
        for name, page in (("index", folder / "index.html"), ("workpaper", folder / "workpapers" / f"{args.control}.html")):
            for size in SIZES:
                pdf = tmp_path / f"{name}-{size}.pdf"
                print_pdf(page, pdf, size, tmp_path / "profile")
                fills = [fill(i) for i in rasterize(pdf, tmp_path)]
                bad = half_empty_pages(fills)
                failed |= bool(bad)
                print(f"{name} on {size}: {len(fills)} pages, filled {', '.join(f'{f:.0%}' for f in fills)}"
                      + (f" — more than half empty: pages {bad}" if bad else ""))
                png = args.out / f"print-{name}-{size}.png"
                write_png(png, rasterize(pdf, tmp_path, dpi=60, colour=True)[: args.pages])
                print(f"wrote {png.relative_to(ROOT) if png.is_relative_to(ROOT) else png}")
        if failed:
            sys.exit(1)


if __name__ == "__main__":
    main()
