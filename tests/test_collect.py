"""The collector end to end, against real local servers: the demo sites and hostile routes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from hostile_server import HostileServer, Response

from mediawatch.collect.pipeline import Collector, collect
from mediawatch.config import Settings
from mediawatch.demo.server import DemoServer, demo_sources
from mediawatch.sources.registry import source_from_table
from mediawatch.store import open_store
from mediawatch.types import ArticleState, FetchStatus, HealthNote, PartialReason, Source, SourceKind

# Quick (no pacing, one worker) but patient: on a loaded machine a local page can take seconds, and a
# short fetch timeout would turn that into a failed or pending page. A test that wants a timeout uses a
# server that never finishes and DRIP_DEADLINE.
FAST = Settings(
    allow_private_addresses=True,
    per_host_delay=0.0,
    extract_workers=1,
    penalty_delay=0.0,
    connect_timeout=60,
    read_timeout=60,
    total_timeout=120,
)
# For runs with /slow-drip (10 000 bytes, one every 0.5 s: 5 000 s): it cannot finish within 15 s, while
# every other fetch of the run (a few kB from 127.0.0.1) still has 15 s.
DRIP_DEADLINE = 15.0


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    yield s
    s.close()


@pytest.fixture(scope="module")
def demo():
    with DemoServer() as server:
        yield server


def demo_registry(base_url: str) -> list[Source]:
    return [source_from_table(t, "demo.toml") for t in demo_sources(base_url)]


def feed_source(source_id: str, url: str, kind: SourceKind = SourceKind.RSS) -> Source:
    return Source(id=source_id, name=source_id, url=url, kind=kind, language="en")


def by_slug(store, slug):
    matches = [a for a in store.list_articles(include_duplicates=True) if slug in a.url]
    assert len(matches) == 1, (slug, [a.url for a in matches])
    return matches[0]


# -- the demo sites: a realistic run --------------------------------------------------------------------
@pytest.fixture
def demo_run(store, demo):
    sources = demo_registry(demo.base_url)
    report = collect(store, sources, FAST)
    return store, report, sources


def test_demo_run_collects_every_good_source_and_records_bad_ones(demo_run):
    store, report, sources = demo_run
    health = {h.source_id: h for h in store.source_health(datetime.now(UTC), 14)}
    assert report.failed == 2
    bad = {s: h.last_status for s, h in health.items() if h.consecutive_failures}
    assert sorted(bad.values()) == sorted([FetchStatus.PARSE_ERROR, FetchStatus.NOT_A_FEED])
    good = [h for h in health.values() if not h.consecutive_failures]
    assert len(good) == len(sources) - 2
    assert all(h.last_status is FetchStatus.OK for h in good)
    assert not store.pending_articles()
    assert report.new_articles >= 20


def test_same_article_through_two_feeds_is_stored_once_listing_both(demo_run):
    store, _, _ = demo_run
    for slug in (
        "4-pour-1000-bilan-initiative",
        "soil-carbon-mrv-costs",
        "colombia-cafe-sombra-carbono-suelo",
    ):
        article = by_slug(store, slug)
        assert "demo-news-search-4p1000" in article.source_ids, slug
        assert len(article.source_ids) == 2, slug
        assert "utm_" not in article.url
        assert "/redirect" not in article.url


def test_partial_articles_keep_summary_and_say_why(demo_run):
    store, _, _ = demo_run
    expected = {
        "credits-carbone-agricoles-enquete": PartialReason.PAYWALL,
        "punjab-cover-crops-nitrogen": PartialReason.FETCH_FAILED,
        "rapport-activite-carbone-sols.pdf": PartialReason.NOT_HTML,
        "/private/": PartialReason.ROBOTS,
    }
    for slug, reason in expected.items():
        article = by_slug(store, slug)
        assert article.state is ArticleState.PARTIAL, slug
        assert article.partial_reason is reason, slug
        assert article.summary or article.title, slug


def test_full_articles_have_text_metadata_and_utc_dates(demo_run):
    store, _, _ = demo_run
    article = by_slug(store, "madagascar-agroforesterie-rizieres")
    assert article.state is ArticleState.FETCHED
    assert len(article.text) > 500
    assert article.author
    assert article.language == "fr"
    assert article.published is not None
    assert article.published.tzinfo is not None
    assert article.published <= datetime.now(UTC) + timedelta(days=1)


def test_page_date_wins_over_a_feed_date_that_disagrees(demo_run):
    store, _, _ = demo_run
    article = by_slug(store, "mexico-cultivos-cobertura-bajio")
    assert article.date_source == "page"
    assert datetime.now(UTC) - article.published > timedelta(days=8)


def test_immediate_second_run_costs_one_request_per_feed_and_stores_nothing(demo_run):
    store, _, sources = demo_run
    before = store.count_articles()
    report = collect(store, sources, FAST)
    assert report.new_articles == 0
    assert report.not_modified == len(sources) - 2
    assert report.pages_fetched == 0
    assert store.count_articles() == before


def test_rich_summary_line_is_one_structured_line(demo_run):
    _, report, _ = demo_run
    line = report.summary_line()
    assert "\n" not in line
    assert "new_articles=" in line
    assert "failed=2" in line


# -- hostile sources: each gets its status, the others are still collected ------------------------------
HOSTILE = {
    "slow-drip": ("/slow-drip", FetchStatus.TIMEOUT),
    "huge": ("/huge-stream", FetchStatus.TOO_LARGE),
    "gzip-bomb": ("/gzip-bomb", FetchStatus.TOO_LARGE),
    "redirect-loop": ("/redirect-loop", FetchStatus.REDIRECT_LOOP),
    "not-a-feed": ("/not-a-feed", FetchStatus.NOT_A_FEED),
    "billion-laughs": ("/billion-laughs", FetchStatus.PARSE_ERROR),
    "error-500": ("/error-500", FetchStatus.HTTP_5XX),
    "unavailable": ("/unavailable", FetchStatus.RATE_LIMITED),
    "rate-limited": ("/rate-limited", FetchStatus.RATE_LIMITED),
    "not-found": ("/not-found", FetchStatus.HTTP_4XX),
    "cloudflare": ("/cloudflare-challenge", FetchStatus.BLOCKED_BY_BOT_PROTECTION),
    "reset": ("/reset", FetchStatus.CONNECTION),
}


# A Retry-After holds for its whole host (issue 12): these two get a host of their own, so the pause
# they ask for does not turn the other hostile routes' answers into deferrals.
ON_THEIR_OWN_HOST = {"unavailable", "rate-limited"}


def test_hostile_sources_get_their_status_and_the_run_goes_on(store, hostile_server, demo):
    settings = FAST.with_overrides(max_feed_bytes=1024 * 1024, total_timeout=DRIP_DEADLINE)
    other = HostileServer(host="127.0.0.3").start()
    try:
        sources = [
            feed_source(name, (other if name in ON_THEIR_OWN_HOST else hostile_server).url(path))
            for name, (path, _) in HOSTILE.items()
        ]
        _run_hostile(store, sources, settings, demo, hostile_server)
    finally:
        other.stop()


def _run_hostile(store, sources, settings, demo, hostile_server):
    sources += [feed_source("charset-lie", hostile_server.url("/charset-lie-utf8"))]
    sources += demo_registry(demo.base_url)[:1]
    report = collect(store, sources, settings)
    health = {h.source_id: h for h in store.source_health(datetime.now(UTC), 14)}
    for name, (_, status) in HOSTILE.items():
        assert health[name].last_status is status, (
            name,
            health[name].last_status,
            health[name].events[0].detail,
        )
        assert health[name].events[0].detail, name  # a readable reason is recorded
        assert health[name].consecutive_failures == 1
    assert health["charset-lie"].last_status is FetchStatus.OK
    good = demo_registry(demo.base_url)[0].id
    assert health[good].last_status is FetchStatus.OK
    assert report.new_articles > 0


def test_retry_after_is_honoured_and_sets_next_due(store, hostile_server):
    source = feed_source("rl", hostile_server.url("/unavailable"))
    collect(store, [source], FAST)
    [health] = store.source_health(datetime.now(UTC), 14)
    assert health.next_due is not None
    # the later of Retry-After (120 s) and the first back-off step (1 h)
    assert health.next_due - datetime.now(UTC) > timedelta(minutes=59)
    # Not due yet: the next run skips it without a request.
    hits = len(hostile_server.requests_for("/unavailable"))
    report = collect(store, [source], FAST)
    assert report.skipped == 1
    assert len(hostile_server.requests_for("/unavailable")) == hits
    # --force polls it anyway.
    collect(store, [source], FAST, force=True)
    assert len(hostile_server.requests_for("/unavailable")) == hits + 1


def test_private_addresses_are_refused_in_production_mode(store, hostile_server):
    source = feed_source("local", hostile_server.url("/feed.xml"))
    collect(store, [source], FAST.with_overrides(allow_private_addresses=False))
    [health] = store.source_health(datetime.now(UTC), 14)
    assert health.last_status is FetchStatus.PRIVATE_ADDRESS
    assert hostile_server.requests_for("/feed.xml") == []


def test_feed_items_pointing_at_internal_addresses_are_refused(store, hostile_server):
    inner = HostileServer(host="127.0.0.2")
    with inner:
        inner.add_static(
            "/secret.html", b"<html><body><p>internal admin page</p></body></html>", content_type="text/html"
        )
        items = "".join(
            f"<item><title>Internal link number {i} to an address we must not reach</title>"
            f"<link>{url}</link></item>"
            for i, url in enumerate([inner.url("/secret.html"), "http://169.254.169.254/latest/meta-data/"])
        )
        hostile_server.add_route(
            "/internal.xml",
            Response(
                200,
                f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>".encode(),
                {"Content-Type": "application/rss+xml"},
            ),
        )
        source = feed_source("internal", hostile_server.url("/internal.xml"))
        # Reach 127.0.0.1 (the feed) and nothing else: what production does for every private range.
        only_test_server = lambda ip: ip == "127.0.0.1"  # noqa: E731
        with store.run_lock("collect"):
            asyncio.run(Collector(store, FAST, address_policy=only_test_server).run([source]))
        assert inner.requests == []
    articles = store.list_articles()
    assert len(articles) == 2
    assert {a.partial_reason for a in articles} == {PartialReason.PRIVATE_ADDRESS}


def test_lying_validators_are_caught_within_three_polls(store, hostile_server):
    def feed(n: int) -> bytes:
        items = "".join(
            f"<item><title>Soil carbon story number {i} for the lying server test</title>"
            f"<link>{hostile_server.url(f'/p{i}')}</link></item>"
            for i in range(n)
        )
        return f"<rss version='2.0'><channel><title>liar</title>{items}</channel></rss>".encode()

    hostile_server.lying.body = feed(1)
    settings = FAST.with_overrides(fetch_pages=False)
    source = feed_source("liar", hostile_server.url("/lying-etag"))
    collect(store, [source], settings)
    hostile_server.lying.body = feed(2)  # new item, same ETag: the server will answer 304
    polls = 0
    while polls < 3 and len(store.list_articles()) < 2:
        collect(store, [source], settings)
        polls += 1
    assert len(store.list_articles()) == 2
    assert polls <= 3
    [health] = store.source_health(datetime.now(UTC), 14)
    assert not health.validators_trusted
    assert HealthNote.VALIDATORS_UNRELIABLE in health.notes
    # From now on every poll is unconditional, so the next change is seen at once.
    hostile_server.lying.body = feed(3)
    collect(store, [source], settings)
    assert len(store.list_articles()) == 3


def test_honest_validators_give_not_modified_without_parsing(store, hostile_server):
    hostile_server.honest.body = (
        b"<rss version='2.0'><channel><title>h</title><item><title>An honest feed item about soils</title>"
        b"<link>http://127.0.0.1:1/x</link></item></channel></rss>"
    )
    source = feed_source("honest", hostile_server.url("/etag"))
    settings = FAST.with_overrides(fetch_pages=False)
    collect(store, [source], settings)
    report = collect(store, [source], settings)
    assert report.not_modified == 1
    last = hostile_server.requests_for("/etag")[-1]
    assert any(k.lower() == "if-none-match" for k in last.headers)


def test_robots_txt_is_fetched_once_per_host_and_obeyed(store, hostile_server):
    hostile_server.add_static(
        "/robots.txt", b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    page = b"<html lang='en'><body><article>" + b"<p>Soil organic carbon rises under cover crops.</p>" * 20
    for i in range(4):
        hostile_server.add_static(f"/news/{i}", page + b"</article></body></html>", content_type="text/html")
    hostile_server.add_static("/private/memo", page, content_type="text/html")
    links = [f"/news/{i}" for i in range(4)] + ["/private/memo"]
    items = "".join(
        f"<item><title>Robots test item {p} about soil carbon</title>"
        f"<link>{hostile_server.url(p)}</link></item>"
        for p in links
    )
    hostile_server.add_static(
        "/r.xml",
        f"<rss version='2.0'><channel><title>r</title>{items}</channel></rss>".encode(),
        content_type="application/rss+xml",
    )
    collect(store, [feed_source("robots", hostile_server.url("/r.xml"))], FAST)
    assert len(hostile_server.requests_for("/robots.txt")) == 1
    assert hostile_server.requests_for("/private/memo") == []
    assert by_slug(store, "/private/memo").partial_reason is PartialReason.ROBOTS
    assert sum(a.state is ArticleState.FETCHED for a in store.list_articles()) == 4
    agents = {
        dict((k.lower(), v) for k, v in r.headers.items()).get("user-agent") for r in hostile_server.requests
    }
    assert agents == {FAST.user_agent}


def test_html_source_discovers_article_links(store, demo):
    source = feed_source("outlet-home", f"{demo.base_url}/articles/terres-vivantes/", SourceKind.HTML)
    collect(store, [source], FAST.with_overrides(fetch_pages=False))
    titles = [a.title for a in store.list_articles()]
    assert len(titles) >= 3
    assert all(len(t) >= 25 for t in titles)


def test_malformed_host_names_in_the_registry_and_in_feed_items_are_recorded_refusals(store, hostile_server):
    """A host name with an empty or over-long label made the resolver raise UnicodeError out of the run."""
    long_label = "a" * 70
    items = "".join(
        f"<item><title>An article whose link names a malformed host, {i}</title><link>{url}</link></item>"
        for i, url in enumerate(["https://www..lemonde.fr/planete/a.html", f"https://{long_label}.org/b"])
    )
    hostile_server.add_route(
        "/malformed.xml",
        Response(
            200,
            f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>".encode(),
            {"Content-Type": "application/rss+xml"},
        ),
    )
    sources = [
        feed_source("items", hostile_server.url("/malformed.xml")),
        feed_source("double-dot", "https://www..elpais.com/rss.xml"),
    ]
    collect(store, sources, FAST)
    health = {h.source_id: h for h in store.source_health(datetime.now(UTC), 14)}
    assert health["double-dot"].last_status is FetchStatus.CONNECTION
    assert "empty label" in " ".join(e.detail for e in health["double-dot"].events)
    assert health["items"].last_status is FetchStatus.OK
    articles = store.list_articles()
    assert len(articles) == 2  # kept with the feed's facts, never fetched, marked why
    assert {a.partial_reason for a in articles} == {PartialReason.FETCH_FAILED}
