"""A page's dateline: the day written beside its article when the metadata gives none."""

from __future__ import annotations

from datetime import UTC, datetime

import trafilatura

from mediawatch.collect.dateline import dateline as read_dateline
from mediawatch.collect.extract import extract_page

BODY = (
    "Les agriculteurs de la Beauce ont semé des couverts végétaux sur près de la moitié de leurs parcelles "
    "cet hiver, un record selon la chambre d'agriculture. "
) * 4
NOW = datetime(2026, 12, 7, tzinfo=UTC)


def dateline(html: str, text: str, language: str, now: datetime) -> datetime | None:
    return read_dateline(trafilatura.load_html(html), text, language, now)


def _page(lang: str, before: str, body: str = BODY, sidebar: str = "") -> str:
    return (
        f"<html lang='{lang}'><head><title>Un titre</title></head><body>"
        f"<nav>Accueil Rubriques {sidebar}</nav><article><h1>Des couverts partout</h1>"
        f"<p class='byline'>{before}</p><p>{body}</p><p>{body}</p></article>"
        "<script>var d = '2001-01-01';</script></body></html>"
    )


def test_a_byline_date_above_the_article_is_its_day_in_each_language() -> None:
    for lang, byline, day in (
        ("fr", "Par Anne Martin, publié le 23 mai 2019 à 10 h 12", datetime(2019, 5, 23, tzinfo=UTC)),
        ("fr", "Publié le 1er août 2021", datetime(2021, 8, 1, tzinfo=UTC)),
        ("es", "Publicado el 28 de abril de 2022", datetime(2022, 4, 28, tzinfo=UTC)),
        ("es", "Jueves, 28/04/2022", datetime(2022, 4, 28, tzinfo=UTC)),
        ("en", "By Ann Martin | January 22, 2014", datetime(2014, 1, 22, tzinfo=UTC)),
        ("en", "Posted 13/07/2024", datetime(2024, 7, 13, tzinfo=UTC)),
    ):
        assert dateline(_page(lang, byline), BODY, lang, NOW) == day, byline
        # the whole extraction falls back to it: the page states no date in its metadata
        assert extract_page(_page(lang, byline), "", "text/html").date == day, byline


def test_the_date_closest_to_the_article_wins_and_far_or_ambiguous_ones_are_not_read() -> None:
    page = _page("en", "Updated from March 3, 2015 - posted June 4, 2016")
    assert dateline(page, BODY, "en", NOW) == datetime(2016, 6, 4, tzinfo=UTC)
    # a sidebar's date far above the article, or the script's, is no dateline
    far = _page("fr", "Par Anne Martin", sidebar="Archives du 3 mars 2015 " + "rubrique " * 120)
    assert dateline(far, BODY, "fr", NOW) is None
    # 7/9/2024 is 9 July in London and July 7 in New York
    assert dateline(_page("en", "Posted 7/9/2024"), BODY, "en", NOW) is None
    # a date after tomorrow, or before the web press, is not a publication day
    assert dateline(_page("fr", "Publié le 3 mars 2031"), BODY, "fr", NOW) is None
    assert dateline(_page("fr", "Publié le 3 mars 1988"), BODY, "fr", NOW) is None
    # the article's own opening may carry it
    opening = "January 22, 2014 — " + BODY
    assert dateline(_page("en", "", body=opening), opening, "en", NOW) == datetime(2014, 1, 22, tzinfo=UTC)
    # no text, or a text that is not on the page: nothing to stand beside
    assert dateline(_page("fr", "Publié le 23 mai 2019"), "", "fr", NOW) is None
    assert dateline(_page("fr", "Publié le 23 mai 2019"), "Autre chose " * 10, "fr", NOW) is None
