"""Dates and periods written the way each language writes them, for every stage (an issue's name in compose,
the web and the CLI; an edition in render).

Month names and word order come from the catalogues (``render.month.*``, ``render.date.*``,
``render.period.*``: render was their first user, and the keys keep its name), not from the machine's locale:
the output must be the same on every machine, and the team can correct a form by editing a TOML file. Dates
are shown in UTC, the zone every stored datetime is in, except a period's days: given ``zone`` (the team's
``nightly_timezone``), a period is said by the days it covers there, so a monthly whose midnights are New
York's is "1–31 Dec", not "1 Dec – 1 Jan" as its UTC bounds would read; a period between two UTC midnights
(days typed in the web form or as ``--from``/``--to`` before they were read in the team's zone) keeps UTC
days, or a Paris team's "1–31 Dec" typed then would read "1 Dec – 1 Jan".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from mediawatch.i18n import t

_SHORT_MONTHS = (
    "render.month.short.1",
    "render.month.short.2",
    "render.month.short.3",
    "render.month.short.4",
    "render.month.short.5",
    "render.month.short.6",
    "render.month.short.7",
    "render.month.short.8",
    "render.month.short.9",
    "render.month.short.10",
    "render.month.short.11",
    "render.month.short.12",
)
_LONG_MONTHS = tuple(key.replace(".short.", ".long.") for key in _SHORT_MONTHS)
MONTH_KEYS = _SHORT_MONTHS + _LONG_MONTHS


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _day_in(value: datetime, zone: tzinfo | None) -> date:
    return _utc(value).astimezone(zone or UTC).date()


def month_name(month: int, lang: str, *, long: bool = False) -> str:
    return t((_LONG_MONTHS if long else _SHORT_MONTHS)[month - 1], lang)


def _day(day: int, lang: str) -> str:
    # French writes the first of the month "1er"; the catalogue says how each language does it.
    return t("render.date.first_day", lang) if day == 1 else str(day)


def format_date(value: datetime | None, lang: str, *, long: bool = False) -> str:
    """``17 Nov 2026`` / ``17 nov. 2026`` / ``17 nov. 2026``; long: ``17 de noviembre de 2026``."""
    if value is None:
        return t("render.item.no_date", lang)
    when = _utc(value)
    key = "render.date.long" if long else "render.date.short"
    return t(
        key, lang, day=_day(when.day, lang), month=month_name(when.month, lang, long=long), year=when.year
    )


def format_datetime(value: datetime | None, lang: str) -> str:
    """``7 déc. 2026, 13 h 45`` / ``7 Dec 2026, 13:45`` / ``7 dic. 2026, 13:45``, in UTC (the page says so
    once); "–" when unknown."""
    if value is None:
        return "–"
    when = _utc(value)
    return t(
        "render.date.with_time",
        lang,
        date=format_date(when, lang),
        hour=when.hour,
        minute=f"{when.minute:02d}",
    )


def format_datetime_utc(value: datetime | None, lang: str) -> str:
    """:func:`format_datetime` with its zone said (``7 déc. 2026, 13 h 45 UTC``), for a line read alone:
    no page foot says the zone in the CLI or beside a refusal."""
    if value is None:
        return "–"
    return t("render.date.with_time_utc", lang, moment=format_datetime(value, lang))


def iso_datetime(value: datetime | None) -> str:
    """``2026-12-07T13:45:00Z`` (UTC), for ``<time datetime>``; "" when unknown."""
    return "" if value is None else _utc(value).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def format_period(start: datetime, end: datetime, lang: str, zone: tzinfo | None = None) -> str:
    """``17–24 Nov 2026`` / ``du 17 au 24 nov. 2026`` / ``del 17 al 24 de nov. de 2026``; the days are
    ``zone``'s (default UTC)."""
    a, b = _day_in(start, zone), _day_in(end, zone)
    if b < a:
        a, b = b, a
    if a == b:
        return t(
            "render.period.same_day",
            lang,
            day=_day(a.day, lang),
            month=month_name(a.month, lang),
            year=a.year,
        )
    if (a.year, a.month) == (b.year, b.month):
        return t(
            "render.period.same_month",
            lang,
            day1=_day(a.day, lang),
            day2=_day(b.day, lang),
            month=month_name(a.month, lang),
            year=a.year,
        )
    if a.year == b.year:
        return t(
            "render.period.same_year",
            lang,
            day1=_day(a.day, lang),
            month1=month_name(a.month, lang),
            day2=_day(b.day, lang),
            month2=month_name(b.month, lang),
            year=a.year,
        )
    return t(
        "render.period.other",
        lang,
        day1=_day(a.day, lang),
        month1=month_name(a.month, lang),
        year1=a.year,
        day2=_day(b.day, lang),
        month2=month_name(b.month, lang),
        year2=b.year,
    )


def format_half_open(start: datetime, end: datetime, lang: str, zone: tzinfo | None = None) -> str:
    """A stored period ``[start, end)`` by the days it covers in ``zone`` (default UTC; see
    :func:`period_zone`): ``end`` is excluded, so a week ending at midnight on the 8th reads "du 1er au
    7 déc. 2026", not "au 8"."""
    return format_period(start, _last_moment(start, end), lang, period_zone(start, end, zone))


def period_zone(start: datetime, end: datetime, zone: tzinfo | None) -> tzinfo:
    """Whose days ``[start, end)`` covers: UTC's when both ends are UTC midnights (whole days typed before
    typed days were the team's, read in UTC then), else ``zone``'s (the nightly's periods end at its
    midnights, and the form and ``--from``/``--to`` read a day there)."""
    if zone is None or all(_utc(bound).time() == time(0) for bound in (start, end)):
        return UTC
    return zone


class HalfOpen:
    """A period ``[start, end)`` said by :func:`format_half_open` in the reader's language, for a field of
    a :class:`~mediawatch.i18n.Message` raised before anyone knows who will read it."""

    __slots__ = ("end", "start", "zone")

    def __init__(self, start: datetime, end: datetime, zone: tzinfo | None = None) -> None:
        self.start, self.end, self.zone = start, end, zone

    def text(self, lang: str) -> str:
        return format_half_open(self.start, self.end, lang, self.zone)


def _last_moment(start: datetime, end: datetime) -> datetime:
    return end - timedelta(microseconds=1) if end > start else end


def last_day(start: datetime, end: datetime, zone: tzinfo | None = None) -> date:
    """The last day ``[start, end)`` covers in ``zone`` (default UTC): the day :func:`format_half_open`
    ends its words on."""
    return _day_in(_last_moment(start, end), period_zone(start, end, zone))


def iso_date(value: datetime | None) -> str:
    """``2026-11-17`` (UTC), for ``<time datetime>`` and the Atom feed; "" when unknown."""
    return "" if value is None else _utc(value).date().isoformat()
