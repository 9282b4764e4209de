"""Control characters shown visibly, never sent to the terminal (issue 14 item 4, the unit part;
tests/tui/shell/test_terminal_safety.py drives the real app in a pty)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.color import Color
from textual.widgets import Static

from fieldwork_tui.tui.kit.safe_text import ControlCharFilter, has_unsafe, safe_content, safe_text, visible

HOSTILE = "Access \x1b]0;pwned\x07review \x1b]52;c;ZXZpbA==\x07\x1b[2J done"


def test_escape_sequences_become_visible():
    assert visible(HOSTILE) == "Access ␛]0;pwned␇review ␛]52;c;ZXZpbA==␇␛[2J done"


def test_c1_del_and_bidi_are_visible():
    assert visible("a\x9b2Jb") == "a␛[2Jb"
    assert visible("x\x7fy") == "x␡y"
    assert visible("AC-\u202e10") == "AC-‹RLO›10"


def test_newlines_kept_only_when_asked():
    assert visible("one\ntwo\tx") == "one␊two␉x"
    assert visible("one\ntwo\tx", keep_lines=True) == "one\ntwo\tx"


def test_plain_text_is_untouched():
    text = "Zoë's café — 日本語 ✓ [bold]not markup[/]"
    assert visible(text) == text and not has_unsafe(text)


def test_safe_content_is_never_markup():
    assert safe_content("[red]x[/] [/oops]").plain == "[red]x[/] [/oops]"
    assert safe_text("\x1b[31m").plain == "␛[31m"


@given(st.text())
def test_nothing_unsafe_survives(text):
    out = visible(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in out)
    assert not has_unsafe(out)


def test_the_output_filter_drops_what_slipped_through():
    segments = [Segment("ok \x1b]0;x\x07 end"), Segment("fine")]
    out = ControlCharFilter().apply(segments, Color(0, 0, 0))
    assert [s.text for s in out] == ["ok ]0;x end", "fine"]


async def test_a_widget_showing_raw_text_emits_no_escape():
    class Raw(App):
        def compose(self) -> ComposeResult:
            yield Static(safe_content(HOSTILE), id="safe")

    app = Raw()
    async with app.run_test():
        lines = [s.text for s in app.screen._compositor.render_strips()]
        assert any("␛]0;pwned" in line for line in lines)
        assert not any("\x1b" in line or "\x07" in line for line in lines)
