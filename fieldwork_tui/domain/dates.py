"""Dates as spreadsheets write them: ISO, MM/DD/YYYY, Excel serial numbers, datetimes."""

from __future__ import annotations

import datetime as dt
import re

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d", "%d-%b-%Y", "%d %b %Y", "%b %d, %Y", "%B %d, %Y",
            "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S")


class DateParseError(ValueError):
    pass


def parse_date(value: object) -> dt.date | None:
    """Parse a cell into a date; None for an empty cell; DateParseError for anything else."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(float(value))
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _from_serial(float(text))
    text = text.replace("Z", "").split("+")[0].strip() if "T" in text else text
    for fmt in _FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        raise DateParseError(f"{value!r} is not a date (expected YYYY-MM-DD or MM/DD/YYYY)") from None


def _from_serial(serial: float) -> dt.date:
    if not 1 <= serial < 2958466:
        raise DateParseError(f"{serial!r} is not a date")
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))
