"""The demo website and its server: feeds parse, links resolve, the special cases are where they should be."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import urllib.robotparser
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime

import feedparser
import pytest

from mediawatch.demo.server import SITE_DIR, SOURCE_KEYS, DemoServer, demo_sources, render_template
from mediawatch.types import OutletType, Region, Source, SourceKind

TODAY = date(2026, 3, 12)  # pinned anchor day of the relative dates

GOOD_FEEDS = {
    "terres-vivantes.xml": 6,
    "soil-matters.atom": 6,
    "suelo-vivo.xml": 6,
    "news-search-4p1000.xml": 6,
    "agro-institut.xml": 5,
}
MISSING_PAGE = "/articles/soil-matters/punjab-cover-crops-nitrogen"
PRIVATE_PAGE = "/private/agro-institut/note-interne-campagnes-echantillonnage.html"
PDF_PAGE = "/articles/agro-institut/rapport-activite-carbone-sols.pdf"
PAYWALL_PAGE = "/articles/terres-vivantes/credits-carbone-agricoles-enquete.html"
SHORT_PAGE = "/articles/soil-matters/webinar-soil-carbon-cap"
DATE_MISMATCH_PAGE = "/articles/suelo-vivo/mexico-cultivos-cobertura-bajio.html"
OFF_TOPIC = {
    "/articles/soil-matters/carbon-fibre-bicycles-worth-it.html": "soil",
    "/articles/suelo-vivo/bolsa-precio-carbono-electricas.html": "suelo",
    "/articles/metro-gazette/smartphone-batteries-failure-survey.html": "soil",
    "/articles/terres-vivantes/carrelage-sol-cuisine.html": "carbone",
}
TEXT_SUFFIXES = {".xml", ".atom", ".html", ".txt"}

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_NO_REDIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def fetch(
    url: str, headers: dict[str, str] | None = None, method: str = "GET", follow: bool = True
) -> tuple[int, Message, bytes, str]:
    """(status, headers, body, final url) without raising on HTTP errors."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    opener = _OPENER if follow else _NO_REDIRECT
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read(), response.url
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read(), url


def raw_get(server: DemoServer, path: str) -> tuple[int, bytes]:
    """A request line sent as is (urllib would normalise some of these paths)."""
    host, port = urllib.parse.urlsplit(server.base_url).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(today=TODAY) as srv:
        yield srv


@pytest.fixture(scope="module")
def feeds(server: DemoServer) -> dict[str, feedparser.FeedParserDict]:
    parsed = {}
    for name in [*GOOD_FEEDS, "broken.xml", "not-a-feed.html"]:
        status, _, body, _ = fetch(f"{server.base_url}/feeds/{name}")
        assert status == 200, name
        parsed[name] = feedparser.parse(body)
    return parsed


def site_files(*suffixes: str) -> list[str]:
    return sorted(
        "/" + p.relative_to(SITE_DIR).as_posix()
        for p in SITE_DIR.rglob("*")
        if p.is_file() and (not suffixes or p.suffix in suffixes)
    )


def article_pages() -> list[str]:
    return [p for p in site_files(".html") if p.startswith(("/articles/", "/private/")) and "index" not in p]


def canonical(url: str) -> str:
    """Just enough URL normalisation to recognise the news-search duplicates."""
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if not k.startswith("utm_")]
    path = parts.path.rstrip("/").removesuffix(".html")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, urllib.parse.urlencode(query), ""))


def article_words(html: str) -> int:
    article = re.search(r"<article>(.*)</article>", html, re.S)
    assert article, "no <article> element"
    paragraphs = re.findall(r"<p>(.*?)</p>", article.group(1), re.S)
    return sum(len(re.sub(r"<[^>]+>", " ", p).split()) for p in paragraphs)


# -- server -----------------------------------------------------------------------------------------


