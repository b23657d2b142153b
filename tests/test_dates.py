"""to_utc, parse_date and the rules of reconcile_dates."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from mediawatch.collect.dates import DateChoice, parse_date, reconcile_dates, to_utc

# --- to_utc --------------------------------------------------------------------------------------


def test_to_utc_struct_time_is_already_utc() -> None:
    st = time.struct_time((2024, 3, 15, 10, 20, 30, 4, 75, 0))
    assert to_utc(st) == datetime(2024, 3, 15, 10, 20, 30, tzinfo=UTC)


def test_to_utc_naive_datetime_is_taken_as_utc() -> None:
    assert to_utc(datetime(2024, 3, 15, 10, 0)) == datetime(2024, 3, 15, 10, 0, tzinfo=UTC)


def test_to_utc_converts_aware_datetimes() -> None:
    paris = timezone(timedelta(hours=1))
    result = to_utc(datetime(2024, 3, 15, 10, 0, tzinfo=paris))
    assert result == datetime(2024, 3, 15, 9, 0, tzinfo=UTC)
    assert result is not None
    assert result.tzinfo is UTC


def test_to_utc_rejects_impossible_struct_times() -> None:
    assert to_utc(None) is None
    assert to_utc(time.struct_time((2024, 13, 1, 0, 0, 0, 0, 1, 0))) is None
    assert to_utc(time.struct_time((0, 1, 1, 0, 0, 0, 0, 1, 0))) is None


def test_to_utc_leap_second_is_clamped() -> None:
    st = time.struct_time((2016, 12, 31, 23, 59, 60, 5, 366, 0))
    assert to_utc(st) == datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)


# --- parse_date ----------------------------------------------------------------------------------


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-15", utc(2024, 3, 15)),
        ("2024-03", utc(2024, 3, 1)),
        ("2024", utc(2024, 1, 1)),
        ("2024-03-15T10:20:30Z", utc(2024, 3, 15, 10, 20, 30)),
        ("2024-03-15T10:20:30+01:00", utc(2024, 3, 15, 9, 20, 30)),
        ("2024-03-15T10:20:30-0500", utc(2024, 3, 15, 15, 20, 30)),
        ("2024-03-15 10:20:30", utc(2024, 3, 15, 10, 20, 30)),
        ("2024-03-15T10:20", utc(2024, 3, 15, 10, 20)),
        ("20240315T102030Z", utc(2024, 3, 15, 10, 20, 30)),
        ("2024-03-15T00:30:00+02:00", utc(2024, 3, 14, 22, 30)),
        ("  2024-03-15T10:20:30.250Z ", datetime(2024, 3, 15, 10, 20, 30, 250000, tzinfo=UTC)),
    ],
)
def test_parse_date_iso8601(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fri, 15 Mar 2024 18:30:00 +0100", utc(2024, 3, 15, 17, 30)),
        ("Fri, 15 Mar 2024 18:30:00 GMT", utc(2024, 3, 15, 18, 30)),
        ("15 Mar 2024 18:30:00 EST", utc(2024, 3, 15, 23, 30)),
        ("Fri, 15 Mar 2024 18:30 CEST", utc(2024, 3, 15, 16, 30)),
        ("Fri, 15 Mar 24 18:30:00 +0000", utc(2024, 3, 15, 18, 30)),
        ("Fri,15 Mar 2024 18:30:00 -0000", utc(2024, 3, 15, 18, 30)),
        ("Fri, 15 March 2024 18:30:00 GMT+2", utc(2024, 3, 15, 16, 30)),
        ("Fri, 15 Mar 2024 18:30:00 GMT-01:30", utc(2024, 3, 15, 20, 0)),
        ("Fri, 15 Mar 2024", utc(2024, 3, 15)),
        ("Fri Mar 15 18:30:00 2024", utc(2024, 3, 15, 18, 30)),
        ("Mon, 13 Feb, 2012 06:28:00 UTC", utc(2012, 2, 13, 6, 28)),
        ("Fri, 2006/09/15 08:19:53 EDT", utc(2006, 9, 15, 12, 19, 53)),
    ],
)
def test_parse_date_rfc822_and_variants(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ven, 15 mars 2024 18:30:00 +0100", utc(2024, 3, 15, 17, 30)),
        ("vendredi 15 mars 2024 à 18:30", utc(2024, 3, 15, 18, 30)),
        ("15 févr. 2024", utc(2024, 2, 15)),
        ("1 août 2023 10:00 CEST", utc(2023, 8, 1, 8, 0)),
        ("15 de marzo de 2024", utc(2024, 3, 15)),
        ("Vie, 15 Mar 2024 18:30:00 +0100", utc(2024, 3, 15, 17, 30)),
        ("15 diciembre 2023 12:00 GMT", utc(2023, 12, 15, 12, 0)),
        ("March 15, 2024 at 6:30 GMT", utc(2024, 3, 15, 6, 30)),
        ("mar. 16 avr. 2024 08:00:00 +0200", utc(2024, 4, 16, 6, 0)),  # "mar" = mardi, not March
        ("Mar, 16 Abr 2024 08:00:00 +0200", utc(2024, 4, 16, 6, 0)),  # martes
        ("Mar, 19 Mar 2024 08:00:00 +0100", utc(2024, 3, 19, 7, 0)),
    ],
)
def test_parse_date_french_spanish_and_page_styles(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "yesterday",
        "2013-xx-27",
        "2024-02-30",
        "2024-03-15T25:00:00Z",
        "2024-03-15T10:61:00Z",
        "2024-03-15T10:00:61Z",
        "2013-01-28T11:30:00-06:00Textra",
        "Sun, 16 Dec 2012 11:47:32 +zz:00",
        "Sun, 16 zzz 2012 11:47:32 GMT",
        "Sun, 99 Jun 2009 12:00:00 GMT",
        "Sun, 16 Dec 2012 1:2:3:4 GMT",
        "22013",
        "x" * 500,
    ],
)
def test_parse_date_refuses_to_guess(text: str) -> None:
    assert parse_date(text) is None


def test_parse_date_results_are_aware_utc() -> None:
    for text in ("2024-03-15", "Fri, 15 Mar 2024 18:30:00 +0100", "2024-03-15T10:20:30+05:30"):
        result = parse_date(text)
        assert result is not None
        assert result.tzinfo is UTC


# --- reconcile_dates -----------------------------------------------------------------------------

NOW = utc(2024, 3, 20, 12, 0)


def test_nothing_gives_none() -> None:
    assert reconcile_dates(None, None, None, NOW) == DateChoice(None, "")


def test_only_feed_or_only_page() -> None:
    feed = utc(2024, 3, 15, 9, 30)
    assert reconcile_dates(feed, None, None, NOW) == DateChoice(feed, "feed")
    page = utc(2024, 3, 15)
    assert reconcile_dates(None, page, None, NOW) == DateChoice(page, "page")


def test_only_url_date_gives_midnight_utc() -> None:
    assert reconcile_dates(None, None, date(2024, 3, 15), NOW) == DateChoice(utc(2024, 3, 15), "url")


def test_future_candidates_are_dropped() -> None:
    future = NOW + timedelta(days=1, minutes=1)
    assert reconcile_dates(future, None, None, NOW) == DateChoice(None, "")
    page = utc(2024, 3, 19)
    assert reconcile_dates(future, page, None, NOW) == DateChoice(page, "page")
    assert reconcile_dates(None, None, date(2024, 3, 23), NOW) == DateChoice(None, "")


def test_less_than_a_day_ahead_is_tolerated() -> None:
    soon = NOW + timedelta(hours=20)  # clock skew, time zones
    assert reconcile_dates(soon, None, None, NOW) == DateChoice(soon, "feed")
    assert reconcile_dates(None, None, date(2024, 3, 21), NOW) == DateChoice(utc(2024, 3, 21), "url")


def test_absurd_past_dates_are_dropped() -> None:
    assert reconcile_dates(utc(1970, 1, 1), None, None, NOW) == DateChoice(None, "")
    assert reconcile_dates(utc(1994, 12, 31, 23), utc(2024, 3, 1), None, NOW) == DateChoice(
        utc(2024, 3, 1), "page"
    )
    assert reconcile_dates(utc(1995, 1, 1), None, None, NOW) == DateChoice(utc(1995, 1, 1), "feed")


def test_url_agreeing_with_feed_prefers_the_feed_time_of_day() -> None:
    feed = utc(2024, 3, 15, 17, 30)
    page = utc(2024, 3, 15)  # day precision
    assert reconcile_dates(feed, page, date(2024, 3, 15), NOW) == DateChoice(feed, "feed")


def test_url_agreeing_with_page_that_has_a_time() -> None:
    page = utc(2024, 3, 15, 8, 45)
    feed = utc(2024, 3, 19, 23, 0)  # a fetch-time stamp
    assert reconcile_dates(feed, page, date(2024, 3, 15), NOW) == DateChoice(page, "page")


def test_url_agreement_tolerates_one_day_of_time_zone_shift() -> None:
    feed = utc(2024, 3, 14, 23, 30)  # 00:30 in Paris on the 15th
    assert reconcile_dates(feed, None, date(2024, 3, 15), NOW) == DateChoice(feed, "feed")


def test_url_agreeing_with_candidates_without_time_prefers_page() -> None:
    feed = utc(2024, 3, 15)
    page = utc(2024, 3, 15)
    assert reconcile_dates(feed, page, date(2024, 3, 15), NOW).source == "page"
    assert reconcile_dates(feed, None, date(2024, 3, 15), NOW) == DateChoice(feed, "feed")


def test_url_disagreeing_with_a_lone_feed_date_wins() -> None:
    feed = utc(2024, 3, 20, 11, 0)  # today: the feed stamped an old article with the fetch time
    assert reconcile_dates(feed, None, date(2019, 5, 2), NOW) == DateChoice(utc(2019, 5, 2), "url")


def test_feed_and_page_agreeing_outvote_the_url() -> None:
    feed = utc(2024, 3, 18, 10, 0)
    page = utc(2024, 3, 18)
    assert reconcile_dates(feed, page, date(2023, 1, 5), NOW) == DateChoice(feed, "feed")


def test_feed_and_page_disagreeing_without_url_trust_the_page() -> None:
    feed = utc(2024, 3, 20, 11, 58)
    page = utc(2024, 3, 2)
    assert reconcile_dates(feed, page, None, NOW) == DateChoice(page, "page")


def test_feed_and_page_disagreeing_with_url_deciding_for_the_feed() -> None:
    feed = utc(2024, 3, 15, 10, 0)
    page = utc(2024, 1, 2)  # e.g. a copyright or "updated" date picked up on the page
    assert reconcile_dates(feed, page, date(2024, 3, 15), NOW) == DateChoice(feed, "feed")


def test_feed_and_page_agreeing_without_url() -> None:
    feed = utc(2024, 3, 15, 17, 30)
    page = utc(2024, 3, 15)
    assert reconcile_dates(feed, page, None, NOW) == DateChoice(feed, "feed")
    page_with_time = utc(2024, 3, 15, 17, 0)
    assert reconcile_dates(utc(2024, 3, 15), page_with_time, None, NOW) == DateChoice(page_with_time, "page")


def test_naive_inputs_are_read_as_utc() -> None:
    choice = reconcile_dates(datetime(2024, 3, 15, 10, 0), None, None, datetime(2024, 3, 20, 12, 0))
    assert choice == DateChoice(utc(2024, 3, 15, 10, 0), "feed")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", "7 déc. 2026, 13\u00a0h\u00a045"),  # the hour never breaks across lines
        ("en", "7 Dec 2026, 13:45"),
        ("es", "7 dic. 2026, 13:45"),
    ],
)
def test_a_date_and_time_is_written_as_the_readers_language_writes_it(lang, expected):
    from mediawatch.i18n.dates import format_datetime

    assert format_datetime(datetime(2026, 12, 7, 13, 45, 59, tzinfo=UTC), lang) == expected
    # A moment elsewhere is said in UTC, the zone every page states; the first of the month in French.
    paris = timezone(timedelta(hours=1))
    assert (
        format_datetime(datetime(2026, 12, 1, 9, 5, tzinfo=paris), "fr") == "1er déc. 2026, 8\u00a0h\u00a005"
    )
