"""No colour is named in tui/: styles come from the theme (kit.styles roles, $variables in tcss)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import fieldwork_tui.tui as tui_pkg

TUI = Path(tui_pkg.__file__).parent
COLOUR_WORDS = {
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white", "grey", "gray", "purple", "orange",
    "pink", "brown", "violet", "navy", "teal", "olive", "maroon", "lime", "aqua", "fuchsia", "silver", "gold",
}
STYLE_WORDS = {"bold", "dim", "italic", "underline", "reverse", "strike", "blink", "not", "on", "b", "i", "u",
               "none", "default", "reset"}
HEX = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?\b")
FUNC = re.compile(r"\b(?:rgb|rgba|hsl|hsla|color)\(")
TCSS_COLOUR_PROPS = re.compile(r"^\s*(?:color|background|border[\w-]*|outline[\w-]*|tint|background-tint|"
                               r"scrollbar[\w-]*|link-[\w-]*|text-[\w-]*-color)\s*:\s*(?P<value>[^;]+);", re.M)


def _is_colour_token(token: str) -> bool:
    t = token.lower()
    base = re.sub(r"^(bright_|dark_|light_|medium_|pale_|deep_)", "", t)
    base = re.sub(r"\d+$", "", base)
    return base in COLOUR_WORDS or bool(HEX.fullmatch(t)) or bool(FUNC.match(t))


def colour_in_style(text: str) -> str | None:
    """The colour named by `text` if `text` reads as a Rich/Textual style ("bold red", "on yellow",
    "#ff0000", "rgb(1,2,3)"); prose that merely contains a colour word ("a red flag") is not a style."""
    if HEX.search(text) and len(text.split()) <= 4:
        return HEX.search(text).group()
    if FUNC.search(text) and len(text.split()) <= 4:
        return FUNC.search(text).group()
    tokens = text.replace(",", " ").split()
    if not tokens or len(tokens) > 6:
        return None
    if all(t.lower() in STYLE_WORDS or _is_colour_token(t) or t.startswith("$") for t in tokens):
        return next((t for t in tokens if _is_colour_token(t)), None)
    return None


def python_violations(path: Path) -> list[str]:
    out = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.lstrip().startswith(("\n", "\"\"\"")) or "{" in node.value:
                css = node.value  # DEFAULT_CSS blocks: checked like tcss below
                for m in TCSS_COLOUR_PROPS.finditer(css):
                    if _tcss_value_has_colour(m.group("value")):
                        out.append(f"{path.relative_to(TUI)}:{node.lineno}: {m.group(0).strip()}")
                continue
            colour = colour_in_style(node.value)
            if colour:
                out.append(f"{path.relative_to(TUI)}:{node.lineno}: {node.value!r} names {colour}")
    return out


def _tcss_value_has_colour(value: str) -> bool:
    tokens = re.sub(r"\$[\w-]+", " ", value).replace("%", " ").split()
    return any(_is_colour_token(t) for t in tokens) or bool(HEX.search(value)) or bool(FUNC.search(value))


def tcss_violations(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [f"{path.relative_to(TUI)}: {m.group(0).strip()}" for m in TCSS_COLOUR_PROPS.finditer(text)
            if _tcss_value_has_colour(m.group("value"))]


def test_the_detector_finds_colours_and_ignores_prose():
    assert colour_in_style("bold red") == "red"
    assert colour_in_style("on yellow") == "yellow"
    assert colour_in_style("bright_green") == "bright_green"
    assert colour_in_style("#ff0000") == "#ff0000"
    assert colour_in_style("bold $error") is None
    assert colour_in_style("Evidence contradicts what someone said: a red flag.") is None
    assert colour_in_style("dim") is None
    assert _tcss_value_has_colour("$accent 60%") is False
    assert _tcss_value_has_colour("thick red") is True


def test_no_hard_coded_colour_in_tui():
    violations = []
    for path in sorted(TUI.rglob("*.py")):
        violations += python_violations(path)
    for path in sorted(TUI.rglob("*.tcss")):
        violations += tcss_violations(path)
    assert violations == [], "colours named in tui/ (use kit.styles roles or $variables):\n" + "\n".join(violations)
