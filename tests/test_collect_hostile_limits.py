"""Found by attacking `mediawatch collect` (hostile round 2): over-long links, and hosts whose robots.txt
never answers.  Real local servers; both backends where the store is involved.
"""

from __future__ import annotations

import json
import secrets

import sqlalchemy as sa
from collect_hostile_helpers import (  # noqa: F401 (store_fixture: the `store` fixture)
    article,
    feed_source,
    health_of,
    rss,
    store_fixture,
)
from hostile_server import HostileServer, Response
from test_collect import FAST

from mediawatch.collect import decide
from mediawatch.collect.feeds import MAX_LINK_CHARS, parse_feed
from mediawatch.collect.pipeline import collect
from mediawatch.store import open_store
from mediawatch.types import ArticleState, FetchStatus, PartialReason

XML = {"Content-Type": "application/rss+xml"}


def _long_query(chars: int) -> str:
    # random text, so that PostgreSQL cannot compress the index entry below its limit
    return secrets.token_urlsafe(chars)[:chars]


# -- a link of thousands of characters stopped the whole run on PostgreSQL ------------------------------
def test_an_over_long_item_link_is_skipped_and_the_run_goes_on(db_url, hostile_server: HostileServer):
    long_link = hostile_server.url("/p?q=" + _long_query(MAX_LINK_CHARS + 4000))
    items = (
        f"<item><title>An item with a huge link about soil carbon</title><link>{long_link}</link></item>"
        f"<item><title>An honest item about soil carbon</title><link>{hostile_server.url('/a/0')}</link>"
        "</item>"
    )
    feed = f"<rss version='2.0'><channel><title>l</title>{items}</channel></rss>".encode()
    hostile_server.add_route("/long.xml", Response(200, feed, XML))
    hostile_server.add_static("/a/0", article(0), content_type="text/html")
    hostile_server.add_static("/a/1", article(1), content_type="text/html")
    hostile_server.add_static("/ok.xml", rss(hostile_server, ["/a/1"]), content_type="application/rss+xml")
    with open_store(db_url) as store:
        report = collect(
            store,
            [
                feed_source("long", hostile_server.url("/long.xml")),
                feed_source("ok", hostile_server.url("/ok.xml")),
            ],
            FAST,
        )
        health = health_of(store)
        urls = sorted(a.url for a in store.list_articles(include_duplicates=True))
    assert report.failed == 0
    assert urls == [hostile_server.url("/a/0"), hostile_server.url("/a/1")]
    assert health["long"].last_status is FetchStatus.OK
    assert f"1 entry with a link over {MAX_LINK_CHARS} characters skipped" in health["long"].events[0].detail
    assert hostile_server.requests_for("/p") == []


def test_a_page_reached_under_an_over_long_url_is_stored_on_both_backends(db_url, hostile_server):
    # The redirect's target is within the header limits of the HTTP client but over the index entry
    # limit of PostgreSQL once it becomes an alias of the article.
    target = "/a/0?q=" + _long_query(4500)
    hostile_server.add_route("/a/0", Response(200, article(0), {"Content-Type": "text/html"}))
    hostile_server.add_route("/go", Response(302, b"", {"Location": target}))
    hostile_server.add_static("/go.xml", rss(hostile_server, ["/go"]), content_type="application/rss+xml")
    with open_store(db_url) as store:
        report = collect(store, [feed_source("go", hostile_server.url("/go.xml"))], FAST)
        [stored] = store.list_articles(include_duplicates=True)
        again = collect(store, [feed_source("go", hostile_server.url("/go.xml"))], FAST, force=True)
        assert len(store.list_articles(include_duplicates=True)) == 1
        keys = store.aliases_of(stored.id)
    assert report.pages_fetched == 1
    assert again.new_articles == 0
    assert stored.state is ArticleState.FETCHED
    assert all(len(key) <= 1000 for key in keys)


# -- a host whose robots.txt never answers kept its pages pending for ever, with no reason shown -------
def test_pages_of_a_host_whose_robots_txt_stays_unavailable_end_with_the_feed_summary(store, hostile_server):
    # 503 here; a robots.txt that drips forever, a dead host or a name that no longer resolves are the
    # same "unavailable" (the fetcher's timeout, connection and DNS errors), only slower to stage.
    hostile_server.add_route("/robots.txt", Response(503, b"down", {"Content-Type": "text/plain"}))
    hostile_server.add_static("/r/0", article(0), content_type="text/html")
    hostile_server.add_static("/r.xml", rss(hostile_server, ["/r/0"]), content_type="application/rss+xml")
    source = feed_source("r", hostile_server.url("/r.xml"))
    for run in range(1, decide.MAX_PAGE_ATTEMPTS):
        report = collect(store, [source], FAST, force=True)
        assert report.pages_deferred == 1
        [waiting] = store.pending_articles()
        assert waiting.attempts == run  # each run counts, so the wait has an end
    report = collect(store, [source], FAST, force=True)
    assert not store.pending_articles()
    [stored] = store.list_articles()
    assert stored.state is ArticleState.PARTIAL
    assert stored.partial_reason is PartialReason.FETCH_FAILED
    with store.engine.connect() as conn:
        detail = conn.execute(sa.text("SELECT partial_detail FROM articles")).scalar_one()
    assert "robots.txt unavailable" in detail
    assert "HTTP 503" in detail
    assert stored.title == "Item 0 of the feed feed about soil carbon"  # the feed's facts are kept
    assert hostile_server.requests_for("/r/0") == []  # the page itself was never asked for


# -- what a feed's text may carry into the store ---------------------------------------------------------
_SPOOFING = ("\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u202a", "\u202b", "\u202c")


def _clean(text: str) -> bool:
    return not any(c in text for c in _SPOOFING) and not any(
        ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text
    )


def test_a_json_feed_author_is_bounded_and_no_feed_text_keeps_control_or_direction_characters():
    # One feed-level author of a megabyte was copied into every item: 1 MB stored per article.
    evil = "Evil \u202eRTL\u202c \x1b[31m\x07 "
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "j",
        "authors": [{"name": evil + "A" * 1_000_000}],
        "items": [
            {"id": str(i), "url": f"https://example.org/{i}", "title": f"Item {i} {evil}soil carbon",
             "summary": f"{evil} summary"}
            for i in range(3)
        ],
    }  # fmt: skip
    parsed = parse_feed(json.dumps(feed).encode(), "https://example.org/feed.json", "application/feed+json")
    assert len(parsed.entries) == 3
    for entry in parsed.entries:
        assert len(entry.author) <= 200
        assert entry.author.startswith("Evil RTL [31m")
        assert entry.title == "Item 0 Evil RTL [31m soil carbon".replace("0", entry.guid)
        assert all(_clean(text) for text in (entry.title, entry.author, entry.summary))
    rss_body = (
        b"<rss version='2.0'><channel><title>r</title><item><title>Soil carbon &#x202e;gnp.exe&#x202c; "
        b"&#x2067;x&#x2069;</title><link>https://example.org/r</link><author>A &#x202e;B</author>"
        b"<description>&#x202b;right to left</description></item></channel></rss>"
    )
    [entry] = parse_feed(rss_body, "https://example.org/feed.xml", "application/rss+xml").entries
    assert entry.title == "Soil carbon gnp.exe x"
    assert all(_clean(text) for text in (entry.title, entry.author, entry.summary))