def test_import_has_no_side_effects() -> None:
    code = (
        "import threading, mediawatch.demo, mediawatch.demo.server as s\n"
        "assert threading.active_count() == 1\n"
        "assert s.SITE_DIR.is_dir()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_lifecycle() -> None:
    srv = DemoServer(today=TODAY)
    with pytest.raises(RuntimeError):
        _ = srv.base_url
    with srv as started:
        assert started is srv
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", srv.base_url)
        assert srv.start() is srv  # idempotent
        assert fetch(srv.base_url + "/")[0] == 200
        url = srv.base_url
    srv.stop()  # idempotent
    with pytest.raises(urllib.error.URLError):
        _OPENER.open(url + "/", timeout=2)


def test_content_types(server: DemoServer) -> None:
    expected = {
        "/feeds/terres-vivantes.xml": "application/rss+xml",
        "/feeds/soil-matters.atom": "application/atom+xml",
        "/feeds/broken.xml": "application/rss+xml",
        "/feeds/not-a-feed.html": "text/html",
        "/robots.txt": "text/plain",
        "/sitemap.xml": "application/xml",
        PDF_PAGE: "application/pdf",
        "/articles/terres-vivantes/4-pour-1000-bilan-initiative.html": "text/html",
    }
    for path, content_type in expected.items():
        status, headers, _, _ = fetch(server.base_url + path)
        assert status == 200, path
        assert headers.get_content_type() == content_type, path


def test_etag_and_last_modified_give_304(server: DemoServer) -> None:
    url = server.base_url + "/feeds/suelo-vivo.xml"
    status, headers, body, _ = fetch(url)
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200
    assert body
    assert etag.startswith('"')
    assert last_modified
    # the relative dates make the content depend on the anchor day: Last-Modified never predates it
    assert parsedate_to_datetime(last_modified) >= datetime.combine(TODAY, datetime.min.time(), UTC)

    status, headers, body, _ = fetch(url, {"If-None-Match": etag})
    assert (status, body, headers["ETag"]) == (304, b"", etag)
    assert fetch(url, {"If-None-Match": f'"other", W/{etag}'})[0] == 304
    assert fetch(url, {"If-None-Match": '"something-else"'})[0] == 200
    assert fetch(url, {"If-Modified-Since": last_modified})[0] == 304
    earlier = format_datetime(parsedate_to_datetime(last_modified) - timedelta(days=1), usegmt=True)
    assert fetch(url, {"If-Modified-Since": earlier})[0] == 200
    assert fetch(url, {"If-Modified-Since": "not a date"})[0] == 200
    # If-None-Match wins over If-Modified-Since
    assert fetch(url, {"If-None-Match": '"stale"', "If-Modified-Since": last_modified})[0] == 200
    # unchanged content, same validators
    assert fetch(url)[1]["ETag"] == etag


def test_head_has_headers_and_no_body(server: DemoServer) -> None:
    status, headers, body, _ = fetch(server.base_url + "/feeds/terres-vivantes.xml", method="HEAD")
    assert status == 200
    assert body == b""
    assert int(headers["Content-Length"]) > 1000
    assert headers["ETag"]


@pytest.mark.parametrize(
    "path",
    [
        "/../server.py",
        "/feeds/../../server.py",
        "/%2e%2e/server.py",
        "/feeds/..%2f..%2fserver.py",
        "/feeds/%2E%2E%2F%2E%2E%2F__init__.py",
        "/articles/..%5c..%5cserver.py",
        "/..",
    ],
)
def test_path_traversal_refused(server: DemoServer, path: str) -> None:
    status, body = raw_get(server, path)
    assert status == 403
    assert b"DemoServer" not in body
    assert b"import" not in body


def test_missing_and_hidden_files_are_404(server: DemoServer) -> None:
    for path in [MISSING_PAGE, "/nope.html", "/.hidden", "/feeds/terres-vivantes.xml/", PDF_PAGE + "/x"]:
        status, headers, body, _ = fetch(server.base_url + path)
        assert status == 404, path
        assert headers.get_content_type() == "text/html"
        assert b'lang="' in body


def test_pretty_urls_and_indexes(server: DemoServer) -> None:
    base = server.base_url + "/articles/soil-matters/soil-carbon-mrv-costs"
    bodies = {fetch(url)[2] for url in (base, base + "/", base + ".html", base + "?utm_source=x")}
    assert len(bodies) == 1
    assert b"MRV" in bodies.pop()
    for path in ["/", "/articles/terres-vivantes/", "/articles/soil-matters"]:
        assert fetch(server.base_url + path)[0] == 200, path


def test_redirect_endpoint(server: DemoServer) -> None:
    target = server.base_url + "/articles/suelo-vivo/encuentro-andino-suelos-cusco.html?a=1&b=2"
    url = f"{server.base_url}/redirect?url={urllib.parse.quote(target, safe='')}&ref=x"
    status, headers, _, _ = fetch(url, follow=False)
    assert (status, headers["Location"]) == (302, target)
    for bad in ["", "?url=", "?url=javascript%3Aalert(1)", "?url=ftp%3A%2F%2Fexample.org%2F", "?url=%2Fabs"]:
        assert fetch(f"{server.base_url}/redirect{bad}", follow=False)[0] == 400, bad


# -- feeds ------------------------------------------------------------------------------------------


def test_good_feeds_parse(feeds: dict[str, feedparser.FeedParserDict]) -> None:
    for name, count in GOOD_FEEDS.items():
        parsed = feeds[name]
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        assert len(parsed.entries) == count, name
        for entry in parsed.entries:
            assert entry.get("title"), name
            assert entry.get("link"), name
            assert entry.get("published_parsed"), name
    assert feeds["soil-matters.atom"].version == "atom10"
    assert feeds["terres-vivantes.xml"].version == "rss20"


def test_broken_sources(server: DemoServer, feeds: dict[str, feedparser.FeedParserDict]) -> None:
    assert feeds["broken.xml"].bozo
    assert not feeds["broken.xml"].entries
    assert feeds["not-a-feed.html"].bozo
    assert not feeds["not-a-feed.html"].entries
    assert fetch(server.base_url + "/feeds/not-a-feed.html")[1].get_content_type() == "text/html"


def test_every_item_link_resolves_except_the_intended_404(
    server: DemoServer, feeds: dict[str, feedparser.FeedParserDict]
) -> None:
    failures = {}
    for name in GOOD_FEEDS:
        for entry in feeds[name].entries:
            status, _, body, final = fetch(entry.link)
            assert final.startswith(server.base_url)
            if status != 200:
                failures[urllib.parse.urlsplit(final).path] = status
            else:
                assert body
    assert failures == {MISSING_PAGE: 404}


def test_news_search_links_go_through_redirects_and_duplicate_other_feeds(
    server: DemoServer, feeds: dict[str, feedparser.FeedParserDict]
) -> None:
    targets = []
    for entry in feeds["news-search-4p1000.xml"].entries:
        assert entry.link.startswith(server.base_url + "/redirect?url=")
        status, headers, _, _ = fetch(entry.link, follow=False)
        assert status == 302
        targets.append(headers["Location"])
    languages = set()
    for target in targets:
        html = fetch(target)[2].decode()
        languages.add(re.search(r'<html lang="(\w\w)', html).group(1))  # type: ignore[union-attr]
    assert languages == {"fr", "en", "es"}
    publisher_links = {entry.link: name for name in list(GOOD_FEEDS)[:3] for entry in feeds[name].entries}
    by_canonical = {canonical(link): link for link in publisher_links}
    duplicates = {t: by_canonical[canonical(t)] for t in targets if canonical(t) in by_canonical}
    assert len(duplicates) == 3
    assert {publisher_links[link] for link in duplicates.values()} == set(list(GOOD_FEEDS)[:3])
    for search_form, feed_form in duplicates.items():
        assert search_form != feed_form  # same page, different URL form
        assert fetch(search_form)[2] == fetch(feed_form)[2]


def test_tracking_parameters_in_one_suelo_vivo_link(feeds: dict[str, feedparser.FeedParserDict]) -> None:
    tracked = [e.link for e in feeds["suelo-vivo.xml"].entries if "utm_" in e.link]
    assert len(tracked) == 1
    assert tracked[0].endswith("?utm_source=rss&utm_medium=feed")


def test_robots_disallows_one_feed_item(
    server: DemoServer, feeds: dict[str, feedparser.FeedParserDict]
) -> None:
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(fetch(server.base_url + "/robots.txt")[2].decode().splitlines())
    links = [e.link for name in GOOD_FEEDS for e in feeds[name].entries]
    disallowed = [link for link in links if not robots.can_fetch("mediawatch", link)]
    assert disallowed == [server.base_url + PRIVATE_PAGE]
    assert fetch(disallowed[0])[0] == 200  # it exists: only robots.txt keeps a crawler out


def test_pdf_item(server: DemoServer, feeds: dict[str, feedparser.FeedParserDict]) -> None:
    assert server.base_url + PDF_PAGE in [e.link for e in feeds["agro-institut.xml"].entries]
    status, headers, body, _ = fetch(server.base_url + PDF_PAGE)
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF-1.")
    assert body.rstrip().endswith(b"%%EOF")
    assert int(headers["Content-Length"]) == len(body) == (SITE_DIR / PDF_PAGE[1:]).stat().st_size


def test_feed_and_page_dates_follow_the_anchor_day(
    server: DemoServer, feeds: dict[str, feedparser.FeedParserDict]
) -> None:
    entries = {e.link: e for name in GOOD_FEEDS for e in feeds[name].entries}
    latest = max(datetime(*e.published_parsed[:6], tzinfo=UTC) for e in entries.values())
    assert latest < datetime.combine(TODAY, datetime.min.time(), UTC)  # nothing in the future
    assert latest > datetime.combine(TODAY - timedelta(days=2), datetime.min.time(), UTC)

    # one article's page date disagrees with its feed date
    feed_date = datetime(*entries[server.base_url + DATE_MISMATCH_PAGE].published_parsed[:6], tzinfo=UTC)
    html = fetch(server.base_url + DATE_MISMATCH_PAGE)[2].decode()
    page_date = re.search(r'article:published_time" content="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    assert feed_date - datetime.fromisoformat(page_date) == timedelta(days=11, hours=-1)


def test_render_template() -> None:
    anchor = date(2026, 3, 1)
    text = (
        "{{BASE}}|{{BASE_QUOTED}}|{{RFC822:-1T09:30}}|{{ISO:+2}}|"
        "{{DATE_FR:0}}|{{DATE_EN:-1}}|{{DATE_ES:+31}}|{{YEAR:-61}}"
    )
    assert render_template(text, "http://127.0.0.1:8080", anchor).split("|") == [
        "http://127.0.0.1:8080",
        "http%3A%2F%2F127.0.0.1%3A8080",
        "Sat, 28 Feb 2026 09:30:00 +0000",
        "2026-03-03T08:00:00+00:00",
        "1er mars 2026",
        "28 February 2026",
        "1 de abril de 2026",
        "2025",
    ]
    assert render_template("{{UNKNOWN}} {{ISO:x}}", "b", anchor) == "{{UNKNOWN}} {{ISO:x}}"


# -- pages --------------------------------------------------------------------------------------------


def test_no_placeholder_is_ever_served(server: DemoServer) -> None:
    paths = site_files(*TEXT_SUFFIXES)
    assert len(paths) > 30
    for path in [*paths, MISSING_PAGE, "/redirect"]:
        body = fetch(server.base_url + path)[2].decode()
        assert not re.search(r"\{\{|[A-Z0-9]\}\}", body), path


def test_every_page_has_a_lang_attribute(server: DemoServer) -> None:
    for path in site_files(".html"):
        html = fetch(server.base_url + path)[2].decode()
        match = re.search(r"<html\b[^>]*\blang=\"([a-z]{2})(-[A-Z]{2})?\"", html)
        assert match, path
        assert match.group(1) in {"fr", "en", "es"}, path


def test_article_pages(server: DemoServer) -> None:
    pages = article_pages()
    assert 20 <= len(pages) <= 26
    special = {PAYWALL_PAGE, SHORT_PAGE + ".html", PRIVATE_PAGE}
    with_canonical = 0
    for path in pages:
        html = fetch(server.base_url + path)[2].decode()
        for marker in ("<title>", '<meta name="author" content="', 'property="article:published_time"'):
            assert marker in html, (path, marker)
        assert "<nav" in html, path
        assert "<footer" in html, path
        if path not in special:
            assert 150 <= article_words(html) <= 600, path
        link = re.search(r'<link rel="canonical" href="([^"]+)"', html)
        if link:
            with_canonical += 1
            assert "utm_" not in link.group(1), path
            assert fetch(link.group(1))[0] == 200, path
    assert 5 <= with_canonical < len(pages)


def test_paywall_and_short_pages(server: DemoServer) -> None:
    paywalled = fetch(server.base_url + PAYWALL_PAGE)[2].decode()
    assert "Réservé aux abonnés" in paywalled
    assert '"isAccessibleForFree": false' in paywalled
    assert article_words(paywalled) < 120
    short = fetch(server.base_url + SHORT_PAGE)[2].decode()
    assert article_words(short) < 60


def test_off_topic_pages_are_really_off_topic(server: DemoServer) -> None:
    for path, absent in OFF_TOPIC.items():
        html = fetch(server.base_url + path)[2].decode()
        article = re.sub(r"<[^>]+>", " ", html[html.index("<article>") : html.index("</article>")])
        assert absent not in article.lower(), path


def test_near_duplicate_press_release(server: DemoServer) -> None:
    release = fetch(server.base_url + "/articles/agro-institut/communique-pradera-c-carbone-prairies.html")
    rewrite = fetch(server.base_url + "/articles/suelo-vivo/red-carbono-pastizales-uruguay-argentina.html")
    for facts in ("PRADERA-C", "150", "48", "3,4", "60 c", "IRIA", "Camille Verdier", "Federico Olivera"):
        assert facts in release[2].decode(), facts
        assert facts in rewrite[2].decode(), facts


def test_site_is_small() -> None:
    assert sum(p.stat().st_size for p in SITE_DIR.rglob("*") if p.is_file()) < 300_000


# -- registry entries -----------------------------------------------------------------------------


def test_demo_sources(server: DemoServer) -> None:
    entries = demo_sources(server.base_url)
    assert len(entries) == len({e["id"] for e in entries}) == 7
    served = {p.removeprefix("/feeds/") for p in site_files() if p.startswith("/feeds/")}
    assert {str(e["url"]).rsplit("/", 1)[1] for e in entries} == served
    for entry in entries:
        assert tuple(entry) == SOURCE_KEYS
        assert all(isinstance(tag, str) for tag in entry["tags"])  # type: ignore[attr-defined]
        source = Source(
            id=str(entry["id"]),
            name=str(entry["name"]),
            url=str(entry["url"]),
            kind=SourceKind(entry["kind"]),
            language=str(entry["language"]),
            country=str(entry["country"]),
            region=Region(entry["region"]),
            outlet_type=OutletType(entry["outlet_type"]),
            tags=tuple(entry["tags"]),  # type: ignore[call-overload]
        )
        assert source.url.startswith(server.base_url + "/feeds/")
        assert fetch(source.url)[0] == 200
    assert demo_sources(server.base_url + "/")[0]["url"] == entries[0]["url"]
