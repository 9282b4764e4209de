"""Errors a user can act on. Their message is one line, names the file/row/field, and is shown as is
by the CLI (non-zero exit) and the TUI (notification); never a traceback.

Defined here, below every layer, because the store raises them too (a busy or locked engagement, an
unreadable table); the CLI and the TUI import them from `fieldwork_tui.services.errors`.
"""


class FieldworkError(Exception):
    """Base of every error meant for the user."""


class NotFound(FieldworkError):
    pass


class InvalidInput(FieldworkError):
    pass


class EngagementLocked(FieldworkError):
    pass


class EngagementBusy(FieldworkError):
    """Another process held the engagement's write lock longer than the busy timeout."""
