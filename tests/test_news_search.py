"""News-search feeds end to end: each item is credited to the publisher it names, not to the search.

A local server serves tests/data/feeds/news_search.xml (shaped like a Google News search feed) with its
links pointing back at it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from mediawatch.classify.grouping import list_stories
from mediawatch.cli import cli
from mediawatch.collect.pipeline import collect
from mediawatch.compose import compose_issue
from mediawatch.config import Settings
from mediawatch.store import open_store
from mediawatch.types import Classification, Publication, Region, Source, SourceKind, Theme

FEED = Path(__file__).parent / "data" / "feeds" / "news_search.xml"
FAST = Settings(allow_private_addresses=True, per_host_delay=0.0, extract_workers=1, penalty_delay=0.0)
SEARCH_NAME = "Google Actualités (FR) : 4 pour 1000"


def test_news_search_items_are_credited_to_the_publisher_they_name(tmp_path, hostile_server):
    body = FEED.read_bytes().replace(b"https://news.google.com", hostile_server.base_url.encode())
    hostile_server.add_static("/rss/search", body, content_type="application/rss+xml; charset=utf-8")
    # The aggregator's article links are left unanswered (404): what the feed says is all there is.
    search = Source(
        id="gnews-fr-4-pour-1000",
        name=SEARCH_NAME,
        url=hostile_server.url("/rss/search?q=%224+pour+1000%22&hl=fr"),
        kind=SourceKind.NEWS_SEARCH,
        language="fr",
    )
    with open_store(f"sqlite:///{tmp_path / 'db.sqlite3'}") as store:
        collect(store, [search], FAST)
        articles = {a.title: a for a in store.list_articles(include_duplicates=True)}
        assert {title: a.sitename for title, a in articles.items()} == {
            "Le carbone des sols progresse en Bretagne": "Ouest-France",
            "Le carbone des sols progresse en Bretagne, selon l'Inrae": "Le Télégramme",
            "L'initiative 4 pour 1000 au menu de la COP": "Le Monde",
            # no <source> element: the " - Publisher" title suffix of news-search feeds names it
            "Sols vivants : le pari des agriculteurs du Gers": "La Dépêche du Midi",
        }
        assert (
            articles["L'initiative 4 pour 1000 au menu de la COP"].summary == ""
        )  # it only echoed the title
        assert articles["Sols vivants : le pari des agriculteurs du Gers"].summary.startswith("Dans le Gers")

        # the two Breton articles tell one story: "also in" names the other publisher, not the search
        ouest, telegramme, monde, depeche = (
            articles[t].id
            for t in (
                "Le carbone des sols progresse en Bretagne",
                "Le carbone des sols progresse en Bretagne, selon l'Inrae",
                "L'initiative 4 pour 1000 au menu de la COP",
                "Sols vivants : le pari des agriculteurs du Gers",
            )
        )
        store.save_story_members([(ouest, 1, b""), (telegramme, 1, b""), (monde, 2, b""), (depeche, 3, b"")])
        story = next(s for s in list_stories(store) if s.id == 1)
        assert story.outlets == ("Ouest-France", "Le Télégramme")

        store.save_classifications(
            [
                Classification(
                    str(i), "fr", 0.99, True, 0.9, False, (), (Theme.SCIENCE,), (Region.EUROPE,), (), "test"
                )
                for i in (ouest, telegramme, monde, depeche)
            ]
        )
        result = compose_issue(
            store,
            FAST,
            Publication.PRESS_REVIEW,
            period_from=datetime(2026, 11, 28, tzinfo=UTC),
            period_to=datetime(2026, 12, 1, tzinfo=UTC),
            languages=["fr"],
        )
        items = store.issue_content(result.issue_id).items
        outlets = {i.outlet: i for i in items}
        assert SEARCH_NAME not in outlets
        assert {"Le Monde", "La Dépêche du Midi"} <= set(outlets)
        [breton] = [i for i in items if i.story_id == 1]
        others = {"Ouest-France", "Le Télégramme"} - {breton.outlet}
        assert [a.outlet for a in breton.also_in] == sorted(others)

    # `stories list`: one story (a plural-correct title), the other publisher under "also in", languages
    # in words
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["--config", str(tmp_path / "empty.toml"), "--db", str(tmp_path / "db.sqlite3"), "--lang", "fr"]
        + ["stories", "list"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "1 sujet" in result.output
    assert "1 sujets" not in result.output
    assert "Le Télégramme" in result.output
    assert SEARCH_NAME not in result.output
    assert "français" in result.output
