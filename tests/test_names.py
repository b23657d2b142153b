"""How an issue and a publication are named, once for every stage: the period's days in the reader's
language, a publication's name alone and in a sentence, an issue's title (an editor's own wins)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mediawatch.i18n.dates import format_half_open


def d(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "lang", "expected"),
    [
        # a week stored as [1 Dec, 8 Dec): the 8th is the next period's first day
        (d(2026, 12, 1), d(2026, 12, 8), "fr", "du 1er au 7 déc. 2026"),
        (d(2026, 12, 1), d(2026, 12, 8), "en", "1–7 Dec 2026"),
        (d(2026, 12, 1), d(2026, 12, 8), "es", "del 1 al 7 de dic. de 2026"),
        # a month ends on its last day, not on the next month's first
        (d(2026, 11, 1), d(2026, 12, 1), "fr", "du 1er au 30 nov. 2026"),
        # an end that is not midnight: that day is partly in the period
        (d(2026, 11, 30, 7), d(2026, 12, 7, 7, 19), "en", "30 Nov – 7 Dec 2026"),
        (d(2026, 12, 28), d(2027, 1, 4), "es", "del 28 de dic. de 2026 al 3 de ene. de 2027"),
    ],
)
def test_a_half_open_period_reads_by_the_days_it_covers(start, end, lang, expected):
    assert format_half_open(start, end, lang) == expected
