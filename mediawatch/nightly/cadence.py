"""When a draft is due: pure decisions, no I/O.

A cadence names the day a period ends: ``weekly:mon`` means "every Monday, the draft of the seven days
that end at Monday 00:00". The period due at a moment is always the latest one that has ended, so:

* a run on Monday composes last week's draft; a run on Tuesday finds the same period (and composes it if
  Monday's run did not: the machine was off, the run was killed);
* the same period is found by every run until the next boundary, which is what makes "compose what is
  due, unless already composed" idempotent.

Boundaries are local midnights in the configured time zone, stored as UTC.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# re-exported where the nightly found it; the setting moved to config, compose reads it too
from mediawatch.config import parse_timezone as parse_timezone
from mediawatch.errors import InvalidInput
from mediawatch.i18n import Message

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Every(enum.StrEnum):
    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True, slots=True)
class Cadence:
    every: Every
    day: int = 0  # weekly: 0 = Monday .. 6 = Sunday; monthly: day of the month, 1-28

    def __str__(self) -> str:
        if self.every is Every.WEEKLY:
            return f"weekly:{WEEKDAYS[self.day]}"
        if self.every is Every.MONTHLY:
            return f"monthly:{self.day}"
        return self.every.value


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime  # aware UTC, included
    end: datetime  # aware UTC, excluded: the boundary that made it due


def parse_cadence(text: str, setting: str = "cadence") -> Cadence:
    """'off', 'daily', 'weekly:mon' .. 'weekly:sun', 'monthly:1' .. 'monthly:28' (case and spaces ignored)."""
    raw = (text or "").strip().lower().replace(" ", "")
    if raw in ("", "off", "none", "never"):
        return Cadence(Every.OFF)
    if raw == "daily":
        return Cadence(Every.DAILY)
    kind, _, arg = raw.partition(":")
    if kind == "weekly" and arg[:3] in WEEKDAYS and arg in (arg[:3], _long_day(arg[:3])):
        return Cadence(Every.WEEKLY, WEEKDAYS.index(arg[:3]))
    if kind == "monthly" and arg.isdigit() and 1 <= int(arg) <= 28:
        return Cadence(Every.MONTHLY, int(arg))
    raise InvalidInput(Message("nightly.setting.bad_cadence", setting=setting, value=text))


def _long_day(short: str) -> str:
    return {
        "mon": "monday",
        "tue": "tuesday",
        "wed": "wednesday",
        "thu": "thursday",
        "fri": "friday",
        "sat": "saturday",
        "sun": "sunday",
    }[short]


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def _month_back(day: date) -> date:
    """The same day one month earlier (days are 1-28, so it always exists)."""
    return day.replace(year=day.year - 1, month=12) if day.month == 1 else day.replace(month=day.month - 1)


def due_period(cadence: Cadence, now: datetime, zone: ZoneInfo | None = None) -> Period | None:
    """The latest period of ``cadence`` that has ended at ``now``; None when the cadence is off."""
    if cadence.every is Every.OFF:
        return None
    zone = zone or ZoneInfo("UTC")
    today = now.astimezone(zone).date()
    if cadence.every is Every.DAILY:
        end = today
        start = end - timedelta(days=1)
    elif cadence.every is Every.WEEKLY:
        end = today - timedelta(days=(today.weekday() - cadence.day) % 7)
        start = end - timedelta(days=7)
    else:
        end = (
            today.replace(day=cadence.day)
            if today.day >= cadence.day
            else _month_back(today.replace(day=cadence.day))
        )
        start = _month_back(end)
    return Period(_midnight(start, zone), _midnight(end, zone))


def is_future_day(at: datetime, now: datetime, zone: ZoneInfo | None = None) -> bool:
    """Whether ``at`` falls on a later day than ``now`` (in ``zone``, the cadences' time zone).

    Which periods are due depends only on the day, so a later moment of today decides the same drafts as
    now; a later day would make due a period that has not ended, composed before its news exist and then
    counted as done, so the real run of that day would skip it.
    """
    zone = zone or ZoneInfo("UTC")
    return at.astimezone(zone).date() > now.astimezone(zone).date()
