"""Today's date, overridable with FIELDWORK_TODAY=YYYY-MM-DD (demo screenshots, tests, and an auditor
reviewing "as of" a past day). Request ageing and overdue counts use it."""

from __future__ import annotations

import datetime as dt
import os


def today() -> dt.date:
    forced = os.environ.get("FIELDWORK_TODAY")
    if forced:
        try:
            return dt.date.fromisoformat(forced)
        except ValueError:
            pass
    return dt.date.today()
