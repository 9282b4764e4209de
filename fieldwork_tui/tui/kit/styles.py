"""Colours by meaning, taken from the current theme: no screen names a colour.

A screen asks for a *role* ("severe", "warning", "ok", ...); the role is a Textual style over the
theme's variables (``$error``, ``$warning``, ``$success`` …), resolved against the running app's
theme each time it is asked for. After a theme change the kit screens show their data again
(`KitScreen.repaint`), so every cell follows the theme. `tests/tui/kit/test_styles.py` fails on any
colour named anywhere else in `tui/`.
"""

from __future__ import annotations

from rich.style import Style as RichStyle
from rich.text import Text

#: role → Textual style (theme variables only).
ROLES: dict[str, str] = {
    "severe": "bold $error",
    "warning": "$warning",
    "advisory": "$text-secondary",
    "ok": "$success",
    "ok.strong": "bold $success",
    "accent": "bold $accent",
    "ref": "bold $text-accent",
    "info": "$text-primary",
    "muted": "$text-muted",
    "strong": "bold",
    "current": "bold reverse",
    "done": "dim",
}


def _current_app():
    """The running app: the active one on the UI thread, the worker's app in a kit worker's thread
    (rows and cells are built in workers; Textual sets `active_app` on the UI thread only)."""
    from textual._context import active_app
    from textual.worker import active_worker

    try:
        return active_app.get()
    except LookupError:
        pass
    try:
        return active_worker.get().node.app
    except Exception:  # noqa: BLE001 - no worker, or its node is gone: no theme to read
        return None


def role(name: str) -> RichStyle:
    """The Rich style of role `name` in the current theme (a null style outside a running app).
    Works on the UI thread and in workers alike: a table row styled in a worker is styled the same."""
    spec = ROLES[name]
    app = _current_app()
    if app is None:
        return RichStyle()
    try:
        return app.stylesheet.parse_style(spec).rich_style
    except Exception:  # noqa: BLE001 - a theme without the variable: plain text is better than a crash
        return RichStyle()


def styled(text: str, role_name: str | None) -> Text:
    """`text` (already made safe) in the style of `role_name`."""
    return Text(text, style=role(role_name) if role_name else "")


def flag_role(flag) -> str:
    """The role a flag is shown in: its severity in the flag table (severe, warning, advisory)."""
    from fieldwork_tui.domain.flags import severity

    return str(severity(flag))
