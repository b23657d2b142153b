"""Publication dates: conversion to aware UTC, lenient parsing, choosing between candidates.

Pure functions. Every datetime returned is timezone-aware UTC.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from types import MappingProxyType

__all__ = [
    "EARLIEST",
    "MONTH_NAMES",
    "DateChoice",
    "day_and_month",
    "fold_word",
    "parse_date",
    "reconcile_dates",
    "to_utc",
]

EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
"""Dates before this are treated as absurd (the web press starts around 1995)."""

_FUTURE_TOLERANCE = timedelta(days=1)
_AGREEMENT = timedelta(days=1)


def to_utc(value: time.struct_time | datetime | None) -> datetime | None:
    """Aware UTC datetime from a feedparser ``struct_time`` (already UTC) or a ``datetime``.

    A naive datetime is taken as UTC; an aware one is converted. Returns None for None and for
    values that are not a real date (feedparser passes through things like year 0 or month 13).
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError:  # year 1 or 9999 with an offset
            return None
    try:
        year, month, day, hour, minute, second = (int(v) for v in tuple(value)[:6])
        return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (ValueError, TypeError, OverflowError):
        return None


# --- parsing -------------------------------------------------------------------------------------

_ISO = re.compile(
    r"""^\s*
    (?P<y>\d{4})(?:-?(?P<m>\d\d)(?:-?(?P<d>\d\d)
    (?:[T\s]+
        (?P<H>\d\d):?(?P<M>\d\d)(?::?(?P<S>\d\d)(?:[.,](?P<f>\d+))?)?
        \s*(?P<tz>Z|UTC|GMT|[+-]\d\d(?::?\d\d)?)?
    )?)?)?
    \s*$""",
    re.VERBOSE | re.IGNORECASE,
)

# Month names: English, French, Spanish, German, Italian, Portuguese (accents stripped, lower case).
_MONTH_NAMES: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "jan january janv janvier ene enero januar gen gennaio janeiro",
        "feb february fev fevr fevrier febrero februar febbraio fevereiro",
        "mar march mars marzo marz maerz marco",
        "apr april avr avril abr abril aprile",
        "may mai mayo maggio maio",
        "jun june juin junio juni giu giugno junho",
        "jul july juil juillet julio juli lug luglio julho",
        "aug august aout ago agosto",
        "sep sept september septembre septiembre set setiembre settembre setembro",
        "oct october octobre octubre okt oktober ott ottobre out outubro",
        "nov november novembre noviembre novembro",
        "dec december decembre dic diciembre dez dezember dicembre dezembro",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTH_NAMES[_name] = _number
MONTH_NAMES: Mapping[str, int] = MappingProxyType(_MONTH_NAMES)
"""Folded month name or abbreviation (EN, FR, ES, DE, IT, PT) -> month number."""
_WEEKDAY_NAMES = frozenset(
    "mon monday tue tues tuesday wed wednesday thu thur thurs thursday fri friday sat saturday sun sunday "
    "lun lundi mar mardi mer mercredi jeu jeudi ven vendredi sam samedi dim dimanche "
    "lunes martes mie miercoles jue jueves vie viernes sab sabado dom domingo "
    "mo montag di dienstag mi mittwoch do donnerstag fr freitag sa samstag so sonntag".split()
)
_FILLER_WORDS = frozenset({"de", "del", "a", "at", "um", "le", "el", "the", "of"})  # "à" folds to "a"
# Zone abbreviations, in hours east of UTC. Single-letter-less US names (ET, PT...) are read as
# standard time, as RFC 822 readers traditionally do.
_ZONES: dict[str, float] = {
    "ut": 0, "utc": 0, "gmt": 0, "z": 0, "etc/gmt": 0, "etc/utc": 0,
    "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
    "at": -4, "et": -5, "ct": -6, "mt": -7, "pt": -8,
    "ast": -4, "adt": -3, "akst": -9, "akdt": -8, "hst": -10, "nst": -3.5, "ndt": -2.5,
    "wet": 0, "west": 1, "bst": 1, "cet": 1, "cest": 2, "met": 1, "mest": 2, "eet": 2, "eest": 3,
    "msk": 3, "ist": 5.5, "sgt": 8, "hkt": 8, "awst": 8, "jst": 9, "kst": 9, "acst": 9.5,
    "aest": 10, "aedt": 11, "nzst": 12, "nzdt": 13, "brt": -3, "art": -3,
}  # fmt: skip
_OFFSET = re.compile(r"^(?:(?:gmt|utc|ut)\s*)?([+-])(\d{1,2})(?::?(\d\d))?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d\d)(?::(\d\d)(?:[.,]\d+)?)?$")
_SLASHED_DAY = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")


