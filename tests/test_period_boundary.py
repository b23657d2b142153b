"""Periods are half-open, [from, to): an article dated exactly at a boundary belongs to the later period.

The QA case: an item added by hand dated 2026-12-01 (stored at 00:00 UTC) went into the November
newsletter (2026-11-01 -> 2026-12-01). Consecutive nightly periods share their boundary, so an article on it
must be in exactly one of them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from test_collect import FAST

from mediawatch.classify.pipeline import load_classifier
from mediawatch.compose import compose_issue
from mediawatch.config import Settings
from mediawatch.nightly.cadence import due_period, parse_cadence
from mediawatch.store import open_store
from mediawatch.types import Publication, Role, in_period
from mediawatch.watch.add import ManualItem, add_manual

NOV_1 = datetime(2026, 11, 1, tzinfo=UTC)
DEC_1 = datetime(2026, 12, 1, tzinfo=UTC)
JAN_1 = datetime(2027, 1, 1, tzinfo=UTC)


def test_a_period_includes_its_start_and_excludes_its_end():
    assert in_period(NOV_1, NOV_1, DEC_1)
    assert in_period(DEC_1 - timedelta(microseconds=1), NOV_1, DEC_1)
    assert not in_period(DEC_1, NOV_1, DEC_1)
    assert in_period(DEC_1, DEC_1, JAN_1)


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    s.add_user("ana", Role.EDITOR, "not-a-hash", "fr")
    yield s
    s.close()


def _add(store, title: str, summary: str, day: str) -> int:
    item = ManualItem(title=title, outlet="France Inter", date=day, language="fr", summary=summary)
    result = add_manual(
        store,
        FAST,
        item,
        added_by="ana",
        classifier=load_classifier(FAST),
        now=lambda: JAN_1 + timedelta(days=1),
    )
    assert result.article_id is not None
    return result.article_id


def _articles(store, issue_id: int) -> set[int]:
    return {i.article_id for i in store.issue_content(issue_id).items}


def test_an_article_on_the_boundary_goes_into_the_later_of_two_consecutive_nightly_periods(store):
    on_start = _add(
        store,
        "Carbone des sols : les agriculteurs bretons mesurent leurs parcelles",
        "Un reportage sur la mesure du carbone dans les sols agricoles en Bretagne.",
        "2026-11-01",
    )
    on_boundary = _add(
        store,
        "Agroforesterie : une filière du cacao replante des arbres pour stocker du carbone",
        "Au Ghana, des planteurs de cacao associent arbres et cultures pour enrichir les sols.",
        "2026-12-01",
    )
    # The two monthly periods the nightly run composes one after the other (monthly:1).
    cadence = parse_cadence("monthly:1")
    november = due_period(cadence, DEC_1 + timedelta(hours=2))
    december = due_period(cadence, JAN_1 + timedelta(hours=2))
    assert november is not None
    assert december is not None
    assert (november.start, november.end, december.start, december.end) == (NOV_1, DEC_1, DEC_1, JAN_1)

    settings = Settings()
    first = compose_issue(
        store,
        settings,
        Publication.NEWSLETTER,
        period_from=november.start,
        period_to=november.end,
        languages=["fr"],
        now=DEC_1,
    )
    assert first.slug == "newsletter-2026-11-30"  # named by the last day it covers, not its excluded end
    assert _articles(store, first.issue_id) == {on_start}  # the 1 December item is not November's
    second = compose_issue(
        store,
        settings,
        Publication.NEWSLETTER,
        period_from=december.start,
        period_to=december.end,
        languages=["fr"],
        now=JAN_1,
    )
    assert _articles(store, second.issue_id) == {on_boundary}  # and is not lost either
