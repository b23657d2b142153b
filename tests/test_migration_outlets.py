"""Version 8 rewrites the outlet of the articles added by URL before ``watch.add.site_outlet`` existed: the
host with its port or "www." that extraction fell back to becomes the host a reader knows; a real name, a
feed's article and an issue's text stay as they were; a rewritten article is indexed again under its new
outlet. A database at version 7 with such rows, upgraded by opening it, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from mediawatch.store import migrations, open_store
from mediawatch.store import schema as t

AT = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
ARTICLES = {  # id: (source, url, stored outlet, outlet expected after version 8)
    1: ("added-by-url", "https://example.org:8443/a", "example.org:8443", "example.org"),
    2: ("added-by-url", "https://www.terre.example/b", "www.terre.example", "terre.example"),
    3: ("added-by-url", "https://www.news.example:8080/c", "www.news.example:8080", "news.example"),
    4: ("added-by-url", "https://example.net/d", "Le Journal des sols", "Le Journal des sols"),
    5: ("added-by-hand", "https://example.com:81/e", "example.com:81", "example.com:81"),  # typed by a person
    6: ("presse", "https://presse.example:8443/f", "presse.example:8443", "presse.example:8443"),  # a feed's
}


def _at_version_7(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        assert migrations.upgrade(engine.begin, target=7)[-1] == 7
        with engine.begin() as conn:
            for source in ("added-by-url", "added-by-hand", "presse"):
                conn.execute(
                    sa.insert(t.sources).values(
                        id=source, name=source, url=f"https://{source}", kind="rss", language="fr"
                    )
                )
            for article_id, (source, address, outlet, _after) in ARTICLES.items():
                conn.execute(
                    sa.insert(t.articles).values(
                        id=article_id, url=address, state="fetched", title=f"Sols {article_id}",
                        sitename=outlet, language="fr", discovered=AT,
                    )
                )  # fmt: skip
                conn.execute(
                    sa.insert(t.article_sources).values(
                        article_id=article_id, source_id=source, entry_url=address, discovered=AT
                    )
                )
                conn.execute(
                    sa.insert(t.search_marks).values(
                        article_id=article_id, language="fr", analyzer="old", indexed_at=AT
                    )
                )
    finally:
        engine.dispose()


def test_version_8_credits_the_added_articles_to_their_hosts(empty_db_url):
    _at_version_7(empty_db_url)
    with open_store(empty_db_url) as store:
        assert store.schema_version() == migrations.LATEST
        with store.engine.connect() as conn:
            outlets = dict(conn.execute(sa.select(t.articles.c.id, t.articles.c.sitename)).tuples().all())
            marked = set(conn.execute(sa.select(t.search_marks.c.article_id)).scalars())
    assert outlets == {article_id: after for article_id, (*_, after) in ARTICLES.items()}
    assert marked == {4, 5, 6}  # the rewritten ones are indexed again, under their new outlet


def test_the_outlet_rule_of_version_8_is_the_one_adding_follows():
    """Frozen in the migration, the rule says what ``site_outlet`` said when it was released."""
    from mediawatch.store.migrations.v0008_added_outlets import host_outlet
    from mediawatch.watch.add import site_outlet

    for _source, address, outlet, _after in ARTICLES.values():
        assert host_outlet(outlet, address) == site_outlet(outlet, address)
    assert host_outlet("", "https://www.example.org/") == site_outlet("", "https://www.example.org/")