def _zone_hours(token: str) -> float | None:
    if token in _ZONES:
        return _ZONES[token]
    match = _OFFSET.match(token)
    if not match:
        return None
    hours = int(match.group(2))
    minutes = int(match.group(3) or 0)
    if hours > 23 or minutes > 59:
        return None
    return (-1 if match.group(1) == "-" else 1) * (hours + minutes / 60)


def _fold(token: str) -> str:
    return fold_word(token).rstrip(".")


def day_and_month(first: int, second: int, language: str, separator: str) -> tuple[int, int] | None:
    """(day, month) of a date written in figures ("09.07.2024", "9/7/2024"): day first, as in French and
    Spanish, except an English one with slashes: 7/9/2024 is 9 July in London and July 7 in New York, so it is
    read only when one part is above 12. None when undecided or not a day of a month."""
    day, month = first, second
    if language == "en" and separator == "/":
        if first <= 12 < second:
            day, month = second, first
        elif not first > 12 >= second:
            return None
    return (day, month) if 1 <= month <= 12 and 1 <= day <= 31 else None


def fold_word(text: str) -> str:
    """Lower case without accents, as :data:`MONTH_NAMES` are written ("Août" -> "aout")."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _parse_iso(text: str) -> datetime | None:
    match = _ISO.match(text)
    if not match:
        return None
    g = match.groupdict()
    second = int(g["S"] or 0)
    if second > 60:
        return None
    try:
        fraction = int(((g["f"] or "") + "000000")[:6])
        moment = datetime(
            int(g["y"]), int(g["m"] or 1), int(g["d"] or 1),
            int(g["H"] or 0), int(g["M"] or 0), min(second, 59), fraction,
            tzinfo=_tz_from(g["tz"]),
        )  # fmt: skip
    except ValueError:
        return None
    return moment.astimezone(UTC)


def _tz_from(text: str | None) -> timezone:
    hours = _zone_hours(text.casefold()) if text else 0.0
    if hours is None:
        raise ValueError("bad offset")
    return timezone(timedelta(hours=hours))


def _parse_textual(text: str) -> datetime | None:
    """RFC 822/2822 and its real-world variants: asctime order, full or localised month names,
    commas anywhere, two-digit years, named zones, ``GMT-01:01``, ``2006/09/15`` days. Every
    token must be understood, so junk gives None rather than a guess."""
    tokens = text.replace(",", " ").split()
    # "GMT +0100" / "GMT -01:01": glue a bare offset to the zone name before it
    merged: list[str] = []
    for token in tokens:
        if merged and merged[-1].casefold() in ("gmt", "utc", "ut") and token[:1] in "+-":
            merged[-1] += token
        else:
            merged.append(token)
    year = month = day = None
    clock: tuple[int, int, int] | None = None
    zone: float | None = None
    month_may_be_weekday = False
    for raw in merged:
        token = _fold(raw)
        if not token:
            continue
        slashed = _SLASHED_DAY.match(token)
        clock_match = _CLOCK.match(token)
        if slashed and year is None:
            year, month, day = (int(v) for v in slashed.groups())
        elif clock_match and clock is None:
            hour, minute, second = (int(v or 0) for v in clock_match.groups())
            if hour > 23 or minute > 59 or second > 60:
                return None
            clock = (hour, minute, min(second, 59))
        elif token.isdigit():
            if len(token) == 4 and year is None:
                year = int(token)
            elif len(token) <= 2 and day is None:
                day = int(token)
            elif len(token) <= 2 and year is None:
                year = int(token)
                year += 2000 if year < 50 else 1900
            else:
                return None
        elif token in _MONTH_NAMES and (month is None or month_may_be_weekday):
            # "mar" is March, or Tuesday in French and Spanish: a later month name wins over it
            month_may_be_weekday = month is None and token in _WEEKDAY_NAMES
            month = _MONTH_NAMES[token]
        elif token in _WEEKDAY_NAMES or (token in _FILLER_WORDS and not (clock and token in _ZONES)):
            continue  # "at" before the time is a word, after it the Atlantic zone
        elif zone is None and (hours := _zone_hours(token)) is not None:
            zone = hours
        else:
            return None
    if year is None or month is None or day is None:
        return None
    hour, minute, second = clock or (0, 0, 0)
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=timezone(timedelta(hours=zone or 0)))
    except (ValueError, OverflowError):
        return None
    return moment.astimezone(UTC)


def parse_date(text: str) -> datetime | None:
    """Parse a date written in a feed or page, leniently but without guessing; aware UTC or None.

    Accepted: ISO 8601 / W3C-DTF (``2024``, ``2024-03``, ``2024-03-15``,
    ``2024-03-15T10:20:30.5+01:00``, ``20240315T102030Z``, a space instead of ``T``) and RFC 822/2822
    with its real-world variants (no weekday, asctime order, full month names in English, French,
    Spanish, German, Italian or Portuguese, two-digit years, numeric or named zones such as
    ``CEST`` or ``GMT+2``, ``2006/09/15`` days). A date without a zone is UTC; a day without a time is
    00:00 UTC. A string with anything not understood gives None: feedparser's catch-all date
    handlers are deliberately not used as a fallback, they return confident nonsense for junk
    (``2013-xx-27`` becomes 1 November 2013).
    """
    if not text or not text.strip() or len(text) > 200:
        return None
    text = text.strip()
    try:
        return _parse_iso(text) or _parse_textual(text)
    except OverflowError:  # year 1 or 9999 with an offset falls off the calendar when made UTC
        return None


# --- choosing ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateChoice:
    published: datetime | None
    source: str  # "feed" | "page" | "url" | ""


def _has_time(moment: datetime) -> bool:
    return (moment.hour, moment.minute, moment.second, moment.microsecond) != (0, 0, 0, 0)


def _plausible(moment: datetime | None, now: datetime) -> datetime | None:
    if moment is None:
        return None
    moment = to_utc(moment)
    if moment is None or moment < EARLIEST or moment > now + _FUTURE_TOLERANCE:
        return None
    return moment


def _day_agrees(moment: datetime, day: date) -> bool:
    return abs((moment.date() - day).days) <= _AGREEMENT.days


def _feed_or_page(feed: datetime | None, page: datetime | None) -> DateChoice:
    if feed is not None and page is not None:
        if abs(feed - page) <= _AGREEMENT:
            # Same publication: keep the more precise one (a page date is often a bare day).
            if _has_time(feed) or not _has_time(page):
                return DateChoice(feed, "feed")
            return DateChoice(page, "page")
        return DateChoice(page, "page")  # feeds often stamp items with the time they were fetched
    if page is not None:
        return DateChoice(page, "page")
    if feed is not None:
        return DateChoice(feed, "feed")
    return DateChoice(None, "")


def reconcile_dates(
    feed: datetime | None, page: datetime | None, url_date: date | None, now: datetime
) -> DateChoice:
    """Choose an article's publication date among the feed's, the page's and the URL's.

    Rules, in order:

    1. Implausible candidates are dropped: more than one day after ``now`` (clock skew and time
       zones get a day of slack) or before 1995-01-01. The URL date is judged at 00:00 UTC.
    2. With a URL date, the feed and page dates that agree with it (same day +/- 1, time zones
       shift the day) are kept; among them the one with a time of day wins (feed first, then
       page), else the page, else the feed. The URL confirms the day; the candidate adds the time.
    3. A URL date that agrees with neither: if the feed and page dates agree with each other
       (+/- 1 day), they outvote the URL (rule 4); otherwise the URL date wins, at 00:00 UTC (a
       dated path is written once at publication, while a lone feed stamp is often the fetch
       time and a lone page date may be a "last updated").
    4. Without a deciding URL date: feed and page within a day of each other -> the one with a
       time of day (feed first); more than a day apart -> the page (feeds often stamp items with
       the fetch time); only one of them -> that one.
    5. Only a URL date -> that day at 00:00 UTC, source "url". Nothing left -> (None, "").
    """
    now = to_utc(now) or now
    feed_ok = _plausible(feed, now)
    page_ok = _plausible(page, now)
    url_ok: datetime | None = None
    if url_date is not None:
        url_ok = _plausible(datetime(url_date.year, url_date.month, url_date.day, tzinfo=UTC), now)

    if url_ok is not None:
        day = url_ok.date()
        agreeing = [
            (moment, name)
            for moment, name in ((feed_ok, "feed"), (page_ok, "page"))
            if moment is not None and _day_agrees(moment, day)
        ]
        if agreeing:
            for moment, name in agreeing:
                if _has_time(moment):
                    return DateChoice(moment, name)
            chosen, source = agreeing[-1]  # no time of day anywhere: page before feed
            return DateChoice(chosen, source)
        both_agree = feed_ok is not None and page_ok is not None and abs(feed_ok - page_ok) <= _AGREEMENT
        if not both_agree:
            return DateChoice(url_ok, "url")
    return _feed_or_page(feed_ok, page_ok)
