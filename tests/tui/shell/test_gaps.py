"""Text never reads as glued to the text before it: the control header's gaps ("I·NR   required:",
"modified since review  — conclusion defensible") and the controls table's column gaps (Flags then
Status) are runs of their own, so the next text starts at its own column — in the terminal and in an
SVG screenshot, where some viewers drop the blanks a run starts with (which made "I NRrequired:" and
"open diffsreviewed" of them). The Status column shows "ready for review" in full."""

from __future__ import annotations

import re

from fieldwork_tui.tui.widgets.virtual_table import VirtualTable

from ..support import open_control_tab, settle

SIZE = (130, 40)
#: a run that starts with blanks and then the text that must stand apart from what precedes it
GLUED = r"<text[^>]*>(?:&#160;)+({})"


def _runs_starting_blank(svg: str, words: str) -> list[str]:
    return re.findall(GLUED.format(words), svg)


async def test_control_header_gaps_are_not_part_of_the_next_words(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_control_tab(pilot, "AC-03", "inquiry")  # modified since review, conclusion defensible
        header = demo_app.screen.query_one("#control-header")
        text = "".join(seg.text for line in header.render_lines(header.region.reset_offset) for seg in line)
        assert "required: inquiry" in text and ("— conclusion defensible" in text or "— not yet defensible" in text)
        svg = demo_app.export_screenshot()
        assert _runs_starting_blank(svg, "required:|—") == []


async def test_controls_table_status_stands_apart_from_the_flags(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await settle(pilot)
        table = demo_app.screen.query_one(VirtualTable)
        shown = [col.key for _i, col, _w in table.shown_columns]
        assert shown[-2:] == ["flags", "status"]
        svg = demo_app.export_screenshot()
        assert _runs_starting_blank(svg, "not&#160;started|in&#160;progress|ready&#160;for|reviewed") == []
        assert "ready&#160;for&#160;review" in svg  # CM-01: the status in full, not "ready for r…"


async def test_at_80_columns_flags_and_status_still_stand_apart(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        svg = demo_app.export_screenshot()
        assert _runs_starting_blank(svg, "not&#160;started|in&#160;progress|ready&#160;for|reviewed") == []
