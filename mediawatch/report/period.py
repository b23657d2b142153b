"""The report's period from what a person types: '30d', '12w', or a first and a last day."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from mediawatch.types import usable_day

_RELATIVE = re.compile(r"^\s*(\d{1,4})\s*([dw])\s*$")
DEFAULT_DAYS = 30


def relative_period(value: str, now: datetime) -> tuple[datetime, datetime] | None:
    """'30d' or '12w': that many days or weeks up to ``now``; None when ``value`` is not of that form."""
    match = _RELATIVE.match(value or "")
    if not match or int(match.group(1)) == 0:
        return None
    days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
    return now - timedelta(days=days), now


def day_bound(value: str, *, end: bool) -> datetime | None:
    """A day (a last day is included: its end is the next midnight) or an ISO datetime, as aware UTC;
    None when ``value`` is neither, or names a day outside the usable ones
    (:data:`mediawatch.types.FIRST_USABLE_DAY` to ``LAST_USABLE_DAY``)."""
    text = (value or "").strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if not usable_day(day):
                return None
            start = datetime.combine(day, datetime.min.time(), UTC)
            return start + timedelta(days=1) if end else start
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if not usable_day(parsed):  # 0001-01-01T00:00+14:00 is no instant in UTC; 9999-12-31 has no next day
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def last_day(period_to: datetime) -> date:
    """The last day a period covers (its end is excluded)."""
    return (period_to - timedelta(microseconds=1)).date()
