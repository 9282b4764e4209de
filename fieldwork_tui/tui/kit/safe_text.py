"""Every text the TUI shows passes through here: control characters become visible symbols.

Client files and spreadsheets carry whatever their authors typed or an attacker planted: a control title
holding ``ESC]0;…`` renames the terminal window, ``ESC]52;c;…`` writes the clipboard, ``ESC[2J`` clears
the screen. Rich keeps ESC in its text (it strips only BEL, BS, VT, FF and CR), so a title printed as is
reaches the terminal. Two defences, one rule:

* `visible()` — used when a stored text becomes display text (table cells, panels, dialog titles,
  notifications): every C0/C1 control character, DEL and the bidirectional overrides become visible
  symbols (``ESC`` → ``␛``, C1 ``CSI`` → ``␛[``, U+202E → ``‹RLO›``). The auditor sees that something
  odd is in the data; the stored text keeps its bytes.
* `ControlCharFilter` — a line filter on the app's output, the net under everything else (the text of
  an Input or TextArea being edited is the stored text itself): any control character still in a
  rendered line is dropped. Control characters have no cell width, so dropping them never shifts
  the layout.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.content import Content
from textual.filter import LineFilter

#: Bidirectional formatting characters: they reorder what the eye reads (e.g. "AC-01" shown for
#: "10-CA"). Shown by name.
BIDI_NAMES: dict[str, str] = {
    "\u061c": "ALM", "\u200e": "LRM", "\u200f": "RLM",
    "\u202a": "LRE", "\u202b": "RLE", "\u202c": "PDF", "\u202d": "LRO", "\u202e": "RLO",
    "\u2066": "LRI", "\u2067": "RLI", "\u2068": "FSI", "\u2069": "PDI",
}

# C0 controls, DEL, C1 controls, and the bidi characters above.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(BIDI_NAMES) + "]")
_UNSAFE_KEEP_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + "".join(BIDI_NAMES) + "]")


def _symbol(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (ESC is ␛)
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0x9F:
        return "\u241b" + chr(code - 0x40)  # a C1 control is ESC + a letter: CSI (0x9B) is shown ␛[
    return f"\u2039{BIDI_NAMES[char]}\u203a"  # ‹RLO›


def _replace(match: re.Match[str]) -> str:
    return _symbol(match.group())


def visible(text: object, *, keep_lines: bool = False) -> str:
    """`text` with every control character shown as a symbol. `keep_lines` keeps newlines and tabs
    (multi-line panels); otherwise a newline shows as ␊, so one record stays one line."""
    s = "" if text is None else str(text)
    return (_UNSAFE_KEEP_LINES if keep_lines else _UNSAFE).sub(_replace, s)


def has_unsafe(text: str) -> bool:
    """Whether `text` holds a character `visible()` would replace."""
    return bool(_UNSAFE.search(text))


def safe_text(text: object, style: str | Style = "", *, keep_lines: bool = False) -> Text:
    """A Rich Text of `text` shown safely (for tables, panels and cells)."""
    return Text(visible(text, keep_lines=keep_lines), style=style)


def safe_content(text: object, style: str = "", *, keep_lines: bool = False) -> Content:
    """A Textual Content of `text` shown safely, never parsed as markup (a file name such as
    "[red]x" or "[/]" is shown as typed, not interpreted)."""
    return Content.styled(visible(text, keep_lines=keep_lines), style) if style else Content(
        visible(text, keep_lines=keep_lines))


# Control characters that can survive into a rendered line: everything below 0x20 (a rendered line
# has no newline or tab left), DEL and C1. The bidi characters are left to `visible` (they have no
# effect on the terminal's state).
_OUTPUT_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f]")


class ControlCharFilter(LineFilter):
    """Drop control characters from every rendered segment: nothing the data holds can drive the
    terminal (retitle it, write the clipboard, move the cursor)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        out: list[Segment] = []
        search = _OUTPUT_UNSAFE.search
        for seg in segments:
            text = seg.text
            if seg.control is None and search(text):
                out.append(Segment(_OUTPUT_UNSAFE.sub("", text), seg.style, seg.control))
            else:
                out.append(seg)
        return out
